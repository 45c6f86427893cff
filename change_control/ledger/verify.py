"""Prove the ledger intact, or name the first place where it was tampered with.

``verify`` walks ``run_events`` in ``seq`` order inside one consistent snapshot and checks, for
every event, that its stored hash is the hash of its content linked to its ``prev_hash`` (else:
the event was edited) and that its ``prev_hash`` is the previous event's hash (else: an event
was deleted, inserted or moved). At the end the recorded ``ledger_head`` must match where the
chain actually ends (else: the tail was cut off, or rows were added behind the ledger's back).

What it proves and what it does not: anyone who can edit rows but not recompute every later
hash *and* the head is caught. Someone who rewrites the whole chain is caught only by comparing
with a copy held elsewhere: the JSON Lines sink, or the chain hash quoted in each run's
work note on the change ticket.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, RowMapping, select

from change_control.errors import NotFoundError
from change_control.ledger.events import GENESIS, chain_hash, instant_text
from change_control.ledger.protocol import BrokenLink, VerifyReport
from change_control.ledger.store_sink import HEAD_ID
from change_control.store.engine import Store
from change_control.store.schema import ledger_head, run_events, runs

#: Rows fetched per round trip while walking the chain.
FETCH = 1000
EDITED = "hash mismatch (event edited)"

__all__ = ["BrokenLink", "RunRecord", "VerifyReport", "event_dict", "export", "show", "verify"]


@contextmanager
def snapshot(store: Store) -> Iterator[Connection]:
    """A read transaction that sees one consistent state of the ledger.

    SQLite's deferred read transaction is a snapshot from its first read; PostgreSQL's default
    (read committed) is not, so a run appending during a long verify would look like rows added
    behind the head's back. Hence repeatable read there.
    """
    with store.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield conn


class _Walk:
    def __init__(self, run_id: str | None, head: RowMapping | None) -> None:
        self.run_id = run_id
        self.head = head
        self.prev_hash = GENESIS
        self.prev: Row[Any] | None = None
        self.total = 0
        self.checked = 0
        self.first: BrokenLink | None = None

    def step(self, row: Row[Any]) -> None:
        self.total += 1
        if self.run_id is None or row.run_id == self.run_id:
            self.checked += 1
        problem = self.problem(row)
        if problem is not None and self.first is None and self.affects(row, problem):
            self.first = BrokenLink(int(row.seq), str(row.event_id), str(row.run_id), problem)
        # Go on from the stored hash: one edited event is reported once, not at every later link.
        self.prev_hash = str(row.hash)
        self.prev = row

    def problem(self, row: Row[Any]) -> str | None:
        try:
            body = json.loads(row.body)
        except ValueError:
            return "body is not JSON (event edited)"
        content = {
            "event_id": row.event_id,
            "run_id": row.run_id,
            "kind": row.kind,
            "at": row.at,
            "body": body,
        }
        try:
            if chain_hash(str(row.prev_hash), content) != row.hash:
                return EDITED
        except (TypeError, ValueError):
            return EDITED
        if row.prev_hash != self.prev_hash:
            before = "the start of the chain" if self.prev is None else f"event {self.prev.seq}"
            return f"prev_hash does not match {before} (event deleted, inserted or reordered)"
        if self.head is not None and int(row.seq) > int(self.head["seq"]):
            return (
                f"event beyond the recorded head (seq {self.head['seq']}): "
                "added behind the ledger's back"
            )
        return None

    def affects(self, row: Row[Any], problem: str) -> bool:
        # An edit affects the edited event's run; a broken link affects the runs on both sides
        # of the gap, since a deleted event of either could have been there.
        if self.run_id is None or row.run_id == self.run_id:
            return True
        return problem != EDITED and self.prev is not None and self.prev.run_id == self.run_id

    def finish(self) -> None:
        if self.first is not None:
            return
        head = self.head
        problem = _head_problem(head, self.prev, self.total)
        if problem is None:
            return
        last_run = None if self.prev is None else str(self.prev.run_id)
        if self.run_id is None or last_run == self.run_id:
            seq = int(head["seq"]) if head is not None else None
            self.first = BrokenLink(seq, None, last_run, problem)


def _head_problem(head: RowMapping | None, last: Row[Any] | None, total: int) -> str | None:
    if head is None:
        return None if total == 0 else f"ledger head is missing but the chain holds {total} events"
    last_seq = 0 if last is None else int(last.seq)
    last_hash = GENESIS if last is None else str(last.hash)
    seq, count = int(head["seq"]), int(head["count"])
    if (seq, str(head["hash"]), count) == (last_seq, last_hash, total):
        return None
    if last_seq < seq or total < count:
        why = "tail truncated"
    elif last_seq > seq or total > count:
        why = "events added without moving the head"
    else:
        why = "last event rewritten"
    return (
        f"ledger head records {count} events / seq {seq} but the chain ends at "
        f"seq {last_seq} with {total} events ({why})"
    )


def verify(store: Store, run_id: str | None = None) -> VerifyReport:
    """Walk the whole chain; with ``run_id``, report only breaks that affect that run."""
    with snapshot(store) as conn:
        query = select(ledger_head).where(ledger_head.c.id == HEAD_ID)
        walk = _Walk(run_id, conn.execute(query).mappings().first())
        stmt = select(run_events).order_by(run_events.c.seq).execution_options(yield_per=FETCH)
        for row in conn.execute(stmt):
            walk.step(row)
        walk.finish()
        if run_id is not None and walk.checked == 0:
            _run_without_events(conn, run_id, walk)
    return VerifyReport(walk.first is None, walk.checked, walk.first)


def _run_without_events(conn: Connection, run_id: str, walk: _Walk) -> None:
    known = conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first()
    if known is None:
        raise NotFoundError(f"run {run_id!r}: no such run in the ledger")
    if walk.first is None:
        problem = "the run is registered but none of its events are in the chain (deleted)"
        walk.first = BrokenLink(None, None, run_id, problem)


def event_dict(row: Row[Any]) -> dict[str, Any]:
    """A stored event as plain JSON values (what ``export`` and ``show`` print)."""
    try:
        body: Any = json.loads(row.body)
    except ValueError:
        body = row.body
    return {
        "seq": int(row.seq),
        "event_id": row.event_id,
        "run_id": row.run_id,
        "kind": row.kind,
        "at": instant_text(row.at),
        "body": body,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def export(
    store: Store,
    since: datetime | None = None,
    until: datetime | None = None,
    run_id: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Stored events in chain order; ``since`` inclusive, ``until`` exclusive."""
    stmt = select(run_events).order_by(run_events.c.seq).execution_options(yield_per=FETCH)
    if since is not None:
        stmt = stmt.where(run_events.c.at >= since)
    if until is not None:
        stmt = stmt.where(run_events.c.at < until)
    if run_id is not None:
        stmt = stmt.where(run_events.c.run_id == run_id)
    with snapshot(store) as conn:
        for row in conn.execute(stmt):
            yield event_dict(row)


@dataclass(frozen=True)
class RunRecord:
    """One run: its ``runs`` row (``None`` if only events exist) and its events in order."""

    run: dict[str, Any] | None
    events: list[dict[str, Any]]


def show(store: Store, run_id: str) -> RunRecord:
    """The run header and events of ``run_id``, or ``NotFoundError``."""
    with snapshot(store) as conn:
        row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        events = [
            event_dict(r)
            for r in conn.execute(
                select(run_events).where(run_events.c.run_id == run_id).order_by(run_events.c.seq)
            )
        ]
    if row is None and not events:
        raise NotFoundError(f"run {run_id!r}: no such run in the ledger")
    run = None if row is None else {k: _plain(v) for k, v in row.items()}
    return RunRecord(run, events)


def _plain(value: Any) -> Any:
    return instant_text(value) if isinstance(value, datetime) else value
