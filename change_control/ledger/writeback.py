"""Write the run's outcome back to its change ticket as a work note, once, at run end.

CAB members read the ticket, not the ledger: the note tells them what the run did (status,
hosts ok/changed/failed, gated tasks allowed/denied) and anchors the ledger outside the store by
quoting the chain hash at the end of the run, so a store rewritten afterwards no longer matches
what the ticket says.

The note is written from the ``run_end`` (or ``run_interrupted``) event. Its body should carry
``change_id``, ``status``, ``stats`` and ``gated``; what it lacks is filled in from the events
this sink saw earlier in the same process. Delivery is at least once: after a crash between the
provider's answer and the spool's acknowledgement, a replay writes the note again (the note
names the event id, so a duplicate is recognisable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from change_control.ledger.events import END_KINDS, LedgerEvent, run_status
from change_control.ledger.protocol import HeadSource, SinkResult
from change_control.providers.base import ChangeProvider


@dataclass
class _Tally:
    change_id: str | None = None
    allowed: int = 0
    denied: int = 0
    seen: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class HostCounts:
    """Hosts by outcome: failed (failures or unreachable), else changed, else ok."""

    ok: int = 0
    changed: int = 0
    failed: int = 0


def host_counts(stats: object) -> HostCounts:
    """Count hosts by outcome from Ansible's per-host stats mapping."""
    ok = changed = failed = 0
    if isinstance(stats, Mapping):
        for host_stats in stats.values():
            if not isinstance(host_stats, Mapping):
                continue
            if host_stats.get("failures") or host_stats.get("unreachable"):
                failed += 1
            elif host_stats.get("changed"):
                changed += 1
            else:
                ok += 1
    return HostCounts(ok, changed, failed)


class WritebackSink:
    """Adds one work note per run end to the run's change through a ``ChangeProvider``."""

    name = "writeback"

    def __init__(
        self,
        provider: ChangeProvider,
        *,
        head_source: HeadSource | None = None,
        actor: str = "changegate",
    ) -> None:
        self._provider = provider
        self.head_source = head_source
        self._actor = actor
        self._runs: dict[str, _Tally] = {}

    def write(self, events: Sequence[LedgerEvent]) -> SinkResult:
        """Note the tallies; write a note for each run end in the batch."""
        written = 0
        for event in events:
            tally = self._runs.setdefault(event.run_id, _Tally())
            _observe(tally, event)
            if event.kind in END_KINDS:
                change_id = _text(event.body.get("change_id")) or tally.change_id
                if change_id:
                    text = self._note_text(event, tally)
                    self._provider.add_note(change_id, self._actor, text, event.at)
                    written += 1
        return SinkResult(written, 0)

    def close(self) -> None:
        """Nothing to release; the provider belongs to the caller."""

    def _note_text(self, event: LedgerEvent, tally: _Tally) -> str:
        body = event.body
        hosts = host_counts(body.get("stats"))
        allowed, denied = _gated(body.get("gated"), tally)
        head = self.head_source.last_hash if self.head_source is not None else None
        chain = head or "unavailable (the store did not take this run's events yet; spooled)"
        return (
            f"changegate run {event.run_id}: {run_status(event)}. "
            f"Hosts: {hosts.ok} ok, {hosts.changed} changed, {hosts.failed} failed. "
            f"Gated tasks: {allowed} allowed, {denied} denied. "
            f"Ledger chain hash: {chain}. (event {event.event_id})"
        )


def _observe(tally: _Tally, event: LedgerEvent) -> None:
    if event.event_id in tally.seen:
        return
    tally.seen.add(event.event_id)
    if event.kind == "run_start":
        tally.change_id = _text(event.body.get("change_id")) or tally.change_id
    elif event.kind == "gate_decision":
        if event.body.get("allowed"):
            tally.allowed += 1
        else:
            tally.denied += 1


def _gated(value: Any, tally: _Tally) -> tuple[int, int]:
    if isinstance(value, Mapping):
        return int(value.get("allowed", 0) or 0), int(value.get("denied", 0) or 0)
    return tally.allowed, tally.denied


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
