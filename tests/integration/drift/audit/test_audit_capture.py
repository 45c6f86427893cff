"""Which changes may carry a baseline, and which flags go with which ``--from``."""

from __future__ import annotations

from typing import Any

import pytest

from change_control.errors import InputError
from change_control.model import Change, ChangeState, ChangeType
from drift.persist.capture import CaptureFrom, CaptureRequest, check_request, refusal
from tests.integration.drift.audit.audit_support import T0

S = ChangeState


def change(state: ChangeState, close_code: str | None = None) -> Change:
    return Change(
        id="CHG1", type=ChangeType.NORMAL, state=state, summary="s", requested_by="a",
        created_at=T0, close_code=close_code,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("state", "close_code", "allowed"),
    [
        (S.NEW, None, False),
        (S.ASSESS, None, False),
        (S.AUTHORIZE, None, False),
        (S.SCHEDULED, None, True),
        (S.IMPLEMENT, None, True),
        (S.REVIEW, None, True),
        (S.CLOSED, "successful", True),
        (S.CLOSED, "Successful_with_issues", True),
        (S.CLOSED, "unsuccessful", False),
        (S.CLOSED, None, False),
        (S.CANCELLED, None, False),
    ],
)
def test_only_approved_or_successfully_closed_changes_may_carry_a_baseline(
    state: ChangeState, close_code: str | None, allowed: bool
) -> None:
    reason = refusal(change(state, close_code))

    assert (reason is None) is allowed
    if reason is not None:
        assert reason.startswith("CHG1 ")


@pytest.mark.parametrize(
    ("origin", "fields", "message"),
    [
        (CaptureFrom.STATE, {}, "--from state: give at least one --state"),
        (CaptureFrom.LIVE, {}, "--from live: give at least one --live"),
        (CaptureFrom.AUDIT, {"states": ("s",)}, "--state goes with --from state only"),
        (CaptureFrom.STATE, {"states": ("s",), "live": ("l",)}, "--live goes with --from live"),
        (CaptureFrom.LIVE, {"live": ("l",), "audit": "latest"}, "--audit goes with --from audit"),
    ],
)
def test_flags_that_do_not_fit_the_origin_are_refused(
    origin: CaptureFrom, fields: dict[str, Any], message: str
) -> None:
    request = CaptureRequest("CHG1", origin, **fields)

    with pytest.raises(InputError, match=message):
        check_request(request)


@pytest.mark.parametrize(
    "request_",
    [
        CaptureRequest("CHG1", CaptureFrom.STATE, states=("s",)),
        CaptureRequest("CHG1", CaptureFrom.LIVE, live=("l",)),
        CaptureRequest("CHG1", CaptureFrom.AUDIT),
        CaptureRequest("CHG1", CaptureFrom.AUDIT, audit="A1"),
    ],
)
def test_fitting_flags_pass(request_: CaptureRequest) -> None:
    check_request(request_)
