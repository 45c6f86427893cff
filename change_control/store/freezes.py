"""Freeze windows kept in the store (``changegate freeze add|list|remove``).

The policy file declares standing freezes; these are the ones operators add on the day ("no
changes during the sales event"). The gate reads both. Rows map to ``policy.model.FreezeWindow``
so the gate never knows where a freeze came from. Validating a freeze (end after start, a
parsable weekly range, a known time zone) is the caller's job, before it gets here.
"""

from __future__ import annotations

import builtins
import dataclasses
from datetime import datetime

from sqlalchemy import Connection, RowMapping, delete, insert, select

from change_control.errors import NotFoundError
from change_control.model import ChangeType
from change_control.policy.model import FreezeWindow
from change_control.store.schema import freeze_windows


class FreezeRepository:
    """Freeze windows on one open connection (the caller's unit of work)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, freeze: FreezeWindow, *, at: datetime, created_by: str | None = None
    ) -> FreezeWindow:
        """Store ``freeze`` and return it with the ``id`` the store assigned."""
        result = self.conn.execute(
            insert(freeze_windows)
            .values(
                name=freeze.name,
                reason=freeze.reason,
                start=freeze.start,
                end=freeze.end,
                weekly=freeze.weekly,
                tz=freeze.tz,
                environments=list(freeze.environments),
                exempt_types=[str(t) for t in freeze.exempt_types],
                created_at=at,
                created_by=created_by,
            )
            .returning(freeze_windows.c.id)
        )
        return dataclasses.replace(freeze, id=int(result.scalar_one()))

    def list(self) -> builtins.list[FreezeWindow]:
        """Every stored freeze, oldest first."""
        rows = self.conn.execute(select(freeze_windows).order_by(freeze_windows.c.id)).mappings()
        return [_to_freeze(row) for row in rows]

    def get(self, freeze_id: int) -> FreezeWindow:
        """The freeze with ``freeze_id``, or ``NotFoundError``."""
        row = (
            self.conn.execute(select(freeze_windows).where(freeze_windows.c.id == freeze_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"freeze window {freeze_id} not found")
        return _to_freeze(row)

    def remove(self, freeze_id: int) -> FreezeWindow:
        """Delete the freeze and return what it was (``NotFoundError`` if there is none)."""
        removed = self.get(freeze_id)
        self.conn.execute(delete(freeze_windows).where(freeze_windows.c.id == freeze_id))
        return removed


def _to_freeze(row: RowMapping) -> FreezeWindow:
    return FreezeWindow(
        id=int(row["id"]),
        name=row["name"],
        reason=row["reason"],
        start=row["start"],
        end=row["end"],
        weekly=row["weekly"],
        tz=row["tz"],
        environments=tuple(row["environments"] or ()),
        exempt_types=tuple(ChangeType(t) for t in row["exempt_types"] or ()),
    )
