"""The gate's rules: one small function per reason code, run in a fixed order by ``evaluate``.

Each rule looks at one aspect of a change that was found and returns a ``Reason`` when the
request breaks it, else ``None``. Keeping one rule per function keeps each one readable and
testable, and lets ``evaluate`` report every problem at once instead of the first one only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from change_control.gate import Reason, Request
from change_control.model import (
    EXECUTABLE_STATES,
    Approval,
    Change,
    ChangeType,
    same_person,
)
from change_control.policy.approvals import approval_rule, counted_approvals, missing_approvals
from change_control.policy.freeze import active_freezes, describe_freeze
from change_control.policy.matching import environment_in, host_matches
from change_control.policy.model import Policy
from change_control.policy.templates import template_violations
from change_control.timeutil import isoformat


@dataclass(frozen=True)
class Context:
    """Everything a rule may read: the change, the request, the policy and the instant."""

    change: Change
    request: Request
    policy: Policy
    at: datetime


Rule = Callable[[Context], Reason | None]


def wrong_state(ctx: Context) -> Reason | None:
    """``change.wrong_state``: tasks run only while the change is scheduled or implement."""
    change = ctx.change
    if change.state in EXECUTABLE_STATES:
        return None
    return Reason(
        "change.wrong_state",
        f"change {change.id} is in state {change.state}; a gated task may run only while its "
        "change is scheduled or implement",
    )


def not_approved(ctx: Context) -> Reason | None:
    """``change.not_approved``: a rejection, or no approval that counts when one is needed.

    Standard changes are pre-approved and never get this reason. An emergency policy that
    needs zero approvals (``emergency.approvals: 0``) is satisfied without any.
    """
    change, policy = ctx.change, ctx.policy
    rule = approval_rule(change, policy)
    if rule is None:
        return None
    if change.rejections:
        return Reason(
            "change.not_approved",
            f"change {change.id} was rejected by {_people(change.rejections)}",
        )
    if rule.count < 1 or counted_approvals(change, policy):
        return None
    # With nobody counted, any granted approval must be the requester's own (which never counts
    # while self-approval is forbidden): say so, or the operator sees "approved" and is puzzled.
    why = "no approval yet"
    if change.granted:
        why = "no approval that counts (its requester's own does not)"
    return Reason("change.not_approved", f"change {change.id} has {why}; {_need(change, policy)}")


def insufficient_approvals(ctx: Context) -> Reason | None:
    """``approvals.insufficient``: some approval counts, but fewer or other than risk requires."""
    change, policy = ctx.change, ctx.policy
    if not counted_approvals(change, policy):
        return None
    missing = missing_approvals(change, policy)
    if not missing:
        return None
    return Reason(
        "approvals.insufficient",
        f"change {change.id} has {'; '.join(missing)} ({_need(change, policy)})",
    )


def self_approval(ctx: Context) -> Reason | None:
    """``sod.self_approval``: the requester is among the approvers (unless policy allows it)."""
    change = ctx.change
    if ctx.policy.sod.allow_self_approval:
        return None
    selves = [a for a in change.granted if same_person(a.approver, change.requested_by)]
    if not selves:
        return None
    return Reason(
        "sod.self_approval",
        f"change {change.id} was approved by {selves[0].approver!r}, who requested it "
        f"({change.requested_by!r}); segregation of duties forbids approving your own change",
    )


def executor_is_approver(ctx: Context) -> Reason | None:
    """``sod.executor_is_approver``: whoever runs the task approved it (unless policy allows)."""
    change, request = ctx.change, ctx.request
    if ctx.policy.sod.executor_may_approve:
        return None
    approvers = [a for a in change.granted if same_person(a.approver, request.executor)]
    if not approvers:
        return None
    return Reason(
        "sod.executor_is_approver",
        f"{request.executor!r} runs the task on {request.host} but approved change {change.id} "
        f"(as {approvers[0].approver!r}); segregation of duties needs a different executor",
    )


def outside_window(ctx: Context) -> Reason | None:
    """``window.outside``: normal changes need a window and the task must fall inside it.

    Standard and emergency changes may have no window; when they have one, it applies.
    """
    change, at = ctx.change, ctx.at
    window = change.window
    if window is None:
        if change.type is not ChangeType.NORMAL:
            return None
        return Reason(
            "window.outside",
            f"change {change.id} has no implementation window; a normal change may run only "
            "inside its window",
        )
    if window.covers(at):
        return None
    return Reason(
        "window.outside",
        f"the task at {isoformat(at)} is outside change {change.id}'s window "
        f"{isoformat(window.start)} to {isoformat(window.end)}",
    )


def freeze_active(ctx: Context) -> Reason | None:
    """``freeze.active``: a freeze covers the instant (emergencies bypass it if policy says)."""
    change, policy = ctx.change, ctx.policy
    if change.type is ChangeType.EMERGENCY and policy.emergency.bypass_freeze:
        return None
    freezes = active_freezes(policy.freezes, ctx.at, change.type, ctx.request.environment)
    if not freezes:
        return None
    named = "; ".join(f"{describe_freeze(f)} ({f.reason})" for f in freezes)
    return Reason(
        "freeze.active",
        f"a change freeze is active at {isoformat(ctx.at)} for change {change.id}: {named}",
    )


def outside_environment(ctx: Context) -> Reason | None:
    """``scope.environment``: the change names environments and the request's is not one."""
    change, env = ctx.change, ctx.request.environment
    allowed = change.scope.environments
    if not allowed or environment_in(env, allowed):
        return None
    where = f"environment {env!r}" if env is not None else "an unknown environment"
    return Reason(
        "scope.environment",
        f"the task runs in {where}, but change {change.id} covers only {', '.join(allowed)}",
    )


