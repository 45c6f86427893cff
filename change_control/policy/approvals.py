"""Which approvals count, and what a change still lacks, under a policy.

Shared by ``evaluate`` (is the change approved enough to run?) and the local provider (has the
last approval made the change ready to schedule?), so both answer the same question the same way.
"""

from __future__ import annotations

from change_control.model import Approval, Change, ChangeType, normalize_user
from change_control.policy.model import ApprovalRule, Policy


def approval_rule(change: Change, policy: Policy) -> ApprovalRule | None:
    """The approvals ``change`` needs; ``None`` for a standard (pre-approved) change.

    Emergency changes follow ``policy.emergency.approvals`` (no CAB). Normal changes take the
    first rule listing their risk; a risk no rule lists needs one approval.
    """
    if change.type is ChangeType.STANDARD:
        return None
    if change.type is ChangeType.EMERGENCY:
        return ApprovalRule(risks=(change.risk,), count=policy.emergency.approvals)
    for rule in policy.approvals:
        if change.risk in rule.risks:
            return rule
    return ApprovalRule(risks=(change.risk,), count=1)


def counted_approvals(change: Change, policy: Policy) -> tuple[Approval, ...]:
    """Granted approvals that count: one per person, the requester's only if policy allows."""
    requester = normalize_user(change.requested_by)
    seen: set[str] = set()
    counted: list[Approval] = []
    for approval in change.granted:
        who = normalize_user(approval.approver)
        if who in seen or (who == requester and not policy.sod.allow_self_approval):
            continue
        seen.add(who)
        counted.append(approval)
    return tuple(counted)


def missing_approvals(change: Change, policy: Policy) -> list[str]:
    """Sentences naming what is missing; an empty list means the requirement is met."""
    rule = approval_rule(change, policy)
    if rule is None:
        return []
    counted = counted_approvals(change, policy)
    missing: list[str] = []
    if len(counted) < rule.count:
        missing.append(f"{len(counted)} of {rule.count} required approvals")
    groups = {(a.group or "").casefold() for a in counted}
    missing.extend(
        f"no approval from group {group}" for group in rule.groups if group.casefold() not in groups
    )
    return missing


def is_authorized(change: Change, policy: Policy) -> bool:
    """True when nobody rejected the change and its approval requirement is met."""
    return not change.rejections and not missing_approvals(change, policy)
