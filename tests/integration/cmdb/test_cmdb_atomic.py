"""An apply interrupted half way leaves the database exactly as it was (one transaction)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from change_control.store.engine import Store
from cmdb_sync.model import Ref
from tests.integration.cmdb.cmdb_support import T0, batch, days, dump, item, run_sync


class Injected(RuntimeError):
    """The failure the test injects."""


@pytest.mark.parametrize(
    "failing_table", ["ci_identifiers", "ci_relations", "ci_history", "cmdb_runs"]
)
def test_an_exception_mid_write_rolls_the_whole_sync_back(store: Store, failing_table: str) -> None:
    run_sync(store, batches=[batch("tfstate:p", item("a", v=1), item("b", v=1))])
    before = dump(store)
    follow = batch(
        "tfstate:p",
        item("a", v=2, refs=[Ref("depends_on", "b")]),
        item("b", v=1),
        item("c"),
        serial=2,
    )
    seen: list[str] = []

    def explode(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.split(None, 1)[0])
        # Bulk inserts are multi-row INSERTs on SQLite and COPY on PostgreSQL.
        if statement.startswith(("INSERT INTO " + failing_table, "COPY " + failing_table)):
            raise Injected(f"disk full while writing {failing_table}")

    event.listen(store.engine, "before_cursor_execute", explode)
    try:
        with pytest.raises(Injected):
            run_sync(store, now=T0 + days(1), batches=[follow])
    finally:
        event.remove(store.engine, "before_cursor_execute", explode)

    assert "UPDATE" in seen and {"INSERT", "COPY"} & set(seen)  # really half way through
    assert dump(store) == before
    report = run_sync(store, now=T0 + days(1), batches=[follow])
    assert (report.summary()["created"], report.summary()["updated"]) == (1, 1)
