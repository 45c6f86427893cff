"""A fake ticket provider for the gatekeeper's tests: real ``Change`` records, counted calls.

It implements the calls the gatekeeper makes (``get``, ``transition``, ``add_note``) with the
same state machine (``check_transition``), so the service code under test is the real one.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from change_control.errors import ChangeNotFoundError, ProviderError
from change_control.model import (
    Approval,
    ApprovalDecision,
    Change,
    ChangeState,
    ChangeType,
    Scope,
    Window,
    check_transition,
)

NOW = datetime.fromisoformat("2026-11-22T10:00:00+00:00")


def approved_change(
    change_id: str = "CHG0000001",
    *,
    change_type: ChangeType = ChangeType.NORMAL,
    state: ChangeState = ChangeState.SCHEDULED,
    approver: str = "bob",
    hosts: tuple[str, ...] = (),
) -> Change:
    """A change approved by ``approver`` whose window covers ``NOW``."""
    return Change(
        id=change_id,
        type=change_type,
        state=state,
        summary="Patch the web tier",
        requested_by="alice",
        created_at=NOW - timedelta(days=1),
        approvals=(Approval(approver, ApprovalDecision.APPROVED, NOW - timedelta(hours=2)),),
        window=Window(NOW - timedelta(hours=1), NOW + timedelta(hours=2)),
        scope=Scope(hosts=hosts),
        updated_at=NOW - timedelta(hours=2),
    )


class FakeProvider:
    """Holds changes in a dict and counts every call by name."""

    name = "fake"

    def __init__(self, *changes: Change, unreachable: bool = False) -> None:
        self.changes = {change.id: change for change in changes}
        self.unreachable = unreachable
        self.calls: dict[str, int] = {}
        self.notes: list[tuple[str, str, str]] = []

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        if self.unreachable:
            raise ProviderError("the ticket system did not answer")

    def get(self, change_id: str) -> Change:
        self._count("get")
        try:
            return self.changes[change_id]
        except KeyError:
            raise ChangeNotFoundError(f"no change {change_id}") from None

    def transition(
        self,
        change_id: str,
        target: ChangeState,
        actor: str,
        at: datetime,
        close_code: str | None = None,
        close_notes: str | None = None,
    ) -> Change:
        self._count("transition")
        current = self.changes[change_id]
        check_transition(current.type, current.state, target)
        moved = dataclasses.replace(
            current, state=target, updated_at=at, close_code=close_code, close_notes=close_notes
        )
        self.changes[change_id] = moved
        return moved

    def add_note(self, change_id: str, actor: str, text: str, at: datetime) -> None:
        self._count("add_note")
        self.notes.append((change_id, actor, text))


class ListSink:
    """A ledger sink that keeps what it is given (or fails, to exercise the spool)."""

    name = "store"

    def __init__(self, *, fail: bool = False) -> None:
        self.events: list[Any] = []
        self.fail = fail

    def write(self, events: Any) -> Any:
        from change_control.ledger.protocol import SinkResult

        if self.fail:
            raise OSError("disk full")
        self.events.extend(events)
        return SinkResult(len(events))

    def close(self) -> None:
        """Nothing to release."""
