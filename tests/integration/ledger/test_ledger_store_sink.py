"""The store sink on SQLite and PostgreSQL: one transaction per batch, idempotent, runs rows."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from change_control.ledger.events import GENESIS, LedgerEvent, canonical_json, chain_hash
from change_control.ledger.store_sink import StoreSink, read_head
from change_control.ledger.verify import export, show, verify
from change_control.store.engine import Store
from change_control.store.schema import run_events
from tests.integration.ledger.ledger_support import T0, KnownLedger, known_events


def stored(store: Store) -> list[tuple[int, str, str, str]]:
    with store.read() as conn:
        rows = conn.execute(
            select(
                run_events.c.seq, run_events.c.event_id, run_events.c.prev_hash, run_events.c.hash
            ).order_by(run_events.c.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_batch_is_chained_onto_the_head_and_the_head_moves(
    store: Store, known: KnownLedger
) -> None:
    rows = stored(store)
    assert [r[0] for r in rows] == list(range(1, 11))
    assert [r[1] for r in rows] == [e.event_id for e in known.events]
    assert rows[0][2] == GENESIS
    assert rows[0][3] == chain_hash(GENESIS, known.events[0])
    assert all(b[2] == a[3] for a, b in itertools.pairwise(rows))
    with store.read() as conn:
        head = read_head(conn)
    assert (head.seq, head.hash, head.count) == (10, rows[-1][3], 10)


def test_the_body_is_stored_as_canonical_json_and_read_back_exactly(
    store: Store, known: KnownLedger
) -> None:
    [first, *_] = list(export(store))
    assert first["body"] == dict(known.events[0].body)
    with store.read() as conn:
        body = conn.execute(select(run_events.c.body).where(run_events.c.seq == 1)).scalar_one()
    assert body == canonical_json(dict(known.events[0].body))
    assert first["at"] == "2026-11-22T09:00:00.250000Z"


def test_resending_a_batch_stores_nothing_twice(store: Store, known: KnownLedger) -> None:
    result = StoreSink(store).write(known.events[3:8])
    assert (result.written, result.already_present) == (0, 5)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(run_events)).scalar_one() == 10
        assert read_head(conn).count == 10
    assert verify(store).ok


def test_a_batch_mixing_new_and_stored_events_appends_only_the_new(store: Store) -> None:
    events = known_events()
    sink = StoreSink(store)
    sink.write(events[:4])
    result = sink.write(events[2:] + events[9:])  # overlap, plus one id twice in the batch
    assert (result.written, result.already_present) == (6, 3)
    assert [r[1] for r in stored(store)] == [e.event_id for e in events]
    assert sink.last_hash == stored(store)[-1][3]
    assert verify(store).ok


def test_runs_rows_follow_start_and_end_events(store: Store, known: KnownLedger) -> None:
    run = show(store, "A").run
    assert run is not None
    assert run["change_id"] == "CHG0000001"
    assert run["actor"] == "alice"
    assert run["status"] == "ok"
    assert run["started_at"] == "2026-11-22T09:00:00.250000Z"
    assert run["ended_at"] == "2026-11-22T09:00:07.250000Z"
    assert run["stats"] == {"web1": {"ok": 3, "changed": 1, "failures": 0}}
    assert run["meta"] == {"change_id": "CHG0000001", "actor": "alice"}
    assert [e["kind"] for e in show(store, "A").events] == [
        "run_start",
        "task_result",
        "task_result",
        "task_result",
        "run_end",
    ]


def test_a_running_then_interrupted_run_is_marked_interrupted(store: Store) -> None:
    sink = StoreSink(store)
    sink.write([LedgerEvent.new("r1", "run_start", T0, {"change_id": "CHG1"})])
    assert show(store, "r1").run["status"] == "running"  # type: ignore[index]
    sink.write([LedgerEvent.new("r1", "run_interrupted", T0 + timedelta(minutes=1), {})])
    assert show(store, "r1").run["status"] == "interrupted"  # type: ignore[index]


def test_a_run_end_without_its_start_still_makes_a_runs_row(store: Store) -> None:
    StoreSink(store).write([LedgerEvent.new("r2", "run_end", T0, {"status": "failed"})])
    run = show(store, "r2").run
    assert run is not None
    assert (run["status"], run["started_at"]) == ("failed", "2026-11-22T09:00:00.250000Z")


def test_values_the_columns_cannot_hold_do_not_wedge_the_sink(store: Store) -> None:
    body = {"change_id": "C" * 100, "actor": "nul\x00byte", "note": "nul\x00byte"}
    StoreSink(store).write([LedgerEvent.new("r3", "run_start", T0, body)])
    run = show(store, "r3").run
    assert run is not None
    assert run["change_id"] == "C" * 64
    assert run["actor"] == "nulbyte"
    assert show(store, "r3").events[0]["body"]["note"] == "nul\x00byte"
    assert verify(store).ok


def test_export_filters_by_time_and_run(store: Store, known: KnownLedger) -> None:
    since, until = T0 + timedelta(seconds=2), T0 + timedelta(seconds=6)
    assert [e["seq"] for e in export(store, since, until)] == [3, 4, 5, 6]
    assert [e["seq"] for e in export(store, run_id="B")] == [4, 5, 7, 9, 10]
    assert [e["seq"] for e in export(store, since=since, run_id="A")] == [3, 6, 8]


def test_two_writers_appending_at_once_keep_one_verifiable_chain(
    store: Store, store_url: str
) -> None:
    batches, per_batch = 8, 25
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(run_id: str) -> None:
        sink = StoreSink(store_url)  # an engine and connections of its own
        try:
            start.wait()
            for b in range(batches):
                at = datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=b)
                sink.write(
                    [
                        LedgerEvent.new(run_id, "task_result", at, {"b": b, "i": i})
                        for i in range(per_batch)
                    ]
                )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            sink.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    report = verify(store)
    assert (report.ok, report.checked) == (True, 2 * batches * per_batch)
    runs_in_order = [e["run_id"] for e in export(store)]
    assert runs_in_order.count("w1") == runs_in_order.count("w2") == batches * per_batch
    for run_id in ("w1", "w2"):
        bodies = [(e["body"]["b"], e["body"]["i"]) for e in export(store, run_id=run_id)]
        assert bodies == sorted(bodies)
