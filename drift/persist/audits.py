"""Audits and their findings in the store: what ``drift history`` and new/resolved read.

An audit row keeps what is needed to compare audits over time without re-running them: its
scope key (audits of the same scope are compared with each other), the sources it read with
their digests, the summary counts (plus how many findings were new and resolved), the alerts
and the exit code. Finding rows keep the stable id, the kind, the severity, the resource, the
differences exactly as reports print them (sensitive ones without values) and first/last seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from change_control.errors import NotFoundError
from change_control.store.schema import audits, findings
from drift.audit import AuditRecord
from drift.model import Finding

#: ``--audit latest``: the newest audit (of the scope, where one is given).
LATEST = "latest"


@dataclass(frozen=True)
class StoredAudit:
    """One audits row."""

    id: str
    scope_key: str
    started_at: datetime
    finished_at: datetime | None
    sources: Sequence[Mapping[str, Any]]
    summary: Mapping[str, Any]
    alerts: Sequence[Mapping[str, Any]]
    exit_code: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``drift history --format json``)."""
        from change_control.timeutil import isoformat

        return {
            "id": self.id,
            "scope": self.scope_key,
            "started_at": isoformat(self.started_at),
            "finished_at": isoformat(self.finished_at) if self.finished_at else None,
            "sources": [dict(s) for s in self.sources],
            "summary": dict(self.summary),
            "alerts": len(self.alerts),
            "exit_code": self.exit_code,
        }


class AuditRepository:
    """Audits and findings on one open connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, record: AuditRecord) -> None:
        """Insert the audit and all its findings (the caller's transaction makes it atomic)."""
        result = record.result
        self.conn.execute(
            insert(audits).values(
                id=result.audit_id,
                scope_key=record.scope_key,
                started_at=record.started_at,
                finished_at=result.generated_at,
                sources=[dict(s) for s in record.sources],
                summary={**result.summary.to_dict(), **record.extra_summary},
                alerts=[a.to_dict() for a in result.alerts],
                exit_code=record.exit_code,
            )
        )
        rows = [_finding_row(result.audit_id, f, result.generated_at) for f in result.findings]
        if rows:
            self.conn.execute(insert(findings), rows)

    def latest(self, scope_key: str | None = None) -> StoredAudit | None:
        """The newest audit, of ``scope_key`` when given."""
        found = self.history(scope_key, limit=1)
        return found[0] if found else None

    def get(self, audit_id: str, scope_key: str | None = None) -> StoredAudit:
        """The audit ``audit_id`` (or the newest for ``latest``), else ``NotFoundError``."""
        if audit_id == LATEST:
            newest = self.latest(scope_key)
            if newest is None:
                raise NotFoundError("no audit is stored yet (run `changegate drift audit` first)")
            return newest
        row = self.conn.execute(select(audits).where(audits.c.id == audit_id)).first()
        if row is None:
            raise NotFoundError(
                f"no audit {audit_id!r} (`changegate drift history` lists the stored audits)"
            )
        return _audit(row._mapping)

    def history(self, scope_key: str | None = None, limit: int = 20) -> list[StoredAudit]:
        """Audits newest first, of one scope when given."""
        query = select(audits).order_by(
            audits.c.finished_at.desc(), audits.c.started_at.desc(), audits.c.id.desc()
        )
        if scope_key is not None:
            query = query.where(audits.c.scope_key == scope_key)
        return [_audit(row._mapping) for row in self.conn.execute(query.limit(limit))]

    def first_seen(self, audit_id: str) -> dict[str, datetime]:
        """Finding id -> when it was first seen, for every finding of that audit."""
        query = select(findings.c.finding_id, findings.c.first_seen).where(
            findings.c.audit_id == audit_id
        )
        return {finding_id: seen for finding_id, seen in self.conn.execute(query)}

    def scopes(self) -> list[str]:
        """Every scope key that has audits, sorted."""
        query = select(audits.c.scope_key).distinct().order_by(audits.c.scope_key)
        return [str(key) for key in self.conn.execute(query).scalars()]


def _finding_row(audit_id: str, finding: Finding, now: datetime) -> dict[str, Any]:
    return {
        "audit_id": audit_id,
        "finding_id": finding.id,
        "kind": str(finding.kind),
        "severity": str(finding.severity),
        "resource_type": finding.resource_type,
        "resource_id": finding.resource_id,
        "address": finding.address,
        # The report's own objects: a sensitive difference carries no values here either.
        "differences": [d.to_dict() for d in finding.differences],
        "attribution": finding.attribution.to_dict(),
        "first_seen": finding.first_seen or now,
        "last_seen": finding.last_seen or now,
    }


def _audit(row: RowMapping) -> StoredAudit:
    return StoredAudit(
        id=row["id"],
        scope_key=row["scope_key"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        sources=row["sources"] or [],
        summary=row["summary"] or {},
        alerts=row["alerts"] or [],
        exit_code=row["exit_code"],
    )
