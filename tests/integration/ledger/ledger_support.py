"""Shared helpers of the ledger's store tests (imported by name: this folder is no package).

The known ledger interleaves two runs the way concurrent plays do, so a broken link always has
events of both runs around it:

    seq  1 A run_start   2 A task   3 A task   4 B run_start   5 B task
    seq  6 A task        7 B task   8 A run_end  9 B task      10 B run_end
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from change_control.ledger.events import LedgerEvent

T0 = datetime(2026, 11, 22, 9, 0, 0, 250000, tzinfo=UTC)
LAYOUT = ["A", "A", "A", "B", "B", "A", "B", "A", "B", "B"]


@dataclass(frozen=True)
class KnownLedger:
    """The ten events, in seq order (``events[0]`` has seq 1)."""

    events: list[LedgerEvent]

    def of(self, run_id: str) -> list[LedgerEvent]:
        return [e for e in self.events if e.run_id == run_id]


def _kind(run_id: str, index: int, layout: list[str]) -> str:
    mine = [i for i, r in enumerate(layout) if r == run_id]
    if index == mine[0]:
        return "run_start"
    return "run_end" if index == mine[-1] else "task_result"


def known_events() -> list[LedgerEvent]:
    """The ten events of ``LAYOUT`` with bodies a real run would have."""
    events = []
    for index, run_id in enumerate(LAYOUT):
        kind = _kind(run_id, index, LAYOUT)
        body: dict[str, object] = {"host": f"web{index % 3}", "status": "ok", "n": index}
        if kind == "run_start":
            body = {"change_id": f"CHG000000{1 if run_id == 'A' else 2}", "actor": "alice"}
        elif kind == "run_end":
            body = {"stats": {"web1": {"ok": 3, "changed": 1, "failures": 0}}}
        events.append(LedgerEvent.new(run_id, kind, T0 + timedelta(seconds=index), body))
    return events
