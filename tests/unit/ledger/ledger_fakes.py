"""In-memory sinks implementing the ``Sink`` protocol, for the recorder and replay tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from change_control.ledger.events import LedgerEvent
from change_control.ledger.protocol import Sink, SinkResult

T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


class MemorySink:
    """Keeps events in order; idempotent by event id, like every real sink."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.events: list[LedgerEvent] = []
        self.calls = 0
        self.closed = False

    @property
    def ids(self) -> list[str]:
        return [e.event_id for e in self.events]

    def write(self, events: Sequence[LedgerEvent]) -> SinkResult:
        self.calls += 1
        known = set(self.ids)
        fresh = [e for e in events if e.event_id not in known]
        self.events.extend(fresh)
        return SinkResult(len(fresh), len(events) - len(fresh))

    def close(self) -> None:
        self.closed = True


class BrokenSink:
    """Fails every write, the way an unreachable database does."""

    def __init__(self, name: str = "broken") -> None:
        self.name = name
        self.calls = 0

    def write(self, events: Sequence[LedgerEvent]) -> SinkResult:
        self.calls += 1
        raise ConnectionError("store unreachable: connection refused")

    def close(self) -> None:
        raise OSError("already gone")


class Clock:
    """A clock that ticks one second per reading."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def run_events(run_id: str, count: int) -> list[LedgerEvent]:
    """``count`` events of one run: start, task results, end."""
    events = [LedgerEvent.new(run_id, "run_start", T0, {"change_id": "CHG0000001"})]
    events += [
        LedgerEvent.new(run_id, "task_result", T0 + timedelta(seconds=i), {"i": i})
        for i in range(1, count - 1)
    ]
    events.append(LedgerEvent.new(run_id, "run_end", T0 + timedelta(hours=1), {}))
    return events


def as_sinks(*sinks: Sink) -> list[Sink]:
    """The fakes typed as the protocol."""
    return list(sinks)
