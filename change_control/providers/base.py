"""The ticket-provider interface every system of record implements.

The gate only ever calls ``get``; the CLI and the ``change`` action call the rest. A provider
raises ``ChangeNotFoundError`` for an unknown id and ``ProviderError`` when it cannot be reached,
so ``evaluate`` can tell "no such change" from "could not ask" (fail-closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from change_control.model import Change, ChangeState, ChangeType, Risk, Scope, Window


@dataclass(frozen=True)
class NewChange:
    """What it takes to open a change."""

    type: ChangeType
    summary: str
    requested_by: str
    risk: Risk = Risk.MODERATE
    window: Window | None = None
    scope: Scope = field(default_factory=Scope)
    template: str | None = None
    rollback_plan: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListFilter:
    """Filters for ``list``; ``None`` means any."""

    state: ChangeState | None = None
    type: ChangeType | None = None
    requested_by: str | None = None
    limit: int = 100


class ChangeProvider(Protocol):
    """A system of record for change tickets."""

    name: str

    def get(self, change_id: str) -> Change:
        """The change, or ``ChangeNotFoundError`` / ``ProviderError``."""
        ...

    def list(self, filters: ListFilter) -> Sequence[Change]:
        """Changes matching ``filters``, newest first."""
        ...

    def create(self, new: NewChange, at: datetime) -> Change:
        """Open a change in state ``new``."""
        ...

    def approve(
        self,
        change_id: str,
        approver: str,
        at: datetime,
        group: str | None = None,
        comment: str | None = None,
    ) -> Change:
        """Record an approval; a change whose requirement is now met moves to ``scheduled``."""
        ...

    def reject(
        self, change_id: str, approver: str, at: datetime, comment: str | None = None
    ) -> Change:
        """Record a rejection; the change goes back to ``new``."""
        ...

    def transition(
        self,
        change_id: str,
        target: ChangeState,
        actor: str,
        at: datetime,
        close_code: str | None = None,
        close_notes: str | None = None,
    ) -> Change:
        """Move the change along its state machine (``TransitionError`` if illegal)."""
        ...

    def add_note(self, change_id: str, actor: str, text: str, at: datetime) -> None:
        """Append a work note (run summaries are written back this way)."""
        ...
