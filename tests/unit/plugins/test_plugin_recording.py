"""A run's recording: ordered, redacted events through the real Recorder, never an exception."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ansible_collections.changegate.itsm.plugins.plugin_utils.events import TaskFacts
from ansible_collections.changegate.itsm.plugins.plugin_utils.recording import RunRecording

from change_control.ledger.recorder import Recorder
from tests.unit.plugins.gate_fakes import NOW, ListSink


def clock() -> Iterator[float]:
    yield from (10.0, 10.25, 11.0, 11.5, 12.0, 13.0)


def recording(tmp_path: Path, sink: ListSink, **kw: Any) -> RunRecording:
    ticks = clock()
    recorder = Recorder([sink], tmp_path / "spool", clock=lambda: NOW)
    return RunRecording(recorder, "run-1", monotonic=lambda: next(ticks), **kw)


def facts(status: str, result: dict[str, Any], **kw: Any) -> TaskFacts:
    base: dict[str, Any] = {
        "host": "web1",
        "task": "restart",
        "task_uuid": "u1",
        "action": "ansible.builtin.command",
    }
    base.update(kw)
    return TaskFacts(status=status, result=result, **base)


def test_a_run_is_recorded_start_results_gate_decisions_and_end_in_order(tmp_path: Path) -> None:
    sink = ListSink()
    run = recording(tmp_path, sink)
    run.start({"change_id": "CHG1", "actor": "carol"})
    run.task_started("web1", "u1")
    gate = {"allowed": True, "gated": True, "module": "ansible.builtin.service"}
    run.task_finished(
        facts("changed", {"changed": True, "changegate": gate}, action="changegate.itsm.gate")
    )
    run.end({"web1": {"ok": 1, "changed": 1, "failures": 0, "unreachable": 0}})
    kinds = [event.kind for event in sink.events]
    assert kinds == ["run_start", "gate_decision", "task_result", "run_end"]
    result = sink.events[2].body
    assert result["duration_ms"] == 250 and result["module"] == "ansible.builtin.service"
    end = sink.events[3].body
    assert end["status"] == "ok" and end["change_id"] == "CHG1"
    assert end["gated"] == {"allowed": 1, "denied": 0, "ungated": 0}
    assert end["changed_hosts"] == ["web1"]
    assert not list((tmp_path / "spool").glob("*.spool"))


def test_policy_redaction_keys_and_extra_var_values_never_reach_a_sink(tmp_path: Path) -> None:
    sink = ListSink()
    run = recording(tmp_path, sink, redact_keys=("playbook",), secrets=("Sup3rSecret!",))
    run.start({"change_id": "CHG1", "playbook": "/srv/site.yml"})
    run.task_finished(
        facts("failed", {"msg": "login Sup3rSecret! refused"}, task="use Sup3rSecret!")
    )
    run.close()
    bodies = repr([dict(event.body) for event in sink.events])
    assert "Sup3rSecret!" not in bodies and "/srv/site.yml" not in bodies
    assert sink.events[1].body["msg"] == "login ******** refused"


def test_a_failing_sink_leaves_every_event_in_the_spool_and_the_run_goes_on(tmp_path: Path) -> None:
    run = recording(tmp_path, ListSink(fail=True))
    run.start({"change_id": "CHG1"})
    run.task_finished(facts("ok", {}))
    run.end({})
    assert run.recorder.failed_sinks == {"store": "OSError: disk full"}
    (spool,) = (tmp_path / "spool").glob("*.spool")
    assert len(spool.read_text().splitlines()) == 1 + 3  # header + events


def test_an_interrupted_run_is_closed_once_and_records_nothing_afterwards(tmp_path: Path) -> None:
    sink = ListSink()
    run = recording(tmp_path, sink)
    run.start({"change_id": "CHG1"})
    run.interrupted("SIGTERM")
    run.interrupted("SIGINT")
    run.task_finished(facts("ok", {}))
    run.end({})
    assert [e.kind for e in sink.events] == ["run_start", "run_interrupted"]
    assert sink.events[1].body["signal"] == "SIGTERM" and run.closed
