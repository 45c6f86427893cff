"""Crash simulation: a recording process dies (``os._exit``) at the worst moments.

The child records into a JSON Lines sink and dies without closing anything; the parent then
replays the spool into the same file and checks that every event is there exactly once and that
the file's chain verifies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from change_control.ledger.jsonl_sink import JsonlSink, verify_jsonl
from change_control.ledger.replay import replay

from .ledger_fakes import as_sinks

ROOT = Path(__file__).resolve().parents[3]

CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from change_control.ledger.jsonl_sink import JsonlSink
    from change_control.ledger.recorder import Recorder

    spool, jsonl, mode, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    class DieAfterCommit(JsonlSink):
        calls = 0
        def write(self, events):
            result = super().write(events)
            DieAfterCommit.calls += 1
            if mode == "after-commit" and DieAfterCommit.calls == 2:
                os._exit(3)  # the sink committed; the spool never hears of it
            return result

    recorder = Recorder([DieAfterCommit(jsonl)], spool, lambda: datetime.now(UTC),
                        batch_size=100)
    for i in range(total):
        recorder.new_event("run-crash", "task_result", {"i": i})
    os._exit(3)  # no flush, no close: the process is killed
    """
)


def crash(tmp_path: Path, mode: str, total: int) -> tuple[Path, Path]:
    spool, jsonl = tmp_path / "spool", tmp_path / "ledger.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(spool), str(jsonl), mode, str(total)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    return spool, jsonl


def file_ids(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [json.loads(line)["body"]["i"] for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    ("mode", "total", "in_file_before", "replayed", "already_present"),
    [
        # Died with 80 events spooled and no batch (of 100) ever flushed.
        ("before-flush", 80, 0, 80, 0),
        # Died with two batches delivered and acknowledged, and 50 more spooled only.
        ("before-flush", 250, 200, 50, 0),
        # Died after the sink committed batch 2 but before the spool acknowledged it.
        ("after-commit", 250, 200, 0, 100),
    ],
    ids=["nothing-flushed", "second-batch-unflushed", "commit-not-acknowledged"],
)
def test_a_crashed_run_is_recovered_completely_and_exactly_once(
    tmp_path: Path,
    mode: str,
    total: int,
    in_file_before: int,
    replayed: int,
    already_present: int,
) -> None:
    spool, jsonl = crash(tmp_path, mode, total)
    before = file_ids(jsonl)
    assert before == list(range(in_file_before))

    report = replay(spool, as_sinks(JsonlSink(jsonl)))

    spooled = total if mode == "before-flush" else 200
    assert (report.replayed, report.already_present, report.failed) == (
        replayed,
        already_present,
        0,
    )
    assert file_ids(jsonl) == list(range(spooled))
    assert verify_jsonl(jsonl).ok
    assert report.removed == ("run-crash",)
    assert list(spool.iterdir()) == []
