"""The change register in the store: rows of ``changes``, ``approvals`` and ``change_log``.

A repository works on the one connection its caller's unit of work opened (``Store.begin()``),
so a provider can read a change, record an approval and move the state in a single
transaction. Rows come back as frozen model objects with tz-aware UTC instants.

Concurrent writers are handled twice over: ``load(lock=True)`` takes the row lock
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serializes
writers), and ``update`` checks the row's ``version`` so a stale caller gets a ``ConflictError``
instead of silently overwriting someone else's decision.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from change_control.errors import ChangeNotFoundError, ConflictError
from change_control.model import (
    Approval,
    ApprovalDecision,
    Change,
    ChangeState,
    ChangeType,
    Risk,
    Scope,
    Window,
)
from change_control.providers.base import ListFilter, NewChange
from change_control.store.freezes import FreezeRepository
from change_control.store.schema import approvals, change_log, changes
from change_control.timeutil import isoformat

__all__ = [
    "ID_PREFIX",
    "ChangeRepository",
    "FreezeRepository",
    "LogAction",
    "LogEntry",
    "StoredChange",
    "format_change_id",
]

#: Change ids are ``CHG`` plus the store's sequence number, zero-padded to seven digits.
ID_PREFIX = "CHG"


def format_change_id(seq: int) -> str:
    """``CHG0000001`` for sequence 1 (more digits once seven no longer suffice)."""
    return f"{ID_PREFIX}{seq:07d}"


class LogAction(StrEnum):
    """What a ``change_log`` row records."""

    CREATED = "created"
    APPROVED = "approved"
    REJECTED = "rejected"
    TRANSITION = "transition"
    NOTE = "note"


@dataclass(frozen=True)
class LogEntry:
    """One line of a change's history: who did what, when, from which state to which."""

    change_id: str
    at: datetime
    actor: str
    action: LogAction
    from_state: ChangeState | None = None
    to_state: ChangeState | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``changegate change show --format json``)."""
        return {
            "change_id": self.change_id,
            "at": isoformat(self.at),
            "actor": self.actor,
            "action": str(self.action),
            "from_state": str(self.from_state) if self.from_state else None,
            "to_state": str(self.to_state) if self.to_state else None,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class StoredChange:
    """A change together with the row version an optimistic ``update`` must name."""

    change: Change
    version: int


class ChangeRepository:
    """Changes, their approvals and their history, on one open connection."""

    def __init__(self, conn: Connection, provider: str = "local") -> None:
        self.conn = conn
        self.provider = provider

    def insert(self, new: NewChange, *, state: ChangeState, at: datetime) -> str:
        """Store a new change and return its id (``CHG`` + sequence)."""
        # The id derives from the sequence the database assigns, which is only known after the
        # insert; a unique placeholder keeps the NOT NULL UNIQUE column valid until then.
        result = self.conn.execute(
            insert(changes)
            .values(
                id=f"pending-{uuid.uuid4().hex}",
                provider=self.provider,
                type=str(new.type),
                state=str(state),
                summary=new.summary,
                risk=str(new.risk),
                requested_by=new.requested_by,
                window_start=new.window.start if new.window else None,
                window_end=new.window.end if new.window else None,
                scope=new.scope.to_dict(),
                template=new.template,
                rollback_plan=new.rollback_plan,
                links=list(new.links),
                created_at=at,
                updated_at=at,
                version=1,
            )
            .returning(changes.c.seq)
        )
        seq = int(result.scalar_one())
        change_id = format_change_id(seq)
        self.conn.execute(update(changes).where(changes.c.seq == seq).values(id=change_id))
        return change_id

    def load(self, change_id: str, *, lock: bool = False) -> StoredChange:
        """The change and its row version; ``lock`` holds the row until the transaction ends."""
        query = select(changes).where(changes.c.id == change_id)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        if row is None:
            raise ChangeNotFoundError(f"change {change_id} not found")
        return StoredChange(_to_change(row, self._approvals([change_id])), int(row["version"]))

    def get(self, change_id: str) -> Change:
        """The change with its approvals, or ``ChangeNotFoundError``."""
        return self.load(change_id).change

    def list(self, filters: ListFilter) -> builtins.list[Change]:
        """Changes matching ``filters``, newest first, at most ``filters.limit``."""
        query = select(changes).order_by(changes.c.seq.desc()).limit(filters.limit)
        if filters.state is not None:
            query = query.where(changes.c.state == str(filters.state))
        if filters.type is not None:
            query = query.where(changes.c.type == str(filters.type))
        if filters.requested_by is not None:
            who = filters.requested_by.strip().lower()
            query = query.where(func.lower(func.trim(changes.c.requested_by)) == who)
        rows = self.conn.execute(query).mappings().all()
        found = self._approvals([row["id"] for row in rows])
        return [_to_change(row, found) for row in rows]

    def update(
        self,
        change_id: str,
        *,
        expected_version: int,
        at: datetime,
        state: ChangeState | None = None,
        close_code: str | None = None,
        close_notes: str | None = None,
    ) -> int:
        """Bump the change's version (and set what is given); return the new version.

        Raises ``ConflictError`` when the row is no longer at ``expected_version``: someone else
        changed it since the caller read it.
        """
        values: dict[str, Any] = {"version": expected_version + 1, "updated_at": at}
        if state is not None:
            values["state"] = str(state)
        if close_code is not None:
            values["close_code"] = close_code
        if close_notes is not None:
            values["close_notes"] = close_notes
        result = self.conn.execute(
            update(changes)
            .where(changes.c.id == change_id, changes.c.version == expected_version)
            .values(**values)
        )
        if result.rowcount != 1:
            current = self.load(change_id).version  # raises ChangeNotFoundError if gone
            raise ConflictError(
                f"change {change_id} was modified by someone else (version {current}, "
                f"expected {expected_version}); read it again and retry"
            )
        return expected_version + 1

    def add_approval(self, change_id: str, approval: Approval) -> None:
        """Record one approver's decision."""
        self.conn.execute(
            insert(approvals).values(
                change_id=change_id,
                approver=approval.approver,
                approval_group=approval.group,
                decision=str(approval.decision),
                comment=approval.comment,
                at=approval.at,
            )
        )

    def append_log(
        self,
        change_id: str,
        action: LogAction,
        actor: str,
        at: datetime,
        *,
        from_state: ChangeState | None = None,
        to_state: ChangeState | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one history row; ``detail`` must be JSON-ready."""
        self.conn.execute(
            insert(change_log).values(
                change_id=change_id,
                at=at,
                actor=actor,
                action=str(action),
                from_state=str(from_state) if from_state else None,
                to_state=str(to_state) if to_state else None,
                detail=dict(detail or {}),
            )
        )

    def log(self, change_id: str) -> builtins.list[LogEntry]:
        """The change's history, oldest first (``ChangeNotFoundError`` for an unknown id)."""
        self.load(change_id)
        rows = self.conn.execute(
            select(change_log)
            .where(change_log.c.change_id == change_id)
            .order_by(change_log.c.at, change_log.c.id)
        ).mappings()
        return [
            LogEntry(
                change_id=row["change_id"],
                at=row["at"],
                actor=row["actor"],
                action=LogAction(row["action"]),
                from_state=ChangeState(row["from_state"]) if row["from_state"] else None,
                to_state=ChangeState(row["to_state"]) if row["to_state"] else None,
                detail=row["detail"] or {},
            )
            for row in rows
        ]

    def _approvals(self, change_ids: Sequence[str]) -> dict[str, builtins.list[Approval]]:
        found: dict[str, builtins.list[Approval]] = {}
        if not change_ids:
            return found
        rows = self.conn.execute(
            select(approvals)
            .where(approvals.c.change_id.in_(change_ids))
            .order_by(approvals.c.at, approvals.c.id)
        ).mappings()
        for row in rows:
            found.setdefault(row["change_id"], []).append(
                Approval(
                    approver=row["approver"],
                    decision=ApprovalDecision(row["decision"]),
                    at=row["at"],
                    group=row["approval_group"],
                    comment=row["comment"],
                )
            )
        return found


def _to_change(row: RowMapping, found: Mapping[str, Sequence[Approval]]) -> Change:
    start, end = row["window_start"], row["window_end"]
    return Change(
        id=row["id"],
        type=ChangeType(row["type"]),
        state=ChangeState(row["state"]),
        summary=row["summary"],
        requested_by=row["requested_by"],
        created_at=row["created_at"],
        risk=Risk(row["risk"]),
        approvals=tuple(found.get(row["id"], ())),
        window=Window(start, end) if start is not None and end is not None else None,
        scope=Scope.from_dict(row["scope"]),
        template=row["template"],
        rollback_plan=row["rollback_plan"],
        links=tuple(row["links"] or ()),
        close_code=row["close_code"],
        close_notes=row["close_notes"],
        updated_at=row["updated_at"],
    )
