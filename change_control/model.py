"""The change record: types, states, approvals, window and scope.

Frozen dataclasses, so a ``Change`` read from a provider can be handed to ``evaluate`` and cached
for a whole run without anyone mutating it underneath. The state machine follows ITIL as
ServiceNow implements it: standard changes are pre-approved and skip assessment and
authorization; emergency changes skip assessment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from change_control.errors import InputError, TransitionError
from change_control.timeutil import isoformat, parse_instant


class ChangeType(StrEnum):
    """ITIL change types."""

    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


class ChangeState(StrEnum):
    """ITIL change states, in lifecycle order."""

    NEW = "new"
    ASSESS = "assess"
    AUTHORIZE = "authorize"
    SCHEDULED = "scheduled"
    IMPLEMENT = "implement"
    REVIEW = "review"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Risk(StrEnum):
    """Risk levels; approvals required per level come from the policy."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"


class ApprovalDecision(StrEnum):
    """An approver's answer."""

    APPROVED = "approved"
    REJECTED = "rejected"


S = ChangeState
#: Allowed transitions per change type. Any open state may also go to ``cancelled``.
TRANSITIONS: Mapping[ChangeType, Mapping[ChangeState, frozenset[ChangeState]]] = {
    ChangeType.NORMAL: {
        S.NEW: frozenset({S.ASSESS}),
        S.ASSESS: frozenset({S.AUTHORIZE, S.NEW}),
        S.AUTHORIZE: frozenset({S.SCHEDULED, S.NEW}),
        S.SCHEDULED: frozenset({S.IMPLEMENT, S.NEW}),
        S.IMPLEMENT: frozenset({S.REVIEW}),
        S.REVIEW: frozenset({S.CLOSED}),
    },
    ChangeType.STANDARD: {
        S.NEW: frozenset({S.SCHEDULED}),
        S.SCHEDULED: frozenset({S.IMPLEMENT, S.NEW}),
        S.IMPLEMENT: frozenset({S.REVIEW}),
        S.REVIEW: frozenset({S.CLOSED}),
    },
    ChangeType.EMERGENCY: {
        S.NEW: frozenset({S.AUTHORIZE}),
        S.AUTHORIZE: frozenset({S.SCHEDULED, S.NEW}),
        S.SCHEDULED: frozenset({S.IMPLEMENT, S.NEW}),
        S.IMPLEMENT: frozenset({S.REVIEW}),
        S.REVIEW: frozenset({S.CLOSED}),
    },
}
#: States in which no further work may happen.
TERMINAL_STATES = frozenset({S.CLOSED, S.CANCELLED})
#: States in which a gated task may run (the change is authorized and not yet reviewed).
EXECUTABLE_STATES = frozenset({S.SCHEDULED, S.IMPLEMENT})
#: States that still wait for an approval decision.
AWAITING_APPROVAL = frozenset({S.NEW, S.ASSESS, S.AUTHORIZE})


def check_transition(change_type: ChangeType, current: ChangeState, target: ChangeState) -> None:
    """Raise ``TransitionError`` unless ``current -> target`` is legal for ``change_type``."""
    if current in TERMINAL_STATES:
        raise TransitionError(f"change is {current}; a {current} change cannot move to {target}")
    if target is ChangeState.CANCELLED:
        return
    allowed = TRANSITIONS[change_type].get(current, frozenset())
    if target not in allowed:
        nexts = ", ".join(sorted(allowed | {S.CANCELLED})) or "none"
        raise TransitionError(
            f"{'an' if change_type is ChangeType.EMERGENCY else 'a'} {change_type} change "
            f"cannot move from {current} to {target} (allowed: {nexts})"
        )


_SPACES = re.compile(r"\s+")


def same_person(a: str, b: str) -> bool:
    """Identity comparison for segregation of duties: case- and whitespace-insensitive.

    ``" Alice  Smith"`` and ``"alice smith"`` are one person; a SoD rule that a trailing space
    or a capital letter could defeat would not survive an audit.
    """
    return normalize_user(a) == normalize_user(b)


