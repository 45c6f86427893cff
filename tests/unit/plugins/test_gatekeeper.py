"""The gate as a service: one lookup per run, cached decisions, once-per-run writes."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from datetime import timedelta
from pathlib import Path

import pytest

from change_control.errors import InputError, TransitionError
from change_control.gate import LookupFailure, Request
from change_control.gatekeeper import Gatekeeper, RunCache
from change_control.model import ChangeState, ChangeType
from change_control.policy.model import FreezeWindow, Policy
from tests.unit.plugins.gate_fakes import NOW, FakeProvider, approved_change


def request(host: str = "web1", module: str = "ansible.builtin.service", **kw: object) -> Request:
    fields: dict[str, object] = {"change_id": "CHG0000001", "executor": "carol", "host": host}
    fields.update(module=module, **kw)
    return Request(**fields)  # type: ignore[arg-type]


def keeper(provider: FakeProvider, **kw: object) -> Gatekeeper:
    return Gatekeeper(Policy(), lambda: provider, **kw)  # type: ignore[arg-type]


def test_the_provider_is_asked_once_however_many_hosts_and_tasks_are_decided() -> None:
    provider = FakeProvider(approved_change())
    gate = keeper(provider)
    outcomes = [
        gate.decide(request(host=f"web{i}", module=module), NOW)
        for i in range(5)
        for module in ("ansible.builtin.service", "ansible.builtin.copy")
    ]
    assert all(o.decision.allowed for o in outcomes)
    assert provider.calls == {"get": 1}
    assert [o.lookup_cached for o in outcomes[:2]] == [False, True]


def test_a_repeated_request_is_answered_from_the_cache() -> None:
    gate = keeper(FakeProvider(approved_change()))
    first = gate.decide(request(), NOW)
    again = gate.decide(request(), NOW + timedelta(minutes=5))
    other_args = gate.decide(request(args={"name": "nginx"}), NOW)
    assert (first.cached, again.cached, other_args.cached) == (False, True, False)
    assert again.decision == first.decision


def test_read_only_modules_and_short_names_never_trigger_a_lookup() -> None:
    provider = FakeProvider(approved_change())
    outcome = keeper(provider).decide(request(module="stat", change_id=None), NOW)
    assert outcome.decision.allowed and not outcome.decision.gated
    assert outcome.request.module == "ansible.builtin.stat"
    assert provider.calls == {}


def test_an_unknown_change_is_refused_and_the_failure_is_cached_for_the_run() -> None:
    provider = FakeProvider()
    gate = keeper(provider)
    outcomes = [gate.decide(request(host=h), NOW) for h in ("web1", "web2")]
    assert [o.decision.codes for o in outcomes] == [("change.not_found",)] * 2
    assert isinstance(outcomes[0].change, LookupFailure)
    assert provider.calls == {"get": 1}


def test_an_unreachable_provider_fails_closed_by_default_and_open_when_the_policy_says() -> None:
    closed = keeper(FakeProvider(unreachable=True)).decide(request(), NOW)
    assert closed.decision.codes == ("provider.unreachable",)
    open_policy = dataclasses.replace(Policy(), fail_closed=False)
    provider = FakeProvider(unreachable=True)
    opened = Gatekeeper(open_policy, lambda: provider).decide(request(), NOW)  # type: ignore[arg-type,return-value]
    assert opened.decision.allowed
    assert [o.code for o in opened.decision.obligations] == ["provider.fail_open"]


def test_freezes_from_the_store_are_merged_into_the_policy() -> None:
    freeze = FreezeWindow(
        reason="quarter end", start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1)
    )
    gate = keeper(FakeProvider(approved_change()), freezes=lambda provider: [freeze])
    assert gate.decide(request(), NOW).decision.codes == ("freeze.active",)


def test_a_refusal_message_lists_every_reason_code_with_its_sentence() -> None:
    change = approved_change(approver="carol", hosts=("db*",))
    outcome = keeper(FakeProvider(change)).decide(request(), NOW)
    message = outcome.message()
    assert outcome.decision.codes == ("sod.executor_is_approver", "scope.host")
    assert message.startswith("changegate refused ansible.builtin.service on web1 (CHG0000001):")
    assert "[sod.executor_is_approver]" in message and "[scope.host] host web1" in message


def test_the_result_key_carries_the_decision_but_never_module_arguments() -> None:
    outcome = keeper(FakeProvider(approved_change())).decide(
        request(args={"password": "hunter2"}), NOW
    )
    data = outcome.to_dict()
    assert data["allowed"] is True and data["change_id"] == "CHG0000001"
    assert "hunter2" not in repr(data)


def test_a_transition_happens_once_per_run_and_refreshes_the_cached_change() -> None:
    provider = FakeProvider(approved_change())
    gate = keeper(provider)
    gate.decide(request(), NOW)
    first = gate.transition("CHG0000001", ChangeState.IMPLEMENT, "carol", NOW)
    second = gate.transition("CHG0000001", ChangeState.IMPLEMENT, "carol", NOW)
    assert (first.changed, second.changed) == (True, False)
    assert provider.calls["transition"] == 1
    assert gate.lookup("CHG0000001").change.state is ChangeState.IMPLEMENT  # type: ignore[union-attr]
    gate.transition("CHG0000001", ChangeState.REVIEW, "carol", NOW)
    assert gate.decide(request(), NOW).decision.codes == ("change.wrong_state",)


def test_a_transition_in_check_mode_says_what_it_would_do_and_writes_nothing() -> None:
    provider = FakeProvider(approved_change())
    update = keeper(provider).transition(
        "CHG0000001", ChangeState.IMPLEMENT, "carol", NOW, check_mode=True
    )
    assert update.changed and "would move" in update.message
    assert "transition" not in provider.calls


def test_a_change_already_in_the_target_state_is_left_alone() -> None:
    provider = FakeProvider(approved_change(state=ChangeState.IMPLEMENT))
    update = keeper(provider).transition("CHG0000001", ChangeState.IMPLEMENT, "carol", NOW)
    assert not update.changed and "transition" not in provider.calls


def test_illegal_transitions_and_closing_without_notes_are_errors() -> None:
    gate = keeper(FakeProvider(approved_change(change_type=ChangeType.STANDARD)))
    with pytest.raises(TransitionError):
        gate.transition("CHG0000001", ChangeState.REVIEW, "carol", NOW)
    with pytest.raises(InputError, match="close_code and close_notes"):
        gate.transition("CHG0000001", ChangeState.CLOSED, "carol", NOW, close_code="successful")


def test_a_note_is_added_once_per_text_and_never_in_check_mode() -> None:
    provider = FakeProvider(approved_change())
    gate = keeper(provider)
    assert gate.note("CHG0000001", "carol", "started", NOW) is True
    assert gate.note("CHG0000001", "carol", "started", NOW) is False
    assert gate.note("CHG0000001", "carol", "dry run", NOW, check_mode=True) is True
    assert provider.notes == [("CHG0000001", "carol", "started")]
    with pytest.raises(InputError):
        gate.note("CHG0000001", "carol", "  ", NOW)


def _compute_in_child(directory: str, log: str) -> None:
    def compute() -> str:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return "value"

    value, _hit = RunCache(Path(directory)).get_or_compute("lookup\0CHG1", compute)
    assert value == "value"


def test_forked_workers_share_one_computation_through_the_run_directory(tmp_path: Path) -> None:
    log = tmp_path / "computed.log"
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_compute_in_child, args=(str(tmp_path / "run"), str(log)))
        for _ in range(6)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert [w.exitcode for w in workers] == [0] * 6
    assert len(log.read_text().splitlines()) == 1


def test_a_sibling_process_sees_a_value_replaced_after_the_fork(tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    cache.get_or_compute("k", lambda: "old")
    RunCache(tmp_path).put("k", "new")
    assert cache.get_or_compute("k", lambda: "computed") == ("new", True)


def test_an_unreadable_cache_entry_is_recomputed_not_an_error(tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    cache.get_or_compute("k", lambda: "v1")
    for entry in tmp_path.glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert cache.get_or_compute("k", lambda: "v2") == ("v2", False)
