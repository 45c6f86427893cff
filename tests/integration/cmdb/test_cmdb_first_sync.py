"""A first sync takes a shortcut for items that surely make new CIs (``FirstWriter``); it must
write exactly what the general path (identify, create, merge, bind) writes, row for row."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from change_control.store.engine import Store, open_store
from cmdb_sync.config import AuthorityRule, CmdbConfig
from cmdb_sync.model import DriftInfo, DriftStatus, Item, Ref
from cmdb_sync.sync import SyncRequest, sync
from tests.integration.cmdb.cmdb_support import T0, batch, dump, item, row_counts, run_sync

TF = "tfstate:first"
#: The general path: a rule on the name column means no item is "surely new".
BY_NAME = (("provider_id",), ("name",))
#: ``ami`` is not this source's to write; ``note`` may be written as null.
RULES = (
    AuthorityRule("tfstate", 10, attributes=("ami",), write=False),
    AuthorityRule("tfstate", 10, attributes=("note",), null_overwrites=True),
    AuthorityRule("tfstate", 20),
)


def items() -> list[Item]:
    """New CIs with refs forwards and backwards, nulls, a denied attribute and drift."""
    out = [
        item("a", refs=[Ref("depends_on", "b"), Ref("depends_on", "c")], ami="x", size=1),
        item("b", refs=[Ref("depends_on", "missing")], note=None, size=None, tags={"k": "v"}),
        item("c", ci_class="database", identifiers=[("arn", "arn:c"), ("provider_id", "x:c")]),
    ]
    drifted = Item("d", "vm_instance", "d", "prod", (("provider_id", "x:d"),), {"size": 2},
                   (Ref("depends_on", "a"),), DriftInfo(DriftStatus.DRIFTED, ("f-1",)))  # fmt: skip
    return [*out, drifted]


def counter() -> Callable[[], str]:
    made = iter(range(1000))
    return lambda: f"ci-{next(made):04d}"


def synced(path: Path, rules: tuple[tuple[str, ...], ...] | None) -> dict[str, list[Any]]:
    """The CMDB tables after one sync of ``items()`` into a new SQLite store at ``path``."""
    identification = {"*": rules} if rules else {}
    config = CmdbConfig(identification=identification, authority=RULES)
    store = open_store(f"sqlite:///{path}")
    try:
        request = SyncRequest((), config=config)
        sync(store, request, now=T0, new_id=counter(), batches=[batch(TF, *items())])
        return comparable(store)
    finally:
        store.dispose()


def comparable(store: Store) -> dict[str, list[Any]]:
    """The tables the plan writes, without what differs between two runs (the run id)."""
    tables = dump(store)
    out: dict[str, list[Any]] = {}
    for name in ("cis", "ci_identifiers", "ci_relations", "ci_history", "cmdb_bindings"):
        rows = [json.loads(line) for line in tables[name]]
        out[name] = [{k: v for k, v in row.items() if k != "run_id"} for row in rows]
    return out


def test_the_first_sync_shortcut_writes_what_the_general_path_writes(tmp_path: Path) -> None:
    fast = synced(tmp_path / "fast.db", None)
    general = synced(tmp_path / "general.db", BY_NAME)
    assert fast == general
    attributes = {row["id"]: row["attributes"] for row in fast["cis"]}
    assert attributes["ci-0000"] == {"size": 1}  # ami: not this source's to write
    assert attributes["ci-0001"] == {"note": None, "tags": {"k": "v"}}  # size: a null


def test_two_items_of_one_source_with_one_identifier_make_one_ci_and_an_error(
    store: Store,
) -> None:
    same_arn = [("arn", "arn:aws:ec2:eu-west-3:1:instance/i-1")]
    report = run_sync(
        store,
        batches=[batch(TF, item("i-1", identifiers=same_arn), item("i-1b", identifiers=same_arn))],
    )
    assert [(e.native_key, e.code) for e in report.plan.errors] == [("i-1b", "cmdb.same_ci")]
    assert row_counts(store)["cis"] == 1


def test_a_first_sync_of_new_items_reads_no_ci_back(store: Store) -> None:
    """Every CI of the run is planned in memory: none is looked up by id."""
    from sqlalchemy import event

    reads: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM cis" in statement:
            reads.append(statement)

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        report = run_sync(store, batches=[batch(TF, *items())])
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
    assert report.plan.created == 4
    assert reads == []
