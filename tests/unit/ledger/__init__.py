"""Unit tests of the run ledger (no database, no Ansible)."""
