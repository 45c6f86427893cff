"""``evaluate``: the gate's decision for one request, as a pure function.

No I/O and no clock: the caller looks the change up (or reports why it could not) and passes
``now``. The same inputs always give the same ``Decision``, which is what makes the decision
auditable and the rules testable from a table.

Order of evaluation:

1. Not gated (host or environment not gated, module read-only or not in ``gate.modules``):
   allowed, ``gated=False``, no reasons. Nothing else is looked at.
2. No change (``change.missing``), unknown change (``change.not_found``) or unreachable provider
   (``provider.unreachable`` when fail-closed; else allowed with obligation
   ``provider.fail_open``): there is nothing else to check, so evaluation stops here.
3. Otherwise every rule in ``rules.RULES`` runs and ALL reasons are collected, in that order.
   An allowed emergency decision carries obligation ``emergency.pir_due``.
4. Check mode: the decision is always allowed; ``reasons`` say what a real run would meet and
   the obligation ``check_mode.recorded`` is added.
"""

from __future__ import annotations

from datetime import datetime

from change_control.gate import Decision, LookupFailure, Obligation, Reason, Request
from change_control.model import Change, ChangeType
from change_control.policy.matching import host_is_gated, module_is_gated
from change_control.policy.model import Policy
from change_control.policy.rules import RULES, Context, pir_due
from change_control.timeutil import isoformat


def evaluate(
    change: Change | LookupFailure | None, request: Request, policy: Policy, now: datetime
) -> Decision:
    """Decide whether ``request`` may run under ``change`` and ``policy``.

    ``change`` is the change the provider returned, a ``LookupFailure`` when it could not, or
    ``None`` when the run names no change. The instant judged is ``request.at or now``.
    """
    if not (
        host_is_gated(policy, request.host, request.environment)
        and module_is_gated(policy, request.module)
    ):
        return Decision(allowed=True, gated=False)
    if change is None or request.change_id is None:
        return _finish((_missing(request),), (), request)
    if isinstance(change, LookupFailure):
        return _lookup_failed(change, request, policy)
    ctx = Context(change, request, policy, request.at or now)
    reasons = tuple(reason for rule in RULES if (reason := rule(ctx)) is not None)
    return _finish(reasons, _obligations(ctx), request)


def _missing(request: Request) -> Reason:
    return Reason(
        "change.missing",
        f"{request.module} on {request.host} is change-gated, but the run names no change; "
        "give the id of an approved change",
    )


def _lookup_failed(failure: LookupFailure, request: Request, policy: Policy) -> Decision:
    detail = f" ({failure.detail})" if failure.detail else ""
    if failure.kind == "not_found":
        reason = Reason(
            "change.not_found",
            f"change {failure.change_id} does not exist in the ticket provider{detail}",
        )
        return _finish((reason,), (), request)
    if not policy.fail_closed:
        obligation = Obligation(
            "provider.fail_open",
            f"the ticket provider could not be asked about change {failure.change_id}{detail}; "
            "the policy is fail-open, so the task runs unchecked and must be reviewed",
        )
        return _finish((), (obligation,), request)
    reason = Reason(
        "provider.unreachable",
        f"the ticket provider could not be asked about change {failure.change_id}{detail}; "
        "the policy is fail-closed, so gated tasks are refused until it answers",
    )
    return _finish((reason,), (), request)


def _obligations(ctx: Context) -> tuple[Obligation, ...]:
    if ctx.change.type is not ChangeType.EMERGENCY:
        return ()
    due = pir_due(ctx.change, ctx.policy)
    return (
        Obligation(
            "emergency.pir_due",
            f"emergency change {ctx.change.id} needs a post-implementation review by "
            f"{isoformat(due)}",
            due=due,
        ),
    )


def _finish(
    reasons: tuple[Reason, ...], obligations: tuple[Obligation, ...], request: Request
) -> Decision:
    """Turn findings into a verdict: denied on any reason, except that check mode always runs.

    Obligations belong to allowed decisions only: a denied task commits nobody to anything.
    """
    if request.check_mode:
        recorded = Obligation(
            "check_mode.recorded",
            f"check-mode run of {request.module} on {request.host} is allowed and recorded"
            + ("; a real run would be refused" if reasons else ""),
        )
        return Decision(allowed=True, reasons=reasons, obligations=(*obligations, recorded))
    if reasons:
        return Decision(allowed=False, reasons=reasons)
    return Decision(allowed=True, obligations=obligations)
