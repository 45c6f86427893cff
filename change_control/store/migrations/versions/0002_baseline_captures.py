"""Baseline captures: group the rows of one ``drift baseline capture`` and keep secrets out.

``capture_id`` names one capture (``CHG0000001-b2``): ``baseline show``/``list`` and the audit's
``baseline:<id>`` rule refer to it. ``sensitive_paths`` lists the attribute paths withheld from
``attributes`` (state ``sensitive_attributes`` and secret-named fields): the store never holds a
secret, and the audit still knows to treat those paths as sensitive. Both are nullable, so
rows written before this revision stay valid.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:10:11.724664
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("baselines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capture_id", sa.String(length=96), nullable=True))
        batch_op.add_column(
            sa.Column(
                "sensitive_paths",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
        batch_op.create_index("ix_baselines_capture_id", ["capture_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("baselines", schema=None) as batch_op:
        batch_op.drop_index("ix_baselines_capture_id")
        batch_op.drop_column("sensitive_paths")
        batch_op.drop_column("capture_id")