def outside_hosts(ctx: Context) -> Reason | None:
    """``scope.host``: the change names host patterns and the host matches none."""
    change, host = ctx.change, ctx.request.host
    patterns = change.scope.hosts
    if not patterns or host_matches(host, patterns):
        return None
    return Reason(
        "scope.host",
        f"host {host} matches none of change {change.id}'s host patterns ({', '.join(patterns)})",
    )


def template_mismatch(ctx: Context) -> Reason | None:
    """``standard.template_mismatch``: a standard change's task departs from its template."""
    change, request = ctx.change, ctx.request
    if change.type is not ChangeType.STANDARD:
        return None
    problems = template_violations(change, request.module, request.args, ctx.policy)
    if not problems:
        return None
    return Reason("standard.template_mismatch", "; ".join(problems))


def pir_due(change: Change, policy: Policy) -> datetime:
    """When an emergency change's post-implementation review is due.

    The clock starts at the window's start (when the emergency work was planned to begin), or
    at the change's creation when it has no window.
    """
    start = change.window.start if change.window is not None else change.created_at
    return start + timedelta(hours=policy.emergency.pir_within_hours)


def pir_overdue(ctx: Context) -> Reason | None:
    """``emergency.pir_overdue``: the emergency change is past its review deadline."""
    change = ctx.change
    if change.type is not ChangeType.EMERGENCY:
        return None
    due = pir_due(change, ctx.policy)
    if ctx.at <= due:
        return None
    return Reason(
        "emergency.pir_overdue",
        f"emergency change {change.id}'s post-implementation review was due by "
        f"{isoformat(due)} ({ctx.policy.emergency.pir_within_hours} h); the task at "
        f"{isoformat(ctx.at)} is past it",
    )


#: The rules, in the order their reasons are reported. Reason codes are API: append, never
#: reorder casually, since people read the first reason first.
RULES: tuple[Rule, ...] = (
    wrong_state,
    not_approved,
    insufficient_approvals,
    self_approval,
    executor_is_approver,
    outside_window,
    freeze_active,
    outside_environment,
    outside_hosts,
    template_mismatch,
    pir_overdue,
)


def _people(approvals: tuple[Approval, ...]) -> str:
    return ", ".join(
        f"{a.approver} (group {a.group})" if a.group else a.approver for a in approvals
    )


def _need(change: Change, policy: Policy) -> str:
    rule = approval_rule(change, policy)
    count = rule.count if rule is not None else 0
    plural = "approval" if count == 1 else "approvals"
    groups = ""
    if rule is not None and rule.groups:
        noun = "group" if len(rule.groups) == 1 else "groups"
        groups = f" incl. {noun} {', '.join(rule.groups)}"
    return f"a {change.risk} risk {change.type} change needs {count} {plural}{groups}"
