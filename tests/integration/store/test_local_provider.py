"""The local provider: the change lifecycle per type, approvals, rejections and history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, make_url

from change_control.errors import (
    ChangeNotFoundError,
    InputError,
    ProviderError,
    RegistryError,
    TransitionError,
)
from change_control.model import ChangeState, ChangeType, Risk
from change_control.policy.model import Policy
from change_control.providers import get_provider, providers
from change_control.providers.base import ListFilter, NewChange
from change_control.providers.local import SYSTEM_ACTOR, LocalProvider
from change_control.settings import Settings
from change_control.store.engine import Store, open_store
from change_control.store.repository import LogAction
from tests.integration.store.store_support import CAB_POLICY, T0, run_together

S = ChangeState


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _new(
    kind: ChangeType = ChangeType.NORMAL, risk: Risk = Risk.LOW, template: str | None = None
) -> NewChange:
    return NewChange(kind, "Patch web tier", "alice", risk=risk, template=template)


def _history(
    provider: LocalProvider, change_id: str
) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (str(e.action), e.actor, e.from_state and str(e.from_state), e.to_state and str(e.to_state))
        for e in provider.log(change_id)
    ]


def test_a_normal_change_walks_its_whole_lifecycle(provider: LocalProvider) -> None:
    created = provider.create(_new(), _at(0))
    assert created.state is S.NEW
    cid = created.id

    provider.transition(cid, S.ASSESS, "alice", _at(1))
    provider.transition(cid, S.AUTHORIZE, "alice", _at(2))
    approved = provider.approve(cid, "carol", _at(3), group="CAB", comment="looks fine")
    assert approved.state is S.SCHEDULED
    provider.transition(cid, S.IMPLEMENT, "alice", _at(4))
    provider.transition(cid, S.REVIEW, "alice", _at(5))
    closed = provider.transition(
        cid, S.CLOSED, "alice", _at(6), close_code="successful", close_notes="no incident"
    )

    assert closed.state is S.CLOSED
    assert (closed.close_code, closed.close_notes) == ("successful", "no incident")
    assert [(a.approver, a.group, a.comment) for a in closed.approvals] == [
        ("carol", "CAB", "looks fine")
    ]
    assert _history(provider, cid) == [
        ("created", "alice", None, "new"),
        ("transition", "alice", "new", "assess"),
        ("transition", "alice", "assess", "authorize"),
        ("approved", "carol", None, None),
        ("transition", SYSTEM_ACTOR, "authorize", "scheduled"),
        ("transition", "alice", "scheduled", "implement"),
        ("transition", "alice", "implement", "review"),
        ("transition", "alice", "review", "closed"),
    ]
    log = provider.log(cid)
    assert log[3].detail == {"group": "CAB", "comment": "looks fine"}
    assert log[4].detail == {"reason": "required approvals met (1)"}
    assert log[-1].detail == {"close_code": "successful", "close_notes": "no incident"}
    assert [e.at for e in log] == [_at(n) for n in (0, 1, 2, 3, 3, 4, 5, 6)]


def test_a_high_risk_change_is_scheduled_only_after_two_approvals_incl_cab(
    provider: LocalProvider,
) -> None:
    cid = provider.create(_new(risk=Risk.HIGH), _at(0)).id

    assert provider.approve(cid, "carol", _at(1)).state is S.NEW
    assert provider.approve(cid, "Carol ", _at(2), group="CAB").state is S.NEW  # same person
    assert provider.approve(cid, "alice", _at(3), group="CAB").state is S.NEW  # the requester
    scheduled = provider.approve(cid, "dave", _at(4), group="cab")

    assert scheduled.state is S.SCHEDULED
    assert len(scheduled.approvals) == 4
    transitions = [e for e in provider.log(cid) if e.action is LogAction.TRANSITION]
    assert [(e.actor, e.from_state, e.to_state) for e in transitions] == [
        (SYSTEM_ACTOR, S.NEW, S.SCHEDULED)
    ]
    assert transitions[0].detail == {"reason": "required approvals met (2 incl. group CAB)"}


def test_an_emergency_change_needs_the_emergency_approvals_but_no_cab(
    provider: LocalProvider,
) -> None:
    cid = provider.create(_new(ChangeType.EMERGENCY, Risk.VERY_HIGH), _at(0)).id

    scheduled = provider.approve(cid, "oncall-lead", _at(1))
    provider.transition(cid, S.IMPLEMENT, "alice", _at(2))
    provider.transition(cid, S.REVIEW, "alice", _at(3))
    closed = provider.transition(cid, S.CLOSED, "alice", _at(4), close_code="successful")

    assert scheduled.state is S.SCHEDULED
    assert closed.state is S.CLOSED


def test_an_emergency_change_moves_to_authorize_and_back_like_its_state_machine_says(
    provider: LocalProvider,
) -> None:
    cid = provider.create(_new(ChangeType.EMERGENCY), _at(0)).id

    provider.transition(cid, S.AUTHORIZE, "alice", _at(1))
    with pytest.raises(TransitionError, match=f"change {cid}: an emergency change cannot move"):
        provider.transition(cid, S.ASSESS, "alice", _at(2))
    assert provider.transition(cid, S.NEW, "alice", _at(3)).state is S.NEW


def test_a_standard_change_from_the_catalog_is_scheduled_at_once(provider: LocalProvider) -> None:
    created = provider.create(_new(ChangeType.STANDARD, template="restart-web"), _at(0))

    assert created.state is S.SCHEDULED
    assert created.template == "restart-web"
    assert _history(provider, created.id) == [
        ("created", "alice", None, "new"),
        ("transition", SYSTEM_ACTOR, "new", "scheduled"),
    ]
    assert provider.log(created.id)[1].detail == {
        "reason": "standard change pre-approved by template restart-web"
    }
    provider.transition(created.id, S.IMPLEMENT, "alice", _at(1))
    provider.transition(created.id, S.REVIEW, "alice", _at(2))
    assert provider.transition(created.id, S.CLOSED, "alice", _at(3)).state is S.CLOSED


@pytest.mark.parametrize(
    ("template", "policy", "message"),
    [
        (
            "reboot-db",
            CAB_POLICY,
            "template 'reboot-db' is not in the standard-change catalog; "
            "known templates: restart-web",
        ),
        (
            None,
            CAB_POLICY,
            "a standard change needs a template (--template NAME); known templates: restart-web",
        ),
        (
            "restart-web",
            Policy(),
            "template 'restart-web' is not in the standard-change catalog; "
            "known templates: none are defined in <default policy>",
        ),
    ],
    ids=["unknown-template", "no-template", "empty-catalog"],
)
def test_a_standard_change_outside_the_catalog_is_refused_and_nothing_is_stored(
    store: Store, template: str | None, policy: Policy, message: str
) -> None:
    provider = LocalProvider(store, policy)
    new = NewChange(ChangeType.STANDARD, "Restart", "alice", template=template)

    with pytest.raises(InputError) as raised:
        provider.create(new, _at(0))

    assert str(raised.value) == message
    assert provider.list(ListFilter()) == []


def test_a_rejection_sends_the_change_back_to_new_and_blocks_scheduling(
    provider: LocalProvider,
) -> None:
    cid = provider.create(_new(), _at(0)).id
    provider.transition(cid, S.ASSESS, "alice", _at(1))

    rejected = provider.reject(cid, "carol", _at(2), comment="no rollback plan")
    after_approval = provider.approve(cid, "dave", _at(3))

    assert rejected.state is S.NEW
    assert after_approval.state is S.NEW
    assert [(a.approver, str(a.decision)) for a in after_approval.approvals] == [
        ("carol", "rejected"),
        ("dave", "approved"),
    ]
    assert _history(provider, cid)[2:4] == [
        ("rejected", "carol", None, None),
        ("transition", SYSTEM_ACTOR, "assess", "new"),
    ]
    assert provider.log(cid)[3].detail == {"reason": "rejected by carol"}
    provider.transition(cid, S.ASSESS, "alice", _at(4))
    provider.transition(cid, S.AUTHORIZE, "alice", _at(5))
    with pytest.raises(
        TransitionError, match=f"^change {cid} cannot be scheduled: rejected by carol$"
    ):
        provider.transition(cid, S.SCHEDULED, "alice", _at(6))


def test_rejecting_a_new_change_records_it_without_a_transition(provider: LocalProvider) -> None:
    cid = provider.create(_new(), _at(0)).id

    rejected = provider.reject(cid, "carol", _at(1))

    assert rejected.state is S.NEW
    assert _history(provider, cid) == [
        ("created", "alice", None, "new"),
        ("rejected", "carol", None, None),
    ]


def test_scheduling_by_hand_needs_the_required_approvals(provider: LocalProvider) -> None:
    cid = provider.create(_new(risk=Risk.HIGH), _at(0)).id
    provider.transition(cid, S.ASSESS, "alice", _at(1))
    provider.transition(cid, S.AUTHORIZE, "alice", _at(2))

    with pytest.raises(TransitionError) as raised:
        provider.transition(cid, S.SCHEDULED, "alice", _at(3))

    assert str(raised.value) == (
        f"change {cid} cannot be scheduled: 0 of 2 required approvals; no approval from group CAB"
    )
    assert provider.get(cid).state is S.AUTHORIZE


@pytest.mark.parametrize(
    ("kind", "path", "illegal"),
    [
        (ChangeType.NORMAL, [], S.CLOSED),
        (ChangeType.NORMAL, [], S.SCHEDULED),
        (ChangeType.NORMAL, [S.ASSESS], S.IMPLEMENT),
        (ChangeType.EMERGENCY, [], S.ASSESS),
        (ChangeType.NORMAL, [S.CANCELLED], S.NEW),
    ],
    ids=[
        "normal-new-to-closed",
        "normal-new-to-scheduled",
        "normal-assess-to-implement",
        "emergency-new-to-assess",
        "cancelled-to-new",
    ],
)
def test_illegal_transitions_are_refused_and_leave_the_change_as_it_was(
    provider: LocalProvider, kind: ChangeType, path: list[ChangeState], illegal: ChangeState
) -> None:
    cid = provider.create(_new(kind), _at(0)).id
    for step, state in enumerate(path, start=1):
        provider.transition(cid, state, "alice", _at(step))
    before = provider.get(cid)

    with pytest.raises(TransitionError, match=f"^change {cid}"):
        provider.transition(cid, illegal, "alice", _at(9))

    assert provider.get(cid) == before
    assert len(provider.log(cid)) == 1 + len(path)


@pytest.mark.parametrize("terminal", [S.CANCELLED, S.CLOSED])
@pytest.mark.parametrize(("verb", "participle"), [("approve", "approved"), ("reject", "rejected")])
def test_a_closed_or_cancelled_change_takes_no_more_decisions(
    provider: LocalProvider, terminal: ChangeState, verb: str, participle: str
) -> None:
    cid = provider.create(_new(ChangeType.STANDARD, template="restart-web"), _at(0)).id
    if terminal is S.CLOSED:
        for step, state in enumerate([S.IMPLEMENT, S.REVIEW, S.CLOSED], start=1):
            provider.transition(cid, state, "alice", _at(step))
    else:
        provider.transition(cid, S.CANCELLED, "alice", _at(1))

    with pytest.raises(TransitionError) as raised:
        getattr(provider, verb)(cid, "carol", _at(9))

    assert str(raised.value) == f"change {cid} is {terminal} and can no longer be {participle}"
    assert provider.get(cid).approvals == ()


def test_close_fields_are_refused_on_any_other_transition(provider: LocalProvider) -> None:
    cid = provider.create(_new(), _at(0)).id

    with pytest.raises(InputError, match="apply only when closing"):
        provider.transition(cid, S.ASSESS, "alice", _at(1), close_code="successful")


def test_a_work_note_is_appended_to_the_history(provider: LocalProvider) -> None:
    cid = provider.create(_new(), _at(0)).id

    provider.add_note(cid, "ansible", "run 7f3a: 12 ok, 3 changed", _at(1))

    note = provider.log(cid)[-1]
    assert (note.action, note.actor, note.at) == (LogAction.NOTE, "ansible", _at(1))
    assert note.detail == {"text": "run 7f3a: 12 ok, 3 changed"}


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.get("CHG0000042"),
        lambda p: p.log("CHG0000042"),
        lambda p: p.approve("CHG0000042", "carol", T0),
        lambda p: p.reject("CHG0000042", "carol", T0),
        lambda p: p.transition("CHG0000042", S.ASSESS, "alice", T0),
        lambda p: p.add_note("CHG0000042", "alice", "hello", T0),
    ],
    ids=["get", "log", "approve", "reject", "transition", "add_note"],
)
def test_every_call_on_an_unknown_id_says_the_change_is_not_found(
    provider: LocalProvider, call: Callable[[LocalProvider], object]
) -> None:
    with pytest.raises(ChangeNotFoundError) as raised:
        call(provider)

    assert str(raised.value) == "change CHG0000042 not found"


def test_naive_times_and_empty_names_are_refused(provider: LocalProvider) -> None:
    with pytest.raises(InputError, match="has no time zone"):
        provider.create(_new(), datetime(2026, 11, 22, 9, 0))
    with pytest.raises(InputError, match="requested by must not be empty"):
        provider.create(NewChange(ChangeType.NORMAL, "x", "  "), T0)
    cid = provider.create(_new(), T0).id
    with pytest.raises(InputError, match="approver must not be empty"):
        provider.approve(cid, "", T0)


def test_concurrent_approvals_are_all_kept_and_schedule_the_change_once(store_url: str) -> None:
    first = LocalProvider(open_store(store_url), CAB_POLICY)
    second = LocalProvider(open_store(store_url), CAB_POLICY)
    try:
        cid = first.create(_new(risk=Risk.HIGH), T0).id

        errors = run_together(
            lambda: first.approve(cid, "carol", _at(1), group="CAB"),
            lambda: second.approve(cid, "dave", _at(1)),
        )

        assert errors == []
        change = first.get(cid)
        assert change.state is S.SCHEDULED
        assert sorted(a.approver for a in change.approvals) == ["carol", "dave"]
        assert [e.action for e in first.log(cid)].count(LogAction.TRANSITION) == 1
    finally:
        first.close()
        second.close()


def test_the_registry_builds_the_local_provider_from_settings(store_url: str) -> None:
    provider = get_provider("local", Settings(store_url, None), CAB_POLICY)
    assert isinstance(provider, LocalProvider)
    try:
        assert provider.create(_new(), T0).id == "CHG0000001"
    finally:
        provider.close()
    entry = providers.get("local")
    assert "store" in entry.help
    assert entry.example.startswith("changegate ")


def test_an_unknown_provider_name_lists_the_known_ones() -> None:
    with pytest.raises(RegistryError, match=r"unknown providers 'snow' \(valid: .*local"):
        get_provider("snow", Settings("sqlite://", None), Policy())


def test_a_store_lost_after_opening_is_a_provider_error_too() -> None:
    url = make_url("postgresql+psycopg://u:s3cret@127.0.0.1:1/x")
    provider = LocalProvider(
        Store(create_engine(url), "postgresql+psycopg://u:***@127.0.0.1:1/x"), Policy()
    )

    with pytest.raises(ProviderError, match=r"^cannot use the store .*: connection refused$"):
        provider.get("CHG0000001")


def test_an_unreachable_store_is_a_provider_error_so_the_gate_fails_closed() -> None:
    settings = Settings("postgresql+psycopg://u:s3cret@127.0.0.1:1/x", None)

    with pytest.raises(ProviderError) as raised:
        get_provider("local", settings, Policy())

    assert raised.value.code == "provider.unreachable"
    assert str(raised.value) == (
        "cannot open the store postgresql+psycopg://u:***@127.0.0.1:1/x: connection refused"
    )
