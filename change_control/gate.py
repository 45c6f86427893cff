"""What the gate is asked and what it answers.

``Request`` is built once per (host, task) by the action plugin or ``changegate change check``;
``Decision`` is what ``evaluate`` returns. Reason codes are API: scripts, the ledger and the
Ansible plugins match on them, so they only ever get added, never renamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from change_control.timeutil import isoformat

#: Every reason code ``evaluate`` can emit, with what it means (docs and ``--help`` read this).
REASON_CODES: Mapping[str, str] = {
    "change.missing": "the run carries no change id and the task is change-gated",
    "change.not_found": "the change id names no change known to the provider",
    "change.not_approved": "the change has no approval, or an approver rejected it",
    "change.wrong_state": "the change is not in an executable state (scheduled or implement)",
    "window.outside": "the task runs outside the change's implementation window",
    "freeze.active": "a change freeze covers the time of the task",
    "approvals.insufficient": "fewer approvals, or other groups, than the change's risk requires",
    "sod.self_approval": "the requester approved their own change",
    "sod.executor_is_approver": "the person running the task approved the change",
    "scope.host": "the host is outside the change's host scope",
    "scope.environment": "the environment is outside the change's environment scope",
    "standard.template_mismatch": "a standard change's task is not what its template allows",
    "emergency.pir_overdue": "the emergency change's post-implementation review is overdue",
    "provider.unreachable": "the ticket provider could not be asked (fail-closed)",
}

#: Obligations an allowed decision may carry.
OBLIGATION_CODES: Mapping[str, str] = {
    "emergency.pir_due": "a post-implementation review is due by the given time",
    "check_mode.recorded": (
        "a check-mode run is allowed and recorded; reasons say what a real run would meet"
    ),
    "provider.fail_open": "the provider was unreachable and policy lets the task run (fail-open)",
}


@dataclass(frozen=True)
class Request:
    """One gated action: who wants to run which module on which host, under which change."""

    change_id: str | None
    executor: str
    host: str
    module: str
    environment: str | None = None
    check_mode: bool = False
    at: datetime | None = None
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """Why a request is (or in check mode would be) refused."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Obligation:
    """Something an allowed run commits the team to, e.g. a PIR by a deadline."""

    code: str
    message: str
    due: datetime | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready form."""
        return {
            "code": self.code,
            "message": self.message,
            "due": isoformat(self.due) if self.due else None,
        }


@dataclass(frozen=True)
class Decision:
    """The gate's answer.

    ``allowed`` is the verdict. On a denied decision ``reasons`` lists every rule that refused
    (not only the first), so an operator fixes everything in one round trip. On an allowed
    check-mode decision ``reasons`` lists what a real run would meet.
    """

    allowed: bool
    reasons: tuple[Reason, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    gated: bool = True

    @property
    def codes(self) -> tuple[str, ...]:
        """The reason codes, in order."""
        return tuple(r.code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """The ``changegate change check --format json`` shape."""
        return {
            "allowed": self.allowed,
            "gated": self.gated,
            "reasons": [r.to_dict() for r in self.reasons],
            "obligations": [o.to_dict() for o in self.obligations],
        }


@dataclass(frozen=True)
class LookupFailure:
    """The provider could not produce the change: it does not exist, or could not be asked."""

    kind: Literal["not_found", "unreachable"]
    change_id: str
    detail: str = ""
