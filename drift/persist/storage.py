"""``AuditStorage`` over the one store: how ``drift.audit`` reads and writes through SQLAlchemy.

Reads use ``Store.read()`` (no write lock); ``save`` is one ``Store.begin()`` unit of work, so
an audit and all its findings are stored together or not at all.
"""

from __future__ import annotations

from change_control.store.engine import Store
from drift.audit import BASELINE_LATEST, AuditRecord, PreviousAudit
from drift.engine import CapturedBaseline
from drift.persist.audits import AuditRepository
from drift.persist.baselines import BaselineRepository


class SqlAuditStorage:
    """The audit's view of the store (``drift.audit.AuditStorage``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def previous(self, scope_key: str) -> PreviousAudit | None:
        """The newest stored audit of ``scope_key`` and its findings' first-seen times."""
        with self.store.read() as conn:
            repo = AuditRepository(conn)
            latest = repo.latest(scope_key)
            if latest is None:
                return None
            return PreviousAudit(latest.id, repo.first_seen(latest.id))

    def baselines(self, selector: str) -> list[CapturedBaseline]:
        """Newest version per resource for ``latest``, else one capture or a change's."""
        with self.store.read() as conn:
            repo = BaselineRepository(conn)
            return repo.newest() if selector == BASELINE_LATEST else repo.of(selector)

    def save(self, record: AuditRecord) -> None:
        """Store the audit and its findings in one transaction."""
        with self.store.begin() as conn:
            AuditRepository(conn).add(record)
