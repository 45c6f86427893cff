"""The bulk writer: the same rows SQLAlchemy would write, and a writer thread that never hides
an error or runs a statement after one (SQLite and PostgreSQL)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from change_control.store.engine import Store
from change_control.store.schema import ci_history, ci_identifiers, cis
from cmdb_sync import bulk
from cmdb_sync.apply import CI_COLUMNS

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def ci_row(n: int, sources: dict[str, Any]) -> tuple[Any, ...]:
    """A ``cis`` row in ``CI_COLUMNS`` order: documents, instants, flags and nulls."""
    attributes = {"id": f"i-{n}", "tags": {"Name": f"web-{n}"}, "ports": [80, n], "on": n % 2 == 0}
    retired = T0 if n % 3 == 0 else None
    return (
        f"ci-{n:05d}", "vm_instance", f"web-{n}", None if n % 4 else "prod", attributes, sources,
        "unknown", [], "installed", n % 2 == 0, n % 5, T0, T0, 1, retired,
    )  # fmt: skip


def table_rows(store: Store, table: Any) -> list[tuple[Any, ...]]:
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]


def test_bulk_inserts_write_the_rows_sqlalchemy_writes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three statements' worth and a remainder: 2 full multi-row statements and a short one.
    monkeypatch.setattr(bulk, "PARAMETERS", 15 * 7)
    monkeypatch.setattr(bulk, "COPY_ROWS", 7)  # PostgreSQL: three COPY statements
    shared = {"tfstate:p": {"2026-11-22T10:00:00Z": ["id", "tags"]}}
    rows = [ci_row(n, shared) for n in range(17)]
    with store.begin() as conn:
        written = bulk.insert_rows(conn, cis, CI_COLUMNS, rows)
    assert written == 17
    ours = table_rows(store, cis)
    with store.begin() as conn:
        conn.execute(delete(cis))
        conn.execute(insert(cis), [dict(zip(CI_COLUMNS, row, strict=True)) for row in rows])
    assert ours == table_rows(store, cis)
    assert ours[3][4] == {"id": "i-3", "tags": {"Name": "web-3"}, "ports": [80, 3], "on": False}


def test_a_pipeline_raises_the_writers_error_and_runs_nothing_after_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PARAMETERS", 4 * 2)  # two identifier rows per statement
    monkeypatch.setattr(bulk, "COPY_ROWS", 2)
    with store.begin() as conn:
        bulk.insert_rows(conn, cis, CI_COLUMNS, [ci_row(1, {})])
    taken = [("ci-00001", "arn", f"arn:{n}", "s") for n in range(4)]
    history = [("ci-00001", T0, "s", "create", {}, "R1")]
    with pytest.raises(IntegrityError), store.begin() as conn, bulk.Pipeline(conn) as out:
        out.insert(ci_identifiers, ("ci_id", "kind", "value", "source"), taken)
        # The second statement collides with the first: (kind, value) is unique.
        out.insert(ci_identifiers, ("ci_id", "kind", "value", "source"), taken[2:] + taken[:1])
        columns = ("ci_id", "at", "source", "action", "changes", "run_id")
        out.insert(ci_history, columns, history)  # queued after the failure, or refused
        out.flush()
    assert table_rows(store, ci_identifiers) == []
    assert table_rows(store, ci_history) == []


def test_a_pipeline_runs_statements_in_order_and_restores_the_switch_interval(
    store: Store,
) -> None:
    interval = sys.getswitchinterval()
    with store.begin() as conn, bulk.Pipeline(conn) as out:
        assert sys.getswitchinterval() <= bulk.SWITCH_INTERVAL
        out.insert(cis, CI_COLUMNS, [ci_row(n, {}) for n in range(3)])
        # Runs after the queued insert, on the caller's thread, and returns its result.
        assert out.execute(delete(cis).where(cis.c.id == "ci-00001")).rowcount == 1
    assert sys.getswitchinterval() == interval
    assert [r[0] for r in table_rows(store, cis)] == ["ci-00000", "ci-00002"]
