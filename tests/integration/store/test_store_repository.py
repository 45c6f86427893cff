"""The change register and freeze windows in the store: round trips, ids, versions, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from change_control.errors import ChangeNotFoundError, ConflictError, NotFoundError
from change_control.model import (
    Approval,
    ApprovalDecision,
    ChangeState,
    ChangeType,
    Risk,
    Scope,
    Window,
)
from change_control.policy.model import FreezeWindow
from change_control.providers.base import ListFilter, NewChange
from change_control.store.engine import Store
from change_control.store.repository import (
    ChangeRepository,
    FreezeRepository,
    LogAction,
    LogEntry,
    format_change_id,
)
from tests.integration.store.store_support import T0

BERLIN_SUMMER = timezone(timedelta(hours=2))

FULL = NewChange(
    type=ChangeType.NORMAL,
    summary="Rotate TLS certificates on the web tier — ünïcode kept",
    requested_by="Alice Smith",
    risk=Risk.HIGH,
    window=Window(
        datetime(2026, 7, 1, 22, 0, tzinfo=BERLIN_SUMMER),
        datetime(2026, 7, 2, 2, 30, 15, 250000, tzinfo=BERLIN_SUMMER),
    ),
    scope=Scope(
        environments=("prod",),
        hosts=("web-*.example.com", "lb-1"),
        terraform_addresses=("module.web.aws_instance.this[*]",),
        ci_ids=("CI0001",),
    ),
    template=None,
    rollback_plan="Restore the previous certificate bundle from the vault.",
    links=("https://git.example.com/ops/pull/42", "commit:abc123"),
)


def _insert(store: Store, new: NewChange = FULL, at: datetime = T0) -> str:
    with store.begin() as conn:
        return ChangeRepository(conn).insert(new, state=ChangeState.NEW, at=at)


def test_a_change_survives_the_round_trip_field_for_field(store: Store) -> None:
    change_id = _insert(store)

    with store.read() as conn:
        change = ChangeRepository(conn).get(change_id)

    assert change.id == change_id
    assert (change.type, change.state, change.risk) == (
        ChangeType.NORMAL,
        ChangeState.NEW,
        Risk.HIGH,
    )
    assert change.summary == FULL.summary
    assert change.requested_by == "Alice Smith"
    assert change.scope == FULL.scope
    assert change.links == FULL.links
    assert change.rollback_plan == FULL.rollback_plan
    assert change.window == FULL.window
    assert change.approvals == ()
    assert change.created_at == T0
    assert change.updated_at == T0


def test_instants_come_back_tz_aware_in_utc_with_microseconds(store: Store) -> None:
    change_id = _insert(store)

    with store.read() as conn:
        change = ChangeRepository(conn).get(change_id)

    assert change.window is not None
    for instant in (change.created_at, change.window.start, change.window.end):
        assert instant.utcoffset() == timedelta(0)
    assert change.window.end == datetime(2026, 7, 2, 0, 30, 15, 250000, tzinfo=UTC)
    assert change.created_at.microsecond == 123456


def test_a_change_without_window_or_scope_stores_empty_values(store: Store) -> None:
    bare = NewChange(type=ChangeType.EMERGENCY, summary="Fix", requested_by="bob")
    change_id = _insert(store, bare)

    with store.read() as conn:
        change = ChangeRepository(conn).get(change_id)

    assert change.window is None
    assert change.scope == Scope()
    assert change.links == ()
    assert change.template is None


def test_ids_are_chg_and_a_zero_padded_sequence(store: Store) -> None:
    ids = [_insert(store) for _ in range(3)]

    assert ids == ["CHG0000001", "CHG0000002", "CHG0000003"]
    assert format_change_id(12_345_678) == "CHG12345678"


def test_an_unknown_id_raises_change_not_found(store: Store) -> None:
    with store.read() as conn, pytest.raises(ChangeNotFoundError) as raised:
        ChangeRepository(conn).get("CHG0000042")

    assert str(raised.value) == "change CHG0000042 not found"
    assert raised.value.code == "change.not_found"


def test_approvals_are_returned_in_order_with_all_their_fields(store: Store) -> None:
    change_id = _insert(store)
    first = Approval("carol", ApprovalDecision.APPROVED, T0 + timedelta(minutes=1), "CAB", "ok")
    second = Approval("dave", ApprovalDecision.REJECTED, T0 + timedelta(minutes=2), None, None)
    with store.begin() as conn:
        repo = ChangeRepository(conn)
        repo.add_approval(change_id, second)
        repo.add_approval(change_id, first)

    with store.read() as conn:
        change = ChangeRepository(conn).get(change_id)

    assert change.approvals == (first, second)


def test_update_bumps_the_version_and_sets_state_and_close_fields(store: Store) -> None:
    change_id = _insert(store)
    later = T0 + timedelta(hours=1)

    with store.begin() as conn:
        repo = ChangeRepository(conn)
        version = repo.update(
            change_id,
            expected_version=1,
            at=later,
            state=ChangeState.CLOSED,
            close_code="successful",
            close_notes="done",
        )
        stored = repo.load(change_id)

    assert version == 2
    assert stored.version == 2
    assert stored.change.state is ChangeState.CLOSED
    assert (stored.change.close_code, stored.change.close_notes) == ("successful", "done")
    assert stored.change.updated_at == later


def test_an_update_from_a_stale_version_raises_a_conflict_and_changes_nothing(
    store: Store,
) -> None:
    change_id = _insert(store)
    with store.begin() as conn:
        ChangeRepository(conn).update(
            change_id, expected_version=1, at=T0, state=ChangeState.ASSESS
        )

    with pytest.raises(ConflictError, match=r"version 2, expected 1"), store.begin() as conn:
        ChangeRepository(conn).update(
            change_id, expected_version=1, at=T0, state=ChangeState.CANCELLED
        )

    with store.read() as conn:
        stored = ChangeRepository(conn).load(change_id)
    assert (stored.change.state, stored.version) == (ChangeState.ASSESS, 2)


def test_updating_an_unknown_change_raises_not_found(store: Store) -> None:
    with store.begin() as conn, pytest.raises(ChangeNotFoundError):
        ChangeRepository(conn).update("CHG0000099", expected_version=1, at=T0)


def test_loading_with_a_lock_returns_the_same_change(store: Store) -> None:
    change_id = _insert(store)

    with store.begin() as conn:
        locked = ChangeRepository(conn).load(change_id, lock=True)

    assert locked.change.id == change_id
    assert locked.version == 1


def test_list_filters_by_state_type_and_requester_newest_first(store: Store) -> None:
    normal = _insert(store)
    emergency = _insert(
        store, NewChange(type=ChangeType.EMERGENCY, summary="Hotfix", requested_by=" BOB ")
    )
    third = _insert(store)
    with store.begin() as conn:
        ChangeRepository(conn).update(third, expected_version=1, at=T0, state=ChangeState.ASSESS)

    with store.read() as conn:
        repo = ChangeRepository(conn)
        every = [c.id for c in repo.list(ListFilter())]
        new_ones = [c.id for c in repo.list(ListFilter(state=ChangeState.NEW))]
        emergencies = [c.id for c in repo.list(ListFilter(type=ChangeType.EMERGENCY))]
        bobs = [c.id for c in repo.list(ListFilter(requested_by="bob"))]
        limited = [c.id for c in repo.list(ListFilter(limit=1))]

    assert every == [third, emergency, normal]
    assert new_ones == [emergency, normal]
    assert emergencies == [emergency]
    assert bobs == [emergency]
    assert limited == [third]


def test_list_returns_each_change_with_its_own_approvals(store: Store) -> None:
    first, second = _insert(store), _insert(store)
    approval = Approval("carol", ApprovalDecision.APPROVED, T0, "CAB")
    with store.begin() as conn:
        ChangeRepository(conn).add_approval(second, approval)

    with store.read() as conn:
        listed = {c.id: c.approvals for c in ChangeRepository(conn).list(ListFilter())}

    assert listed == {first: (), second: (approval,)}


def test_the_change_log_keeps_who_did_what_when_in_order(store: Store) -> None:
    change_id = _insert(store)
    with store.begin() as conn:
        repo = ChangeRepository(conn)
        repo.append_log(change_id, LogAction.CREATED, "alice", T0, to_state=ChangeState.NEW)
        repo.append_log(
            change_id,
            LogAction.TRANSITION,
            "changegate",
            T0 + timedelta(seconds=1),
            from_state=ChangeState.NEW,
            to_state=ChangeState.SCHEDULED,
            detail={"reason": "pre-approved", "nested": {"n": [1, 2]}},
        )

    with store.read() as conn:
        log = ChangeRepository(conn).log(change_id)

    assert log == [
        LogEntry(change_id, T0, "alice", LogAction.CREATED, None, ChangeState.NEW, {}),
        LogEntry(
            change_id,
            T0 + timedelta(seconds=1),
            "changegate",
            LogAction.TRANSITION,
            ChangeState.NEW,
            ChangeState.SCHEDULED,
            {"reason": "pre-approved", "nested": {"n": [1, 2]}},
        ),
    ]
    assert log[1].to_dict()["at"] == "2026-11-22T09:00:01Z"


def test_the_log_of_an_unknown_change_raises_not_found(store: Store) -> None:
    with store.read() as conn, pytest.raises(ChangeNotFoundError):
        ChangeRepository(conn).log("CHG0000007")


WEEKEND = FreezeWindow(
    reason="weekend freeze",
    name="weekend",
    weekly="Fri 18:00-Mon 06:00",
    tz="Europe/Berlin",
    environments=("prod", "stage"),
    exempt_types=(ChangeType.EMERGENCY, ChangeType.STANDARD),
)
SALES = FreezeWindow(
    reason="sales event",
    start=datetime(2026, 11, 27, 0, 0, tzinfo=BERLIN_SUMMER),
    end=datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
)


def test_freeze_windows_round_trip_with_ids_in_insertion_order(store: Store) -> None:
    with store.begin() as conn:
        repo = FreezeRepository(conn)
        weekend = repo.add(WEEKEND, at=T0, created_by="ops")
        sales = repo.add(SALES, at=T0)

    with store.read() as conn:
        listed = FreezeRepository(conn).list()

    assert weekend.id is not None
    assert sales.id is not None
    assert weekend.id < sales.id
    assert listed == [weekend, sales]
    assert listed[1].start == datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    assert listed[1].start is not None
    assert listed[1].start.utcoffset() == timedelta(0)


def test_removing_a_freeze_returns_it_and_it_is_gone(store: Store) -> None:
    with store.begin() as conn:
        added = FreezeRepository(conn).add(WEEKEND, at=T0)
    assert added.id is not None

    with store.begin() as conn:
        removed = FreezeRepository(conn).remove(added.id)

    with store.read() as conn:
        remaining = FreezeRepository(conn).list()
    assert removed == added
    assert remaining == []


def test_removing_an_unknown_freeze_raises_not_found(store: Store) -> None:
    with store.begin() as conn, pytest.raises(NotFoundError) as raised:
        FreezeRepository(conn).remove(404)

    assert str(raised.value) == "freeze window 404 not found"
