"""Tampering with the stored ledger by raw SQL is caught, and the first broken link is named.

Every case runs on SQLite and on PostgreSQL. Each edit is what someone with write access to the
database could do by hand; ``verify`` must say where (seq) and what (problem).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select, text, update

from change_control.errors import NotFoundError
from change_control.ledger.events import canonical_json, chain_hash
from change_control.ledger.verify import verify
from change_control.store.engine import Store
from change_control.store.schema import run_events
from tests.integration.ledger.ledger_support import KnownLedger

MOVED = "(event deleted, inserted or reordered)"
EDITED = "hash mismatch (event edited)"


def sql(conn: Connection, statement: str, **params: Any) -> None:
    conn.execute(text(statement), params)


def edit_body(conn: Connection) -> None:
    sql(conn, "UPDATE run_events SET body = :b WHERE seq = 5", b='{"host":"web2","status":"ok"}')


def edit_kind(conn: Connection) -> None:
    sql(conn, "UPDATE run_events SET kind = 'note' WHERE seq = 5")


def edit_time(conn: Connection) -> None:
    at = conn.execute(select(run_events.c.at).where(run_events.c.seq == 5)).scalar_one()
    moved = at - timedelta(microseconds=1)
    conn.execute(update(run_events).where(run_events.c.seq == 5).values(at=moved))


def delete_middle(conn: Connection) -> None:
    sql(conn, "DELETE FROM run_events WHERE seq = 5")


def delete_first(conn: Connection) -> None:
    sql(conn, "DELETE FROM run_events WHERE seq = 1")


def swap_bodies(conn: Connection) -> None:
    rows = {r.seq: r.body for r in conn.execute(text("SELECT seq, body FROM run_events"))}
    sql(conn, "UPDATE run_events SET body = :b WHERE seq = 5", b=rows[6])
    sql(conn, "UPDATE run_events SET body = :b WHERE seq = 6", b=rows[5])


def swap_order(conn: Connection) -> None:
    sql(conn, "UPDATE run_events SET seq = -5 WHERE seq = 5")
    sql(conn, "UPDATE run_events SET seq = 5 WHERE seq = 6")
    sql(conn, "UPDATE run_events SET seq = 6 WHERE seq = -5")


def truncate_tail(conn: Connection) -> None:
    sql(conn, "DELETE FROM run_events WHERE seq > 8")


def delete_head(conn: Connection) -> None:
    sql(conn, "DELETE FROM ledger_head")


def _forged_row(conn: Connection, seq: int, after: int) -> dict[str, Any]:
    # Read through the table so ``at`` comes back as an instant on SQLite too.
    query = select(run_events.c.hash, run_events.c.at).where(run_events.c.seq == after)
    prev = conn.execute(query).one()
    at = prev.at
    event = {
        "event_id": "f" * 32,
        "run_id": "A",
        "kind": "gate_decision",
        "at": at,
        "body": {"allowed": True, "host": "db1"},
    }
    # A careful forger computes a correct hash linked to the event before.
    row = {**event, "seq": seq, "body": canonical_json(event["body"]), "prev_hash": prev.hash}
    return {**row, "hash": chain_hash(prev.hash, event)}


INSERT = (
    "INSERT INTO run_events (seq, event_id, run_id, kind, at, body, prev_hash, hash) "
    "VALUES (:seq, :event_id, :run_id, :kind, :at, :body, :prev_hash, :hash)"
)


def forge_in_the_middle(conn: Connection) -> None:
    forged = _forged_row(conn, 6, after=5)
    sql(conn, "UPDATE run_events SET seq = seq + 100 WHERE seq > 5")
    sql(conn, INSERT, **forged)


def forge_at_the_end(conn: Connection) -> None:
    sql(conn, INSERT, **_forged_row(conn, 11, after=10))


CASES: list[tuple[str, Callable[[Connection], None], int | None, str]] = [
    ("edit one event's body", edit_body, 5, EDITED),
    ("edit one event's kind", edit_kind, 5, EDITED),
    ("edit one event's time by a microsecond", edit_time, 5, EDITED),
    ("delete one event", delete_middle, 6, f"prev_hash does not match event 4 {MOVED}"),
    (
        "delete the first event",
        delete_first,
        2,
        f"prev_hash does not match the start of the chain {MOVED}",
    ),
    ("swap two events' bodies", swap_bodies, 5, EDITED),
    ("swap two events' order", swap_order, 5, f"prev_hash does not match event 4 {MOVED}"),
    (
        "insert a forged event",
        forge_in_the_middle,
        106,
        f"prev_hash does not match event 6 {MOVED}",
    ),
    (
        "append a forged event",
        forge_at_the_end,
        11,
        "event beyond the recorded head (seq 10): added behind the ledger's back",
    ),
    (
        "truncate the tail",
        truncate_tail,
        10,
        "ledger head records 10 events / seq 10 but the chain ends at seq 8 with 8 events "
        "(tail truncated)",
    ),
    ("delete the head", delete_head, None, "ledger head is missing but the chain holds 10 events"),
]


@pytest.mark.parametrize(
    ("tamper", "seq", "problem"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_tampering_is_caught_at_the_first_broken_link(
    store: Store,
    known: KnownLedger,
    tamper: Callable[[Connection], None],
    seq: int | None,
    problem: str,
) -> None:
    with store.begin() as conn:
        tamper(conn)
    report = verify(store)
    assert not report.ok
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.problem) == (seq, problem)


def test_an_untouched_ledger_verifies(store: Store, known: KnownLedger) -> None:
    report = verify(store)
    assert (report.ok, report.checked, report.first_broken) == (True, 10, None)


def test_an_empty_ledger_verifies(store: Store) -> None:
    assert verify(store).ok


def test_the_broken_link_names_the_event_and_its_run(store: Store, known: KnownLedger) -> None:
    with store.begin() as conn:
        edit_body(conn)
    broken = verify(store).first_broken
    assert broken is not None
    assert (broken.event_id, broken.run_id) == (known.events[4].event_id, "B")


def test_a_run_checks_only_its_events_and_ignores_edits_to_other_runs(
    store: Store, known: KnownLedger
) -> None:
    with store.begin() as conn:
        edit_body(conn)  # seq 5 belongs to run B
    run_a, run_b = verify(store, "A"), verify(store, "B")
    assert (run_a.ok, run_a.checked) == (True, 5)
    assert (run_b.ok, run_b.checked) == (False, 5)
    assert run_b.first_broken is not None and run_b.first_broken.seq == 5


def test_a_deletion_breaks_the_runs_on_both_sides_of_the_gap(
    store: Store, known: KnownLedger
) -> None:
    with store.begin() as conn:
        sql(conn, "DELETE FROM run_events WHERE seq = 3")  # A's task, between A (2) and B (4)
    for run_id in ("A", "B"):
        broken = verify(store, run_id).first_broken
        assert broken is not None
        assert (broken.seq, broken.problem) == (4, f"prev_hash does not match event 2 {MOVED}")


def test_a_registered_run_whose_events_all_vanished_is_tampered(
    store: Store, known: KnownLedger
) -> None:
    with store.begin() as conn:
        sql(conn, "DELETE FROM run_events")
        sql(conn, "DELETE FROM ledger_head")
    report = verify(store, "A")
    assert report.first_broken is not None
    assert "none of its events are in the chain" in report.first_broken.problem


def test_verifying_an_unknown_run_is_an_error(store: Store, known: KnownLedger) -> None:
    with pytest.raises(NotFoundError, match="no such run"):
        verify(store, "nope")
