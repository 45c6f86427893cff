"""The default sink: the store's ``run_events`` chain, ``runs`` rows and ``ledger_head``.

One batch is one transaction. Inside it the writer takes the chain lock (an advisory lock on
PostgreSQL; on SQLite ``Store.begin()`` opens with ``BEGIN IMMEDIATE``, which already admits one
writer at a time), reads the head, skips events the store already holds (a replay), links the
rest onto the head and moves the head. Two controllers appending at once therefore never link
onto the same head, and a crash leaves either the whole batch or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from change_control.ledger.events import (
    END_KINDS,
    GENESIS,
    LedgerEvent,
    canonical_json,
    chain_hash,
    run_status,
)
from change_control.ledger.protocol import SinkResult
from change_control.store.engine import Store, open_store
from change_control.store.schema import ledger_head, run_events, runs
from change_control.timeutil import utcnow

#: Key of the PostgreSQL advisory lock that serializes appends to the chain ("cglg").
CHAIN_LOCK_KEY = 0x63676C67
#: The one row of ``ledger_head``.
HEAD_ID = 1
#: How many event ids one ``IN (...)`` look-up carries (well under every driver's limit).
ID_CHUNK = 500


@dataclass(frozen=True)
class Head:
    """Where the chain ends: last ``seq``, its hash and how many events it holds."""

    seq: int
    hash: str
    count: int


class StoreSink:
    """Appends batches to the store's hash chain; idempotent by event id.

    Give it an open ``Store`` or a URL; a URL is opened at the first write, so a store that
    cannot be opened fails inside ``write`` (and the recorder spools) instead of at start-up.
    """

    name = "store"

    def __init__(self, store: Store | str, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._store = store if isinstance(store, Store) else None
        self._url = store if isinstance(store, str) else None
        self._owns_store = self._store is None
        self._clock = clock
        self._last_hash: str | None = None

    @property
    def last_hash(self) -> str | None:
        """The chain head after this sink's last successful write; ``None`` after a failure."""
        return self._last_hash

    def write(self, events: Sequence[LedgerEvent]) -> SinkResult:
        """Append ``events`` (those not yet stored) in one transaction."""
        self._last_hash = None
        store = self._open()
        with store.begin() as conn:
            _lock_chain(conn)
            head = read_head(conn)
            fresh = _unstored(conn, events)
            if fresh:
                head = _append(conn, head, fresh, self._clock())
                _apply_runs(conn, fresh)
        self._last_hash = head.hash
        return SinkResult(len(fresh), len(events) - len(fresh))

    def close(self) -> None:
        """Dispose of the engine when this sink opened it."""
        if self._owns_store and self._store is not None:
            self._store.dispose()
            self._store = None

    def _open(self) -> Store:
        if self._store is None:
            assert self._url is not None
            self._store = open_store(self._url)
        return self._store


def _lock_chain(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Released at commit or rollback; every appender takes the same key.
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")


def read_head(conn: Connection) -> Head:
    """The recorded head; without one, the last stored event (or the genesis)."""
    row = conn.execute(select(ledger_head).where(ledger_head.c.id == HEAD_ID)).mappings().first()
    if row is not None:
        return Head(int(row["seq"]), str(row["hash"]), int(row["count"]))
    last = conn.execute(
        select(run_events.c.seq, run_events.c.hash).order_by(run_events.c.seq.desc()).limit(1)
    ).first()
    if last is None:
        return Head(0, GENESIS, 0)
    count = conn.execute(select(func.count()).select_from(run_events)).scalar_one()
    return Head(int(last.seq), str(last.hash), int(count))


def _unstored(conn: Connection, events: Sequence[LedgerEvent]) -> list[LedgerEvent]:
    ids = [e.event_id for e in events]
    present: set[str] = set()
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        present.update(
            conn.execute(select(run_events.c.event_id).where(run_events.c.event_id.in_(chunk)))
            .scalars()
            .all()
        )
    fresh: list[LedgerEvent] = []
    for event in events:
        if event.event_id not in present:
            present.add(event.event_id)  # the same id twice in one batch is stored once
            fresh.append(event)
    return fresh


def _append(conn: Connection, head: Head, events: Sequence[LedgerEvent], now: datetime) -> Head:
    # A truncated tail can leave the head's seq above the table's; never reuse a seq.
    top = conn.execute(select(func.max(run_events.c.seq))).scalar_one_or_none() or 0
    seq = max(head.seq, int(top))
    prev = head.hash
    rows = []
    for event in events:
        seq += 1
        digest = chain_hash(prev, event)
        rows.append(
            {
                "seq": seq,
                "event_id": event.event_id,
                "run_id": event.run_id,
                "kind": event.kind,
                "at": event.at,
                "body": canonical_json(dict(event.body)),
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(insert(run_events), rows)
    new_head = Head(seq, prev, head.count + len(events))
    _write_head(conn, new_head, now)
    return new_head


def _write_head(conn: Connection, head: Head, now: datetime) -> None:
    values = {"seq": head.seq, "hash": head.hash, "count": head.count, "updated_at": now}
    done = conn.execute(update(ledger_head).where(ledger_head.c.id == HEAD_ID).values(values))
    if done.rowcount == 0:
        conn.execute(insert(ledger_head).values(id=HEAD_ID, **values))


def _apply_runs(conn: Connection, events: Iterable[LedgerEvent]) -> None:
    for event in events:
        if event.kind == "run_start":
            _upsert_run(conn, event.run_id, _start_values(event), {"status": "running"})
        elif event.kind in END_KINDS:
            _upsert_run(conn, event.run_id, _end_values(event), {"started_at": event.at})


def _start_values(event: LedgerEvent) -> dict[str, Any]:
    body = event.body
    return {
        "change_id": _text(body.get("change_id"), 64),
        "actor": _text(body.get("actor"), 255),
        "controller": _text(body.get("controller"), 255),
        "playbook": _text(body.get("playbook"), None),
        "started_at": event.at,
        "meta": _json_safe(body),
    }


def _end_values(event: LedgerEvent) -> dict[str, Any]:
    stats = event.body.get("stats")
    return {
        "status": run_status(event),
        "ended_at": event.at,
        "stats": _json_safe(stats) if isinstance(stats, Mapping) else None,
    }


def _upsert_run(
    conn: Connection, run_id: str, values: dict[str, Any], insert_only: dict[str, Any]
) -> None:
    done = conn.execute(update(runs).where(runs.c.id == run_id).values(values))
    if done.rowcount == 0:
        conn.execute(insert(runs).values(id=run_id, **{**insert_only, **values}))


def _text(value: object, limit: int | None) -> str | None:
    # Column widths are hard limits on PostgreSQL: an over-long value would fail the whole
    # batch on every retry, so it is cut rather than allowed to wedge the sink.
    if value is None:
        return None
    text = str(value).replace("\x00", "")
    return text if limit is None else text[:limit]


def _json_safe(value: Mapping[str, Any]) -> Any:
    # Plain JSON values (instants as text), without NUL characters, which JSONB refuses; the
    # exact body is kept in ``run_events`` anyway.
    return _strip_nul(json.loads(canonical_json(dict(value))))


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k.replace("\x00", ""): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    return value
