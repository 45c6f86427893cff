"""Deliver spooled events to the sinks that missed them, exactly once per sink.

For every spool file not held by a live run (oldest first), and for every sink the run was
recorded for and this replay was given, the events that sink has not acknowledged are re-sent
in their recorded order, in batches. Sinks skip ids they already hold, so a replay after a crash
that came between a sink's commit and its acknowledgement writes nothing twice. A sink that
fails is not tried again during this replay; its events stay pending. A run's spool is deleted
once every sink in its header acknowledged every event.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from change_control.ledger import spool as spoolfile
from change_control.ledger.events import LedgerEvent
from change_control.ledger.protocol import Sink
from change_control.ledger.recorder import DEFAULT_BATCH, ReplayReport

log = logging.getLogger("changegate.ledger")


@dataclass
class _Tally:
    replayed: int = 0
    already_present: int = 0
    failed: int = 0
    unconfigured: dict[str, int] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    broken_sinks: set[str] = field(default_factory=set)

    def report(self) -> ReplayReport:
        return ReplayReport(
            self.replayed,
            self.already_present,
            self.failed,
            dict(sorted(self.unconfigured.items())),
            tuple(self.removed),
            tuple(self.busy),
        )


def replay(
    spool_dir: Path | str, sinks: Sequence[Sink], *, batch_size: int = DEFAULT_BATCH
) -> ReplayReport:
    """Re-send every spooled event not yet confirmed by a sink; see the module docstring."""
    directory = Path(spool_dir)
    tally = _Tally()
    for path in spoolfile.spool_files(directory):
        with spoolfile.claimed(path) as data:
            if data is None:
                if path.exists():
                    tally.busy.append(path.stem)
                continue
            paths = spoolfile.SpoolPaths(path, path.with_suffix(spoolfile.ACKS_SUFFIX))
            content = spoolfile.read_spool(paths, data)
            if _replay_run(content, sinks, tally, max(1, batch_size)):
                path.unlink(missing_ok=True)
                paths.acks.unlink(missing_ok=True)
                tally.removed.append(content.run_id)
    spoolfile.remove_orphan_acks(directory)
    return tally.report()


def _replay_run(
    content: spoolfile.SpoolContent, sinks: Sequence[Sink], tally: _Tally, batch_size: int
) -> bool:
    """Replay one run to each of its sinks; whether every sink now holds every event."""
    wanted = content.sinks if content.sinks is not None else tuple(s.name for s in sinks)
    given = {sink.name: sink for sink in sinks}
    acks = spoolfile.AckLog(content.paths.acks)
    complete = True
    try:
        for name in wanted:
            pending = content.pending(name)
            if not pending:
                continue
            sink = given.get(name)
            if sink is None:
                tally.unconfigured[name] = tally.unconfigured.get(name, 0) + len(pending)
                complete = False
            elif not _send(sink, content.run_id, pending, acks, tally, batch_size):
                complete = False
    finally:
        acks.close()
    return complete


def _send(
    sink: Sink,
    run_id: str,
    pending: list[LedgerEvent],
    acks: spoolfile.AckLog,
    tally: _Tally,
    batch_size: int,
) -> bool:
    if sink.name in tally.broken_sinks:
        tally.failed += len(pending)
        return False
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        try:
            result = sink.write(batch)
        except Exception as exc:  # the sink boundary: log, keep spooled
            tally.broken_sinks.add(sink.name)
            tally.failed += len(pending) - start
            log.warning(
                "changegate ledger: replay of run %s to sink %s failed (%s); still spooled",
                run_id,
                sink.name,
                exc,
            )
            return False
        tally.replayed += result.written
        tally.already_present += result.already_present
        acks.add(sink.name, [event.event_id for event in batch])
    return True
