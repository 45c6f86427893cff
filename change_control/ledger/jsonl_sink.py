"""A JSON Lines ledger: one canonical JSON line per event, hash-chained within the file.

The file is a second, independent copy of the ledger (ship it to a log pipeline or WORM
storage): its own ``prev_hash``/``hash`` chain means it can be verified without the store, and a
store edited after the fact no longer matches it.

Writers take an exclusive ``flock`` on the file for each batch and first read whatever other
writers appended since their last batch, so two controllers (or a run and ``audit replay``)
sharing one file never fork the chain or duplicate an event. A torn last line (a crash in the
middle of a write) is cut off before appending: that batch was never acknowledged and will be
re-sent.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from change_control.ledger.events import GENESIS, LedgerEvent, canonical_json, chain_hash
from change_control.ledger.protocol import BrokenLink, SinkResult, VerifyReport

FILE_MODE = 0o600
MOVED = "event deleted, inserted or reordered"


class JsonlSink:
    """Appends events to ``path``; idempotent by event id; ``flush`` + ``fsync`` per batch."""

    name = "jsonl"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ids: set[str] = set()
        self._offset = 0
        self._last_hash = GENESIS
        self._healthy = False

    @property
    def last_hash(self) -> str | None:
        """The file's chain head after this sink's last successful write."""
        return self._last_hash if self._healthy else None

    def write(self, events: Sequence[LedgerEvent]) -> SinkResult:
        """Append the events this file does not hold yet, durably, under the file lock."""
        self._healthy = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, FILE_MODE)
        with os.fdopen(fd, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            self._catch_up(fh)
            lines, ids, last = self._lines(events)
            if lines:
                fh.write("".join(lines).encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            # Only now is the batch durable: remember it (a failed write leaves no trace here).
            self._ids.update(ids)
            self._last_hash = last
            self._offset = fh.seek(0, os.SEEK_END)
        self._healthy = True
        return SinkResult(len(lines), len(events) - len(lines))

    def close(self) -> None:
        """Nothing stays open between batches."""

    def _lines(self, events: Sequence[LedgerEvent]) -> tuple[list[str], set[str], str]:
        lines: list[str] = []
        ids: set[str] = set()
        last = self._last_hash
        for event in events:
            if event.event_id in self._ids or event.event_id in ids:
                continue
            digest = chain_hash(last, event)
            record = {**event.to_dict(), "prev_hash": last, "hash": digest}
            lines.append(canonical_json(record) + "\n")
            ids.add(event.event_id)
            last = digest
        return lines, ids, last

    def _catch_up(self, fh: BinaryIO) -> None:
        size = fh.seek(0, os.SEEK_END)
        if size < self._offset:  # the file was replaced or truncated: read it afresh
            self._ids.clear()
            self._offset, self._last_hash = 0, GENESIS
        fh.seek(self._offset)
        data = fh.read()
        complete = data.rfind(b"\n") + 1
        if complete < len(data):
            # A torn last line from a crash mid-write; that batch is re-sent by the spool.
            fh.truncate(self._offset + complete)
        for line in data[:complete].splitlines():
            self._learn(line)
        self._offset += complete

    def _learn(self, line: bytes) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            return  # not ours to repair; verify_jsonl reports it
        if isinstance(record, dict) and "event_id" in record:
            self._ids.add(str(record["event_id"]))
            self._last_hash = str(record.get("hash", self._last_hash))


def verify_jsonl(path: Path | str) -> VerifyReport:
    """Check a JSON Lines ledger's own chain; ``seq`` in the report is the line number.

    A file has no recorded head, so a cut-off tail is invisible here: compare the last hash
    with the one quoted in the run's work note.
    """
    prev, checked = GENESIS, 0
    with Path(path).open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            problem, record = _check_line(line, prev)
            if problem is not None:
                event_id = str(record.get("event_id")) if record else None
                run_id = str(record.get("run_id")) if record else None
                return VerifyReport(False, checked, BrokenLink(number, event_id, run_id, problem))
            checked += 1
            prev = str(record["hash"])
    return VerifyReport(True, checked, None)


def _check_line(line: bytes, prev: str) -> tuple[str | None, dict[str, Any]]:
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise ValueError("not an object")
        if chain_hash(str(record["prev_hash"]), record) != record["hash"]:
            return "hash mismatch (event edited)", record
    except (ValueError, KeyError, TypeError):
        return "line is not a ledger event (edited or torn)", {}
    if record["prev_hash"] != prev:
        return f"prev_hash does not match the line before ({MOVED})", record
    return None, record
