"""The on-disk write-ahead spool: every event is here before any sink sees it.

One run, two files in the spool directory (mode 0700, files 0600):

``<run>.spool``
    Line 1 is a header ``{"format": "changegate/spool@1", "run_id", "sinks", "opened_at"}``
    naming the sinks the run was recorded for; every further line is one event as canonical
    JSON, in the order recorded. Written with ``write`` + ``flush`` per event (a crashed
    process loses nothing the kernel already has) and ``fsync`` before every hand-off to the
    sinks and at close.
``<run>.acks``
    Append-only acknowledgements, one ``<sink>\\t<event_id>`` line per event a sink confirmed,
    written only after the sink committed. Never fsynced: a lost acknowledgement only makes
    a replay re-send an event, which the sink recognises by id and skips.

A run's files are removed once every sink named in the header acknowledged every event. The
live recorder holds an exclusive ``flock`` on its ``.spool`` file; ``replay`` skips locked
files, so it never sends or deletes the spool of a run that is still going.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from change_control.errors import InputError
from change_control.ledger.events import LedgerEvent, canonical_json, instant_text

log = logging.getLogger("changegate.ledger")

SPOOL_FORMAT = "changegate/spool@1"
EVENTS_SUFFIX = ".spool"
ACKS_SUFFIX = ".acks"
DIR_MODE = 0o700
FILE_MODE = 0o600
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class SpoolPaths:
    """The two files of one run's spool."""

    events: Path
    acks: Path


def spool_paths(directory: Path, run_id: str) -> SpoolPaths:
    """Where ``run_id``'s spool lives; unsafe run ids are hashed into a file name."""
    name = run_id if _SAFE_NAME.match(run_id) else "run-" + _digest(run_id)
    return SpoolPaths(directory / f"{name}{EVENTS_SUFFIX}", directory / f"{name}{ACKS_SUFFIX}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _open_append(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    return os.fdopen(fd, "ab")


class AckLog:
    """Appends ``<sink>\\t<event_id>`` lines; opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: BinaryIO | None = None

    def add(self, sink: str, event_ids: Iterable[str]) -> None:
        """Record that ``sink`` committed ``event_ids`` (one write, flushed, not fsynced)."""
        text = "".join(f"{sink}\t{event_id}\n" for event_id in event_ids)
        if not text:
            return
        if self._fh is None:
            self._fh = _open_append(self.path)
        self._fh.write(text.encode("utf-8"))
        self._fh.flush()

    def close(self) -> None:
        """Close the file if it was opened."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class SpoolWriter:
    """The live recorder's handle on one run's spool: locked for as long as the run records."""

    def __init__(
        self, directory: Path, run_id: str, sinks: Sequence[str], opened_at: datetime
    ) -> None:
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self.paths = spool_paths(directory, run_id)
        self._fh = _open_append(self.paths.events)
        with contextlib.suppress(BlockingIOError):
            # Another process holding it can only be a replay of a reused run id: go on.
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        #: A spool that already held events (a reused run id) is never removed by this writer:
        #: it cannot know those older events were delivered; ``replay`` settles them.
        self.inherited = os.fstat(self._fh.fileno()).st_size > 0
        if not self.inherited:
            header = {
                "format": SPOOL_FORMAT,
                "run_id": run_id,
                "sinks": list(sinks),
                "opened_at": instant_text(opened_at),
            }
            self._write(canonical_json(header).encode("utf-8"))
        self.acks = AckLog(self.paths.acks)

    def append(self, line: bytes) -> None:
        """Add one event line (canonical JSON, UTF-8) and hand it to the kernel."""
        self._write(line)

    def sync(self) -> None:
        """Make every appended event durable (before a hand-off to the sinks, and at close)."""
        os.fsync(self._fh.fileno())

    def close(self, *, remove: bool) -> None:
        """Release the lock; delete both files when every sink confirmed every event."""
        self.acks.close()
        if remove and not self.inherited:
            # Events first: an orphaned .acks file is harmless and ``replay`` deletes it.
            self.paths.events.unlink(missing_ok=True)
            self.paths.acks.unlink(missing_ok=True)
        self._fh.close()

    def _write(self, line: bytes) -> None:
        self._fh.write(line + b"\n")
        self._fh.flush()


@dataclass
class SpoolContent:
    """One run's spool as read back: header, events in order, acknowledgements per sink."""

    paths: SpoolPaths
    run_id: str
    sinks: tuple[str, ...] | None
    opened_at: str
    events: list[LedgerEvent] = field(default_factory=list)
    acked: dict[str, set[str]] = field(default_factory=dict)

    def pending(self, sink: str) -> list[LedgerEvent]:
        """Events ``sink`` has not confirmed, in recorded order."""
        done = self.acked.get(sink, set())
        return [event for event in self.events if event.event_id not in done]


def read_spool(paths: SpoolPaths, data: bytes) -> SpoolContent:
    """Parse a spool file's bytes plus its ack log; torn and unreadable lines are skipped."""
    lines = _complete_lines(data)
    header = _header(lines[0]) if lines else None
    content = SpoolContent(
        paths,
        run_id=str(header.get("run_id", paths.events.stem)) if header else paths.events.stem,
        sinks=_names(header.get("sinks")) if header else None,
        opened_at=str(header.get("opened_at", "")) if header else "",
    )
    for number, line in enumerate(lines[1:] if header else lines, start=2 if header else 1):
        try:
            content.events.append(LedgerEvent.from_dict(json.loads(line)))
        except (ValueError, InputError):
            log.warning("spool %s line %d is unreadable and was skipped", paths.events, number)
    content.acked = read_acks(paths.acks)
    return content


def read_acks(path: Path) -> dict[str, set[str]]:
    """Acknowledged event ids per sink; a missing file means none."""
    acked: dict[str, set[str]] = {}
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return acked
    for line in _complete_lines(data):
        sink, _, event_id = line.decode("utf-8", errors="replace").partition("\t")
        if sink and event_id:
            acked.setdefault(sink, set()).add(event_id)
    return acked


def _complete_lines(data: bytes) -> list[bytes]:
    # A last line without its newline was torn by a crash mid-write: it was never confirmed.
    end = data.rfind(b"\n") + 1
    return [line for line in data[:end].split(b"\n") if line.strip()]


def _names(value: object) -> tuple[str, ...] | None:
    return tuple(str(name) for name in value) if isinstance(value, list) else None


def _header(line: bytes) -> dict[str, object] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if isinstance(record, dict) and record.get("format") == SPOOL_FORMAT:
        return record
    return None


def spool_files(directory: Path) -> list[Path]:
    """Spool files oldest first (by modification time, then name): replay keeps run order."""
    if not directory.is_dir():
        return []
    files = [p for p in directory.iterdir() if p.suffix == EVENTS_SUFFIX and p.is_file()]
    return sorted(files, key=lambda p: (_mtime(p), p.name))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def remove_orphan_acks(directory: Path) -> None:
    """Delete ``.acks`` files whose ``.spool`` is gone (a crash between the two unlinks)."""
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if path.suffix == ACKS_SUFFIX and not path.with_suffix(EVENTS_SUFFIX).exists():
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def claimed(path: Path) -> Iterator[bytes | None]:
    """Lock a spool file for replay; yields its bytes, or ``None`` when a live run holds it.

    A file that vanished, or was unlinked by another replay while we waited, yields ``None``.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        yield None
        return
    with os.fdopen(fd, "rb") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        if os.fstat(fh.fileno()).st_nlink == 0:
            yield None
            return
        yield fh.read()
