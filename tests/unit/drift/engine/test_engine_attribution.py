"""Attribution: an approved change whose scope and window cover a finding authorizes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from change_control.model import (
    Approval,
    ApprovalDecision,
    Change,
    ChangeState,
    ChangeType,
    Scope,
    Window,
)
from change_control.policy.model import Policy
from drift.engine import Attributor, EngineOptions, approved_under
from drift.model import Attribution, AttributionStatus

from .support import NOW, audit, declared, live

HOUR = timedelta(hours=1)
APPROVED = Approval("bob", ApprovalDecision.APPROVED, NOW - 5 * HOUR)
REJECTED = Approval("carol", ApprovalDecision.REJECTED, NOW - 5 * HOUR)


def change(**overrides: object) -> Change:
    """An approved normal change on ``aws_s3_bucket.r_b`` with a window around ``NOW``."""
    base = Change(
        id="CHG0001",
        type=ChangeType.NORMAL,
        state=ChangeState.SCHEDULED,
        summary="bucket ACL",
        requested_by="alice",
        created_at=NOW - 24 * HOUR,
        approvals=(APPROVED,),
        window=Window(NOW - HOUR, NOW + HOUR),
        scope=Scope(terraform_addresses=("aws_s3_bucket.r_b",)),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def attribution(*changes: Change, **options: object) -> Attribution:
    decl = [declared("aws_s3_bucket", "b", {"acl": "private"})]
    result = audit(
        decl, [live("aws_s3_bucket", "b", {"acl": "public-read"})], changes=changes, **options
    )
    return result.findings[0].attribution


AUTHORIZED = Attribution(AttributionStatus.AUTHORIZED, "CHG0001")
UNAUTHORIZED = Attribution(AttributionStatus.UNAUTHORIZED)

CASES = [
    pytest.param(change(), AUTHORIZED, id="approved-in-scope-in-window"),
    pytest.param(
        change(scope=Scope(terraform_addresses=("aws_s3_bucket.*",))), AUTHORIZED, id="address-glob"
    ),
    pytest.param(change(scope=Scope(ci_ids=("b",))), AUTHORIZED, id="ci-id"),
    pytest.param(
        change(scope=Scope(terraform_addresses=("aws_sqs_queue.*",))),
        UNAUTHORIZED,
        id="out-of-scope",
    ),
    pytest.param(change(scope=Scope()), UNAUTHORIZED, id="empty-scope-covers-nothing"),
    pytest.param(
        change(window=Window(NOW - 3 * HOUR, NOW - 2 * HOUR)), UNAUTHORIZED, id="window-over"
    ),
    pytest.param(change(window=Window(NOW, NOW + HOUR)), AUTHORIZED, id="window-start-included"),
    pytest.param(change(window=Window(NOW - HOUR, NOW)), UNAUTHORIZED, id="window-end-excluded"),
    pytest.param(change(window=None), UNAUTHORIZED, id="no-window"),
    pytest.param(change(approvals=()), UNAUTHORIZED, id="not-approved"),
    pytest.param(change(approvals=(APPROVED, REJECTED)), UNAUTHORIZED, id="rejected"),
    pytest.param(
        change(approvals=(), state=ChangeState.CLOSED, close_code="successful"),
        AUTHORIZED,
        id="closed",
    ),
    pytest.param(
        change(state=ChangeState.CLOSED, close_code="unsuccessful"),
        UNAUTHORIZED,
        id="closed-failed",
    ),
    pytest.param(change(state=ChangeState.CANCELLED), UNAUTHORIZED, id="cancelled"),
    pytest.param(
        change(type=ChangeType.STANDARD, approvals=()), AUTHORIZED, id="standard-pre-approved"
    ),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_attribution_follows_approval_scope_and_window(
    given: Change, expected: Attribution
) -> None:
    assert attribution(given) == expected


def test_with_no_changes_supplied_attribution_is_unknown() -> None:
    assert attribution() == Attribution(AttributionStatus.UNKNOWN)


def test_the_window_is_checked_against_first_seen_when_history_has_it() -> None:
    decl = [declared("aws_s3_bucket", "b", {"acl": "private"})]
    current = [live("aws_s3_bucket", "b", {"acl": "public-read"})]
    fid = audit(decl, current).findings[0].id
    late = change(window=Window(NOW - 3 * HOUR, NOW - 2 * HOUR))
    seen_in_window = {fid: NOW - 150 * timedelta(minutes=1)}
    result = audit(decl, current, changes=[late], first_seen=seen_in_window)
    assert result.findings[0].attribution == AUTHORIZED


def test_grace_extends_the_window_for_audits_run_after_it() -> None:
    late = change(window=Window(NOW - 3 * HOUR, NOW - 2 * HOUR))
    assert attribution(late) == UNAUTHORIZED
    assert attribution(late, options=EngineOptions(grace=3 * HOUR)) == AUTHORIZED


def test_the_smallest_covering_change_id_wins() -> None:
    assert attribution(change(id="CHG0009"), change(id="CHG0003")).change_id == "CHG0003"


def test_a_custom_approval_predicate_replaces_the_policy() -> None:
    assert attribution(change(approvals=()), approved=lambda c: True) == AUTHORIZED


def test_self_approval_does_not_count_under_the_default_policy() -> None:
    own = Approval("alice", ApprovalDecision.APPROVED, NOW - HOUR)
    assert approved_under(Policy())(change(approvals=(own,))) is False


def test_attributor_judges_a_finding_by_its_own_fields() -> None:
    decl = [declared("aws_s3_bucket", "b", {"acl": "private"})]
    finding = audit(decl, [live("aws_s3_bucket", "b", {})]).findings[0]
    attributor = Attributor([change()], approved_under(Policy()))
    assert attributor.attribute(finding, NOW) == AUTHORIZED
    assert attributor.attribute(replace(finding, first_seen=NOW + 2 * HOUR), NOW) == UNAUTHORIZED