def normalize_user(name: str) -> str:
    """Canonical form of a user name: trimmed, inner whitespace folded, casefolded."""
    return _SPACES.sub(" ", name.strip()).casefold()


@dataclass(frozen=True)
class Approval:
    """One approver's decision on a change."""

    approver: str
    decision: ApprovalDecision
    at: datetime
    group: str | None = None
    comment: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``--format json`` and ledger shape)."""
        return {
            "approver": self.approver,
            "group": self.group,
            "decision": str(self.decision),
            "comment": self.comment,
            "at": isoformat(self.at),
        }


@dataclass(frozen=True)
class Window:
    """The implementation window: tz-aware, ``start <= t < end``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InputError("window: start and end must carry a time zone offset")
        if self.end <= self.start:
            raise InputError(
                f"window: end {isoformat(self.end)} is not after start {isoformat(self.start)}"
            )

    def covers(self, moment: datetime) -> bool:
        """True when ``moment`` lies inside the window (end excluded)."""
        return self.start <= moment < self.end

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"start": isoformat(self.start), "end": isoformat(self.end)}


@dataclass(frozen=True)
class Scope:
    """What a change may touch. An empty list means "not restricted on this axis"."""

    environments: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    terraform_addresses: tuple[str, ...] = ()
    ci_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-ready form."""
        return {
            "environments": list(self.environments),
            "hosts": list(self.hosts),
            "terraform_addresses": list(self.terraform_addresses),
            "ci_ids": list(self.ci_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Scope:
        """Inverse of ``to_dict``; missing keys are empty."""
        data = data or {}
        return cls(
            environments=tuple(data.get("environments") or ()),
            hosts=tuple(data.get("hosts") or ()),
            terraform_addresses=tuple(data.get("terraform_addresses") or ()),
            ci_ids=tuple(data.get("ci_ids") or ()),
        )


@dataclass(frozen=True)
class Change:
    """A change request as the gate sees it, whichever provider it came from."""

    id: str
    type: ChangeType
    state: ChangeState
    summary: str
    requested_by: str
    created_at: datetime
    risk: Risk = Risk.MODERATE
    approvals: tuple[Approval, ...] = ()
    window: Window | None = None
    scope: Scope = field(default_factory=Scope)
    template: str | None = None
    rollback_plan: str | None = None
    links: tuple[str, ...] = ()
    close_code: str | None = None
    close_notes: str | None = None
    updated_at: datetime | None = None

    @property
    def granted(self) -> tuple[Approval, ...]:
        """Approvals with decision ``approved``."""
        return tuple(a for a in self.approvals if a.decision is ApprovalDecision.APPROVED)

    @property
    def rejections(self) -> tuple[Approval, ...]:
        """Approvals with decision ``rejected``."""
        return tuple(a for a in self.approvals if a.decision is ApprovalDecision.REJECTED)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the record ``--format json`` prints and the ledger snapshots."""
        return {
            "id": self.id,
            "type": str(self.type),
            "state": str(self.state),
            "summary": self.summary,
            "risk": str(self.risk),
            "requested_by": self.requested_by,
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at) if self.updated_at else None,
            "window": self.window.to_dict() if self.window else None,
            "scope": self.scope.to_dict(),
            "template": self.template,
            "rollback_plan": self.rollback_plan,
            "links": list(self.links),
            "approvals": [a.to_dict() for a in self.approvals],
            "close_code": self.close_code,
            "close_notes": self.close_notes,
        }


def window_from_text(start: str | None, end: str | None) -> Window | None:
    """Build a window from two ISO strings; both or neither must be given."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise InputError("window: give both --window-start and --window-end, or neither")
    return Window(
        parse_instant(start, field="window start"), parse_instant(end, field="window end")
    )
