"""The recorder and replay: spool first, batch to sinks, never raise, never lose or duplicate."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest

from change_control.errors import InputError
from change_control.ledger.recorder import Recorder
from change_control.ledger.replay import replay
from change_control.ledger.spool import SPOOL_FORMAT, read_acks, spool_paths

from .ledger_fakes import T0, BrokenSink, Clock, MemorySink, as_sinks, run_events


def spool_lines(spool: Path, run_id: str) -> list[dict[str, object]]:
    text = spool_paths(spool, run_id).events.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_events_reach_the_sinks_in_batches_not_one_by_one(tmp_path: Path) -> None:
    sink = MemorySink()
    recorder = Recorder(as_sinks(sink), tmp_path, Clock(), batch_size=200)
    events = run_events("r1", 500)
    for event in events[:199]:
        recorder.record(event)
    assert sink.calls == 0
    recorder.record(events[199])
    assert sink.calls == 1
    for event in events[200:]:
        recorder.record(event)
    recorder.close()
    assert sink.calls == 3
    assert sink.ids == [e.event_id for e in events]


def test_every_event_is_in_the_spool_before_any_sink_sees_it(tmp_path: Path) -> None:
    recorder = Recorder(as_sinks(MemorySink()), tmp_path, Clock(), batch_size=200)
    events = run_events("r1", 10)
    for event in events:
        recorder.record(event)
    lines = spool_lines(tmp_path, "r1")
    assert lines[0]["format"] == SPOOL_FORMAT
    assert lines[0]["sinks"] == ["memory"]
    assert [line["event_id"] for line in lines[1:]] == [e.event_id for e in events]
    recorder.close()


def test_a_run_every_sink_took_leaves_no_spool_behind(tmp_path: Path) -> None:
    first, second = MemorySink("a"), MemorySink("b")
    recorder = Recorder(as_sinks(first, second), tmp_path, Clock(), batch_size=7)
    for event in run_events("r1", 30):
        recorder.record(event)
    recorder.close()
    assert list(tmp_path.iterdir()) == []
    assert first.ids == second.ids
    assert first.closed and second.closed


def test_a_failing_sink_never_raises_and_is_not_retried_in_the_same_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good, bad = MemorySink("store"), BrokenSink("jsonl")
    recorder = Recorder(as_sinks(bad, good), tmp_path, Clock(), batch_size=10)
    with caplog.at_level(logging.WARNING, logger="changegate.ledger"):
        for event in run_events("r1", 45):
            recorder.record(event)
        recorder.close()
    assert bad.calls == 1
    assert len(good.events) == 45
    assert recorder.failed_sinks == {
        "jsonl": "ConnectionError: store unreachable: connection refused"
    }
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if m.startswith("changegate ledger: sink jsonl failed")]) == 1


def test_a_failing_sinks_events_stay_spooled_and_unacknowledged_for_it(tmp_path: Path) -> None:
    good, bad = MemorySink("store"), BrokenSink("jsonl")
    recorder = Recorder(as_sinks(good, bad), tmp_path, Clock(), batch_size=10)
    events = run_events("r1", 25)
    for event in events:
        recorder.record(event)
    recorder.close()
    paths = spool_paths(tmp_path, "r1")
    assert [line["event_id"] for line in spool_lines(tmp_path, "r1")[1:]] == good.ids
    acked = read_acks(paths.acks)
    assert acked == {"store": set(good.ids)}


def test_replay_delivers_what_a_failed_sink_missed_once_in_order(tmp_path: Path) -> None:
    recorder = Recorder(as_sinks(MemorySink("store"), BrokenSink("jsonl")), tmp_path, Clock())
    events = run_events("r1", 250)
    for event in events:
        recorder.record(event)
    recorder.close()

    later = MemorySink("jsonl")
    report = replay(tmp_path, as_sinks(MemorySink("store"), later), batch_size=100)
    assert (report.replayed, report.already_present, report.failed) == (250, 0, 0)
    assert later.ids == [e.event_id for e in events]
    assert later.calls == 3
    assert report.removed == ("r1",)
    assert list(tmp_path.iterdir()) == []

    again = replay(tmp_path, as_sinks(later))
    assert (again.replayed, again.already_present, again.removed) == (0, 0, ())
    assert len(later.events) == 250


def test_replay_counts_events_a_sink_already_had_and_writes_them_not_again(
    tmp_path: Path,
) -> None:
    recorder = Recorder(as_sinks(BrokenSink("store")), tmp_path, Clock())
    events = run_events("r1", 40)
    for event in events:
        recorder.record(event)
    recorder.close()
    store = MemorySink("store")
    store.write(events[:15])  # committed before a crash ate the acknowledgement
    report = replay(tmp_path, as_sinks(store))
    assert (report.replayed, report.already_present) == (25, 15)
    assert store.ids == [e.event_id for e in events]


def test_replay_keeps_events_for_a_sink_it_was_not_given(tmp_path: Path) -> None:
    recorder = Recorder(as_sinks(MemorySink("store"), BrokenSink("writeback")), tmp_path, Clock())
    for event in run_events("r1", 12):
        recorder.record(event)
    recorder.close()
    report = replay(tmp_path, as_sinks(MemorySink("store")))
    assert report.unconfigured == {"writeback": 12}
    assert report.ok
    assert report.removed == ()
    assert spool_paths(tmp_path, "r1").events.exists()


def test_replay_of_a_sink_that_fails_again_leaves_everything_pending(tmp_path: Path) -> None:
    recorder = Recorder(as_sinks(BrokenSink("store")), tmp_path, Clock())
    for run in ("r1", "r2"):
        for event in run_events(run, 5):
            recorder.record(event)
    recorder.close()
    still_broken = BrokenSink("store")
    report = replay(tmp_path, as_sinks(still_broken))
    assert (report.replayed, report.failed, report.ok) == (0, 10, False)
    assert still_broken.calls == 1  # the second run is not even tried
    assert spool_paths(tmp_path, "r1").events.exists()


def test_replay_leaves_the_spool_of_a_run_still_recording_alone(tmp_path: Path) -> None:
    live = Recorder(as_sinks(BrokenSink("store")), tmp_path, Clock())
    for event in run_events("live", 5):
        live.record(event)
    sink = MemorySink("store")
    report = replay(tmp_path, as_sinks(sink))
    assert report.busy == ("live",)
    assert sink.events == []
    live.close()
    assert replay(tmp_path, as_sinks(sink)).replayed == 5


def test_replay_pending_sends_earlier_runs_to_the_new_runs_sinks(tmp_path: Path) -> None:
    first = Recorder(as_sinks(BrokenSink("store")), tmp_path, Clock())
    for event in run_events("r1", 8):
        first.record(event)
    first.close()
    store = MemorySink("store")
    second = Recorder(as_sinks(store), tmp_path, Clock())
    assert second.replay_pending().replayed == 8
    for event in run_events("r2", 4):
        second.record(event)
    second.close()
    assert len(store.events) == 12
    assert list(tmp_path.iterdir()) == []


def test_replay_skips_a_torn_last_spool_line(tmp_path: Path) -> None:
    recorder = Recorder(as_sinks(BrokenSink("store")), tmp_path, Clock())
    events = run_events("r1", 6)
    for event in events:
        recorder.record(event)
    recorder.close()
    with spool_paths(tmp_path, "r1").events.open("ab") as fh:
        fh.write(b'{"event_id":"half-writ')
    sink = MemorySink("store")
    assert replay(tmp_path, as_sinks(sink)).replayed == 6
    assert sink.ids == [e.event_id for e in events]


def test_an_unusable_spool_directory_does_not_stop_the_sinks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_dir = tmp_path / "spool"
    not_a_dir.write_text("a regular file")
    sink = MemorySink()
    recorder = Recorder(as_sinks(sink), not_a_dir, Clock(), batch_size=3)
    with caplog.at_level(logging.WARNING, logger="changegate.ledger"):
        for event in run_events("r1", 5):
            recorder.record(event)
        recorder.close()
    assert len(sink.events) == 5
    assert any("cannot spool run r1" in r.getMessage() for r in caplog.records)
    assert replay(not_a_dir, as_sinks(sink)).replayed == 0


def test_an_event_whose_body_is_not_json_is_kept_with_the_reason(tmp_path: Path) -> None:
    sink = MemorySink()
    recorder = Recorder(as_sinks(sink), tmp_path, Clock())
    event = recorder.new_event("r1", "task_result", {"duration": math.nan})
    recorder.close()
    assert sink.ids == [event.event_id]
    assert sink.events[0].body == {
        "unrecordable": "ValueError: Out of range float values are not JSON compliant"
    }


def test_new_event_stamps_the_recorders_clock(tmp_path: Path) -> None:
    recorder = Recorder(as_sinks(MemorySink()), tmp_path, lambda: T0)
    event = recorder.new_event("r1", "note", {"text": "hi"})
    assert event.at == T0
    recorder.close()


def test_two_sinks_with_one_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="distinct names"):
        Recorder(as_sinks(MemorySink("x"), MemorySink("x")), tmp_path)


def test_close_twice_is_harmless(tmp_path: Path) -> None:
    sink = MemorySink()
    recorder = Recorder(as_sinks(sink), tmp_path, Clock())
    recorder.new_event("r1", "note")
    recorder.close()
    recorder.close()
    assert sink.calls == 1


def test_events_recorded_after_a_close_are_kept_and_delivered_by_the_next_close(
    tmp_path: Path,
) -> None:
    sink = MemorySink()
    recorder = Recorder(as_sinks(sink), tmp_path, Clock())
    recorder.new_event("r1", "run_interrupted")
    recorder.close()
    late = recorder.new_event("r1", "run_end")
    assert [line["event_id"] for line in spool_lines(tmp_path, "r1")[1:]] == [late.event_id]
    recorder.close()
    assert [e.kind for e in sink.events] == ["run_interrupted", "run_end"]
    assert list(tmp_path.iterdir()) == []
