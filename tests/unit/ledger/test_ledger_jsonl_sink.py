"""The JSON Lines sink: a second, self-verifying copy of the ledger in a file."""

from __future__ import annotations

import itertools
import json
import stat
from pathlib import Path

import pytest

from change_control.ledger.events import GENESIS, canonical_json
from change_control.ledger.jsonl_sink import JsonlSink, verify_jsonl

from .ledger_fakes import run_events


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_event_is_one_canonical_line_chained_from_the_genesis(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    events = run_events("r1", 5)
    result = JsonlSink(path).write(events)
    assert (result.written, result.already_present) == (5, 0)
    records = lines(path)
    assert [r["event_id"] for r in records] == [e.event_id for e in events]
    assert records[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(records))
    assert path.read_text(encoding="utf-8").splitlines()[0] == canonical_json(records[0])
    assert verify_jsonl(path).ok
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_resending_events_writes_nothing_twice_even_from_a_new_process(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    events = run_events("r1", 6)
    JsonlSink(path).write(events[:4])
    result = JsonlSink(path).write(events)  # a fresh sink learns the ids from the file
    assert (result.written, result.already_present) == (2, 4)
    assert [r["event_id"] for r in lines(path)] == [e.event_id for e in events]
    assert verify_jsonl(path).checked == 6


def test_two_writers_on_one_file_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    first, second = JsonlSink(path), JsonlSink(path)
    a, b = run_events("a", 4), run_events("b", 4)
    first.write(a[:2])
    second.write(b[:2])
    first.write(a[2:])
    second.write(b[2:] + a[:1])
    assert len(lines(path)) == 8
    assert verify_jsonl(path).ok
    assert first.last_hash != second.last_hash  # first has not seen second's last batch yet


def test_a_torn_last_line_is_cut_off_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    events = run_events("r1", 4)
    JsonlSink(path).write(events[:2])
    with path.open("ab") as fh:
        fh.write(b'{"event_id":"torn')
    JsonlSink(path).write(events[2:])
    assert [r["event_id"] for r in lines(path)] == [e.event_id for e in events]
    assert verify_jsonl(path).ok


def test_verify_jsonl_names_the_first_edited_or_missing_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    JsonlSink(path).write(run_events("r1", 5))
    original = path.read_text(encoding="utf-8").splitlines(keepends=True)

    edited = original.copy()
    edited[2] = edited[2].replace('"i":2', '"i":99')
    path.write_text("".join(edited), encoding="utf-8")
    report = verify_jsonl(path)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.problem) == (
        3,
        "hash mismatch (event edited)",
    )

    path.write_text("".join(original[:1] + original[2:]), encoding="utf-8")
    report = verify_jsonl(path)
    assert report.first_broken is not None
    assert report.first_broken.seq == 2
    assert report.first_broken.problem.startswith("prev_hash does not match the line before")


def test_a_sink_that_failed_reports_no_head(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    sink = JsonlSink(blocker / "ledger.jsonl")
    with pytest.raises(OSError):
        sink.write(run_events("r1", 2))
    assert sink.last_hash is None
