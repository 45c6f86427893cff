"""changegate's change-control core: tickets, approvals, policy and the run ledger.

Plain Python with no Ansible import, so that every rule is testable without a playbook and the
Ansible plugins stay thin adapters. Nothing here opens a database or reads the environment at
import time.
"""

__version__ = "0.1.0"
