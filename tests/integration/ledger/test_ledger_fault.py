"""The store is unwritable during a run: nothing fails, the spool keeps everything, a replay
completes the ledger with no duplicates.

Tests run as root, where file modes do not stop writes; an unwritable store is therefore made
the honest way: its SQLite path lies under a regular file (no directory can be created there),
or its directory is swapped for a regular file in the middle of the run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import func, select

from change_control.ledger.jsonl_sink import JsonlSink, verify_jsonl
from change_control.ledger.recorder import Recorder
from change_control.ledger.replay import replay
from change_control.ledger.spool import spool_paths
from change_control.ledger.store_sink import StoreSink
from change_control.ledger.verify import verify
from change_control.store.engine import Store, open_store
from change_control.store.schema import run_events
from tests.integration.ledger.ledger_support import known_events


def unwritable_url(tmp_path: Path) -> str:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file where the store's directory should be")
    return f"sqlite:///{blocker / 'changegate.db'}"


def count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(run_events)).scalar_one())


def test_an_unwritable_store_loses_nothing_and_replay_completes_it(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    spool, jsonl = tmp_path / "spool", tmp_path / "ledger.jsonl"
    events = known_events()
    recorder = Recorder(
        [StoreSink(unwritable_url(tmp_path)), JsonlSink(jsonl)], spool, batch_size=4
    )
    for event in events:
        recorder.record(event)
    recorder.close()

    assert set(recorder.failed_sinks) == {"store"}
    for run_id in ("A", "B"):
        lines = spool_paths(spool, run_id).events.read_text().splitlines()[1:]
        spooled = [json.loads(line)["event_id"] for line in lines]
        assert spooled == [e.event_id for e in events if e.run_id == run_id]
    assert count(store) == 0
    assert verify_jsonl(jsonl).checked == 10

    report = replay(spool, [StoreSink(store_url), JsonlSink(jsonl)])
    assert (report.replayed, report.already_present, report.failed) == (10, 0, 0)
    assert sorted(report.removed) == ["A", "B"]
    assert count(store) == 10
    assert verify(store).ok
    assert replay(spool, [StoreSink(store_url)]).replayed == 0
    assert count(store) == 10
    assert verify_jsonl(jsonl).checked == 10


def test_a_store_that_fails_mid_run_gets_only_the_missing_events_on_replay(tmp_path: Path) -> None:
    state = tmp_path / "state"
    url = f"sqlite:///{state / 'changegate.db'}"
    store = open_store(url)
    spool = tmp_path / "spool"
    events = known_events()
    recorder = Recorder([StoreSink(store)], spool, batch_size=4)
    for event in events[:4]:
        recorder.record(event)  # the first batch reaches the store
    assert count(store) == 4

    store.dispose()
    shutil.move(state, tmp_path / "state-away")
    state.write_text("the disk went away")
    for event in events[4:]:
        recorder.record(event)
    recorder.close()
    assert set(recorder.failed_sinks) == {"store"}

    state.unlink()
    shutil.move(tmp_path / "state-away", state)
    report = replay(spool, [StoreSink(url)])
    assert (report.replayed, report.already_present) == (6, 0)
    store = open_store(url)
    assert count(store) == 10
    assert verify(store).ok
    store.dispose()
