"""The run ledger: tamper-evident, hash-chained records of every Ansible run.

``events`` (the event and its hash chain), ``redact`` (secrets out first), ``recorder`` and
``spool`` (never lose or duplicate an event, never fail the play), ``sinks`` (store, JSON Lines,
ticket write-back) and ``verify`` (prove the chain intact, or name the first broken link).
Import the submodules directly: this package imports nothing, so that importing
``change_control.ledger.events`` does not pull in SQLAlchemy.
"""
