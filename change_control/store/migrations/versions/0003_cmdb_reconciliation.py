"""CMDB reconciliation: per-source ledger, source watermarks, runs, row versions.

``cmdb_bindings`` binds each data source's native key to one CI and keeps the digest of what the
source last said (a no-op re-sync compares digests in memory), its unseen-run count and a due
time; ``cmdb_sources`` keeps each source's last watermark (lineage/serial, digest, audit id);
``cmdb_runs`` has one row per sync that wrote something. ``ci_relations.version`` lets two
concurrent syncs detect a conflicting edit; ``ci_history.run_id`` ties journal entries to their
run; ``cis.retired_at`` starts the retention clock; ``ix_cis_name`` serves name-based
identification rules. Everything is additive: rows of earlier revisions stay valid.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:29:22.572389
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "cmdb_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "sources", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "summary", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "deleted", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cmdb_runs")),
    )
    op.create_table(
        "cmdb_sources",
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "watermark", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("complete_runs", sa.Integer(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cmdb_sources")),
    )
    op.create_table(
        "cmdb_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=512), nullable=False),
        sa.Column("native_key", sa.String(length=2048), nullable=False),
        sa.Column("ci_id", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("unseen_runs", sa.Integer(), nullable=False),
        sa.Column("created_ci", sa.Boolean(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ci_id"], ["cis.id"], name=op.f("fk_cmdb_bindings_ci_id_cis"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cmdb_bindings")),
        sa.UniqueConstraint(
            "source", "native_key", name=op.f("uq_cmdb_bindings_source_native_key")
        ),
    )
    with op.batch_alter_table("cmdb_bindings", schema=None) as batch_op:
        batch_op.create_index("ix_cmdb_bindings_ci_id", ["ci_id"], unique=False)
        batch_op.create_index(
            "ix_cmdb_bindings_due_at",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("due_at IS NOT NULL"),
            postgresql_where=sa.text("due_at IS NOT NULL"),
        )

    with op.batch_alter_table("ci_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_ci_history_run_id", ["run_id"], unique=False)

    with op.batch_alter_table("ci_relations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("cis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_cis_name", ["name"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("cis", schema=None) as batch_op:
        batch_op.drop_index("ix_cis_name")
        batch_op.drop_column("retired_at")

    with op.batch_alter_table("ci_relations", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("ci_history", schema=None) as batch_op:
        batch_op.drop_index("ix_ci_history_run_id")
        batch_op.drop_column("run_id")

    with op.batch_alter_table("cmdb_bindings", schema=None) as batch_op:
        batch_op.drop_index("ix_cmdb_bindings_due_at")
        batch_op.drop_index("ix_cmdb_bindings_ci_id")

    op.drop_table("cmdb_bindings")
    op.drop_table("cmdb_sources")
    op.drop_table("cmdb_runs")
