"""SQLAlchemy 2 Core schema for the one store every part of the suite shares.

Alembic migrations under ``migrations/`` create these tables; this module is their source of
truth for queries. Columns that hold documents use ``JSON`` (JSONB on PostgreSQL). Every
instant is stored as UTC and read back tz-aware on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A tz-aware instant stored as UTC; SQLite's naive values come back as UTC-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass a tz-aware instant")
        return (
            value.astimezone(UTC)
            if dialect.name != "sqlite"
            else value.astimezone(UTC).replace(tzinfo=None)
        )

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Document: Any = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# ---------------------------------------------------------------- change register
changes = Table(
    "changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("provider", String(32), nullable=False, default="local"),
    Column("type", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("risk", String(16), nullable=False),
    Column("requested_by", String(255), nullable=False),
    Column("window_start", UTCDateTime),
    Column("window_end", UTCDateTime),
    Column("scope", Document, nullable=False),
    Column("template", String(255)),
    Column("rollback_plan", Text),
    Column("links", Document, nullable=False),
    Column("close_code", String(64)),
    Column("close_notes", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", String(64), ForeignKey("changes.id", ondelete="CASCADE"), nullable=False),
    Column("approver", String(255), nullable=False),
    Column("approval_group", String(255)),
    Column("decision", String(16), nullable=False),
    Column("comment", Text),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_approvals_change_id", "change_id"),
)

#: The change register's own journal: creation, approvals, transitions, notes (who, when, what).
change_log = Table(
    "change_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", String(64), ForeignKey("changes.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("detail", Document),
    Index("ix_change_log_change_id", "change_id"),
)

freeze_windows = Table(
    "freeze_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("start", UTCDateTime),
    Column("end", UTCDateTime),
    Column("weekly", String(64)),
    Column("tz", String(64), nullable=False, default="UTC"),
    Column("environments", Document, nullable=False),
    Column("exempt_types", Document, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(255)),
)

# ---------------------------------------------------------------- run ledger
runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("change_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("actor", String(255)),
    Column("controller", String(255)),
    Column("playbook", Text),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("meta", Document),
    Column("stats", Document),
    Index("ix_runs_change_id", "change_id"),
)

#: Append-only; ``hash = sha256(prev_hash + canonical_json)`` chained across the whole store in
#: ``seq`` order. ``event_id`` makes replays from the spool idempotent.
run_events = Table(
    "run_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("run_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_run_events_run_id", "run_id"),
)

#: The chain's head, updated in the same transaction as every append: truncating the tail of
#: ``run_events`` leaves a valid-looking prefix, and only a recorded head reveals it.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("count", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# ---------------------------------------------------------------- drift
baselines = Table(
    "baselines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("resource_type", String(128), nullable=False),
    Column("resource_id", String(512), nullable=False),
    Column("address", Text),
    Column("attributes", Document, nullable=False),
    Column("source", Text, nullable=False),
    Column("captured_at", UTCDateTime, nullable=False),
    Column("captured_by", String(255)),
    # One ``drift baseline capture`` run (``CHG0000001-b2``); its rows share it (revision 0002).
    Column("capture_id", String(96)),
    # Attribute paths withheld from ``attributes`` because they are secret (revision 0002).
    Column("sensitive_paths", Document),
    UniqueConstraint("resource_type", "resource_id", "version"),
    Index("ix_baselines_change_id", "change_id"),
    Index("ix_baselines_capture_id", "capture_id"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("scope_key", String(128), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("sources", Document, nullable=False),
    Column("summary", Document, nullable=False),
    Column("alerts", Document, nullable=False),
    Column("exit_code", Integer),
    Index("ix_audits_scope_key", "scope_key"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("audit_id", String(64), ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    Column("finding_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("resource_type", String(128), nullable=False),
    Column("resource_id", String(512)),
    Column("address", Text),
    Column("differences", Document, nullable=False),
    Column("attribution", Document, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    UniqueConstraint("audit_id", "finding_id"),
)

# ---------------------------------------------------------------- CMDB
cis = Table(
    "cis",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("ci_class", String(128), nullable=False),
    Column("name", String(512), nullable=False),
    Column("environment", String(128)),
    Column("attributes", Document, nullable=False),
    Column("attribute_sources", Document, nullable=False),
    Column("drift_status", String(16), nullable=False, default="unknown"),
    Column("drift_findings", Document, nullable=False),
    Column("install_status", String(16), nullable=False, default="installed"),
    Column("created_by_tool", Boolean, nullable=False, default=True),
    Column("unseen_runs", Integer, nullable=False, default=0),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    # When the CI became retired: deletion waits a retention period from here (revision 0003).
    Column("retired_at", UTCDateTime),
    Index("ix_cis_class", "ci_class"),
    Index("ix_cis_name", "name"),
)

ci_identifiers = Table(
    "ci_identifiers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ci_id", String(64), ForeignKey("cis.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("value", String(1024), nullable=False),
    Column("source", String(255), nullable=False),
    UniqueConstraint("kind", "value"),
    Index("ix_ci_identifiers_ci_id", "ci_id"),
)

ci_relations = Table(
    "ci_relations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parent_id", String(64), ForeignKey("cis.id", ondelete="CASCADE"), nullable=False),
    Column("child_id", String(64), ForeignKey("cis.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("sources", Document, nullable=False),
    # Optimistic lock: two syncs changing one edge's sources must not lose one (revision 0003).
    Column("version", Integer, nullable=False, default=1, server_default="1"),
    UniqueConstraint("parent_id", "child_id", "type"),
    Index("ix_ci_relations_child_id", "child_id"),
)

ci_history = Table(
    "ci_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ci_id", String(64), ForeignKey("cis.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("source", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("changes", Document, nullable=False),
    # The ``cmdb sync`` run that wrote the entry (``cmdb_runs.id``; revision 0003).
    Column("run_id", String(64)),
    Index("ix_ci_history_ci_id", "ci_id"),
    Index("ix_ci_history_run_id", "run_id"),
)

#: One row per CMDB data source (``tfstate:/path``, ``snapshot:aws-prod``, ``audit:SCOPE``):
#: the watermark of the input last reconciled, so an unchanged input is skipped cheaply.
cmdb_sources = Table(
    "cmdb_sources",
    metadata,
    Column("name", String(512), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("watermark", Document, nullable=False),
    Column("complete_runs", Integer, nullable=False, default=0),
    Column("last_run_at", UTCDateTime, nullable=False),
    Column("last_run_id", String(64)),
)

#: The per-source ledger (iTop's replica, IRE's ``sys_object_source``): which CI a source's
#: native key is bound to, the digest of what the source last said about it (a re-run compares
#: digests, not attributes), how many complete runs in a row missed it, and when a time-based
#: decision (an authority window ending) is due.
cmdb_bindings = Table(
    "cmdb_bindings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(512), nullable=False),
    Column("native_key", String(2048), nullable=False),
    Column("ci_id", String(64), ForeignKey("cis.id", ondelete="CASCADE"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("unseen_runs", Integer, nullable=False, default=0),
    Column("created_ci", Boolean, nullable=False, default=False),
    Column("due_at", UTCDateTime),
    UniqueConstraint("source", "native_key"),
    Index("ix_cmdb_bindings_ci_id", "ci_id"),
    # Partial: only the few bindings with something due are indexed, so the index costs the
    # 100,000 inserts of a first sync nothing.
    Index(
        "ix_cmdb_bindings_due_at",
        "due_at",
        sqlite_where=text("due_at IS NOT NULL"),
        postgresql_where=text("due_at IS NOT NULL"),
    ),
)

#: One row per ``cmdb sync`` that wrote something (a no-op run writes nothing, not even this).
cmdb_runs = Table(
    "cmdb_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("sources", Document, nullable=False),
    Column("summary", Document, nullable=False),
    Column("deleted", Document, nullable=False),
    Column("forced", Boolean, nullable=False, default=False),
)
