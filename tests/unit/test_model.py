"""The change model: the state machine per change type, identity for SoD, and windows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from change_control.errors import InputError, TransitionError
from change_control.model import (
    AWAITING_APPROVAL,
    EXECUTABLE_STATES,
    TERMINAL_STATES,
    ChangeState,
    ChangeType,
    Window,
    check_transition,
    normalize_user,
    same_person,
    window_from_text,
)

S = ChangeState
N, ST, E = ChangeType.NORMAL, ChangeType.STANDARD, ChangeType.EMERGENCY
OPEN_STATES = [s for s in ChangeState if s not in TERMINAL_STATES]

#: Written out by hand from ITIL as ServiceNow implements it, not derived from the code's table.
FORWARD = {
    N: [
        (S.NEW, S.ASSESS),
        (S.ASSESS, S.AUTHORIZE),
        (S.ASSESS, S.NEW),
        (S.AUTHORIZE, S.SCHEDULED),
        (S.AUTHORIZE, S.NEW),
        (S.SCHEDULED, S.IMPLEMENT),
        (S.SCHEDULED, S.NEW),
        (S.IMPLEMENT, S.REVIEW),
        (S.REVIEW, S.CLOSED),
    ],
    ST: [
        (S.NEW, S.SCHEDULED),
        (S.SCHEDULED, S.IMPLEMENT),
        (S.SCHEDULED, S.NEW),
        (S.IMPLEMENT, S.REVIEW),
        (S.REVIEW, S.CLOSED),
    ],
    E: [
        (S.NEW, S.AUTHORIZE),
        (S.AUTHORIZE, S.SCHEDULED),
        (S.AUTHORIZE, S.NEW),
        (S.SCHEDULED, S.IMPLEMENT),
        (S.SCHEDULED, S.NEW),
        (S.IMPLEMENT, S.REVIEW),
        (S.REVIEW, S.CLOSED),
    ],
}
Case = tuple[ChangeType, ChangeState, ChangeState]
#: Any open state may be cancelled, whatever the type.
LEGAL: set[Case] = {
    (kind, source, target)
    for kind, pairs in FORWARD.items()
    for source, target in [*pairs, *((s, S.CANCELLED) for s in OPEN_STATES)]
}


def _id(case: Case) -> str:
    kind, source, target = case
    return f"{kind}:{source}->{target}"


EVERY: set[Case] = set(itertools.product(ChangeType, ChangeState, ChangeState))
LEGAL_CASES: list[Case] = sorted(LEGAL, key=_id)
ILLEGAL_CASES: list[Case] = sorted(EVERY - LEGAL, key=_id)


def _refusal(case: Case) -> str | None:
    """Why ``check_transition`` refuses ``case``, or ``None`` when it allows it."""
    try:
        check_transition(*case)
    except TransitionError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("case", LEGAL_CASES, ids=_id)
def test_every_legal_transition_is_allowed(case: Case) -> None:
    assert _refusal(case) is None


@pytest.mark.parametrize("case", ILLEGAL_CASES, ids=_id)
def test_every_other_transition_is_refused_with_a_reason(case: Case) -> None:
    kind, source, target = case

    with pytest.raises(TransitionError) as raised:
        check_transition(kind, source, target)

    assert str(source) in str(raised.value)
    assert str(target) in str(raised.value)
    assert raised.value.code == "change.illegal_transition"


@pytest.mark.parametrize(
    ("kind", "source", "target", "message"),
    [
        (
            N,
            S.NEW,
            S.CLOSED,
            "a normal change cannot move from new to closed (allowed: assess, cancelled)",
        ),
        (
            E,
            S.NEW,
            S.ASSESS,
            "an emergency change cannot move from new to assess (allowed: authorize, cancelled)",
        ),
        (
            ST,
            S.IMPLEMENT,
            S.NEW,
            "a standard change cannot move from implement to new (allowed: cancelled, review)",
        ),
        (N, S.CLOSED, S.NEW, "change is closed; a closed change cannot move to new"),
        (
            ST,
            S.CANCELLED,
            S.CANCELLED,
            "change is cancelled; a cancelled change cannot move to cancelled",
        ),
    ],
)
def test_a_refusal_names_the_states_that_are_allowed(
    kind: ChangeType, source: ChangeState, target: ChangeState, message: str
) -> None:
    with pytest.raises(TransitionError) as raised:
        check_transition(kind, source, target)

    assert str(raised.value) == message


def test_the_state_groups_partition_the_lifecycle_as_the_gate_expects() -> None:
    assert {S.CLOSED, S.CANCELLED} == TERMINAL_STATES
    assert {S.SCHEDULED, S.IMPLEMENT} == EXECUTABLE_STATES
    assert {S.NEW, S.ASSESS, S.AUTHORIZE} == AWAITING_APPROVAL
    assert not (AWAITING_APPROVAL & EXECUTABLE_STATES)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("alice", "alice", True),
        ("Alice", "alice", True),
        (" alice ", "alice", True),
        ("Alice  Smith", "alice smith", True),
        ("alice\tsmith", "ALICE SMITH", True),
        ("STRASSE", "straße", True),  # casefold, not lower
        ("alice", "alicia", False),
        ("alice smith", "alicesmith", False),
        ("alice", "", False),
        ("bob@example.com", "BOB@EXAMPLE.COM ", True),
    ],
)
def test_same_person_ignores_case_and_whitespace_only(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same
    assert same_person(b, a) is same


def test_normalize_user_is_the_canonical_form() -> None:
    assert normalize_user("  Alice \n Smith ") == "alice smith"


BERLIN = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
            "window: end 2026-11-22T09:00:00Z is not after start 2026-11-22T10:00:00Z",
        ),
        (
            datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 11, 0, tzinfo=BERLIN),  # the same instant
            "window: end 2026-11-22T10:00:00Z is not after start 2026-11-22T10:00:00Z",
        ),
        (
            datetime(2026, 11, 22, 10, 0),
            datetime(2026, 11, 22, 11, 0, tzinfo=UTC),
            "window: start and end must carry a time zone offset",
        ),
        (
            datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 22, 11, 0),
            "window: start and end must carry a time zone offset",
        ),
    ],
    ids=["end-before-start", "empty-across-zones", "naive-start", "naive-end"],
)
def test_an_invalid_window_is_refused_with_one_line(
    start: datetime, end: datetime, message: str
) -> None:
    with pytest.raises(InputError) as raised:
        Window(start, end)

    assert str(raised.value) == message


def test_a_window_covers_its_start_but_not_its_end_across_zones() -> None:
    window = Window(
        datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN), datetime(2026, 11, 22, 12, 0, tzinfo=BERLIN)
    )

    assert window.covers(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    assert window.covers(datetime(2026, 11, 22, 10, 59, 59, tzinfo=UTC))
    assert not window.covers(datetime(2026, 11, 22, 11, 0, tzinfo=UTC))
    assert not window.covers(datetime(2026, 11, 22, 8, 59, 59, tzinfo=UTC))
    assert window.to_dict() == {"start": "2026-11-22T09:00:00Z", "end": "2026-11-22T11:00:00Z"}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, None),
        (
            "2026-11-22T10:00:00+01:00",
            "2026-11-22T12:00Z",
            Window(
                datetime(2026, 11, 22, 9, 0, tzinfo=UTC), datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
            ),
        ),
        (
            "2026-11-22T10:00",  # naive text is read as UTC, never the machine's zone
            "2026-11-22T11:00",
            Window(
                datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
            ),
        ),
    ],
)
def test_window_from_text_builds_tz_aware_windows(
    start: str | None, end: str | None, expected: Window | None
) -> None:
    assert window_from_text(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            "2026-11-22T10:00Z",
            None,
            "window: give both --window-start and --window-end, or neither",
        ),
        (
            None,
            "2026-11-22T10:00Z",
            "window: give both --window-start and --window-end, or neither",
        ),
        ("tomorrow", "2026-11-22T10:00Z", "window start: 'tomorrow' is not an ISO 8601 time"),
        ("2026-11-22T12:00Z", "2026-11-22T10:00Z", "window: end 2026-11-22T10:00:00Z is not after"),
    ],
    ids=["start-only", "end-only", "unparsable", "reversed"],
)
def test_window_from_text_refuses_half_or_bad_windows(
    start: str | None, end: str | None, message: str
) -> None:
    with pytest.raises(InputError) as raised:
        window_from_text(start, end)

    assert str(raised.value).startswith(message)
