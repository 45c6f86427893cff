"""The reconciler end to end on SQLite and PostgreSQL, with inputs built in memory.

Precedence, staleness and the circuit breaker are table-driven; identification errors, edges
kept while any source asserts them, rebinding, and "sync applies exactly the dry-run plan".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from change_control.store.engine import Store
from change_control.store.schema import ci_relations, cis, cmdb_bindings
from cmdb_sync.config import CmdbConfig, Staleness
from cmdb_sync.model import InputBatch, Ref
from cmdb_sync.planner import RunRefused
from cmdb_sync.repository import expand_writers
from cmdb_sync.sync import SyncRequest, sync
from tests.integration.cmdb.cmdb_support import T0, batch, days, dump, item, row_counts, run_sync


def ci_rows(store: Store) -> dict[str, dict[str, Any]]:
    """CI name -> row."""
    with store.read() as conn:
        return {r.name: dict(r._mapping) for r in conn.execute(select(cis))}


def edges(store: Store) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """(parent name, child name, type, sources) of every edge."""
    with store.read() as conn:
        names = dict(conn.execute(select(cis.c.id, cis.c.name)).all())
        rows = conn.execute(select(ci_relations))
        return {(names[r.parent_id], names[r.child_id], r.type, tuple(r.sources)) for r in rows}


# ---------------------------------------------------------------- precedence

TF, SNAP = "tfstate:prod", "snapshot:live"

# (case, [(source, serial, value, days after T0)], expected value, expected last writer)
PRECEDENCE: list[tuple[str, list[tuple[str, int, str, float]], str, str]] = [
    ("declared alone", [(TF, 1, "t2", 0)], "t2", TF),
    ("live outranks declared", [(TF, 1, "t2", 0), (SNAP, 1, "t3", 0)], "t3", SNAP),
    ("declared cannot override fresh live", [(SNAP, 1, "t3", 0), (TF, 1, "t2", 0.5)], "t3", SNAP),
    ("declared takes over once live is stale", [(SNAP, 1, "t3", 0), (TF, 1, "t2", 1.5)], "t2", TF),
    (
        "live confirming declared takes the attribute",
        [(TF, 1, "t2", 0), (SNAP, 1, "t2", 0)],
        "t2",
        SNAP,
    ),
    (
        "the last writer may change its own value",
        [(SNAP, 1, "t3", 0), (SNAP, 2, "t4", 0.1)],
        "t4",
        SNAP,
    ),
]


@pytest.mark.parametrize(
    ("case", "runs", "value", "writer"), PRECEDENCE, ids=[c[0] for c in PRECEDENCE]
)
def test_attribute_precedence_follows_the_authority_rules(
    store: Store, case: str, runs: list[tuple[str, int, str, float]], value: str, writer: str
) -> None:
    for source, serial, instance_type, offset in runs:
        run_sync(
            store,
            now=T0 + days(offset),
            batches=[batch(source, item("i-1", instance_type=instance_type), serial=serial)],
        )
    row = ci_rows(store)["i-1"]
    assert row["attributes"]["instance_type"] == value, case
    assert expand_writers(row["attribute_sources"])["instance_type"].source == writer


def test_a_blocked_source_takes_over_when_due_even_if_its_input_did_not_change(
    store: Store,
) -> None:
    run_sync(store, batches=[batch(SNAP, item("i-1", size="live"))])
    declared = batch(TF, item("i-1", size="declared"))
    run_sync(store, now=T0 + days(0.5), batches=[declared])
    assert ci_rows(store)["i-1"]["attributes"]["size"] == "live"
    with store.read() as conn:
        due = conn.execute(
            select(cmdb_bindings.c.due_at).where(cmdb_bindings.c.source == TF)
        ).scalar()
    assert due == T0 + days(1)
    again = run_sync(store, now=T0 + days(2), batches=[declared])  # same input, but due
    assert again.summary()["updated"] == 1
    assert ci_rows(store)["i-1"]["attributes"]["size"] == "declared"


# ---------------------------------------------------------------- staleness

STALE = CmdbConfig(
    staleness=Staleness(stale_after_runs=1, retire_after_runs=3, delete_after=timedelta(days=30))
)

# Runs of one complete source; each row: the keys it reports, then d's expected status.
LIFECYCLE: list[tuple[Sequence[str], str]] = [
    (("a", "b", "c", "d"), "installed"),
    (("a", "b", "c"), "stale"),
    (("a", "b", "c"), "stale"),
    (("a", "b", "c"), "retired"),
    (("a", "b", "c"), "retired"),  # no further writes for a retired item
    (("a", "b", "c", "d"), "installed"),
]


def test_missing_items_go_stale_then_retired_and_come_back(store: Store) -> None:
    for number, (keys, status) in enumerate(LIFECYCLE, start=1):
        report = run_sync(
            store, now=T0 + days(number), config=STALE,
            batches=[batch(TF, *(item(k) for k in keys), serial=number)],
        )  # fmt: skip
        assert ci_rows(store)["d"]["install_status"] == status, f"run {number}"
        if number == 4:
            assert report.summary()["retired"] == 1
        if number == 5:
            assert report.summary()["updated"] == 0
    history = [a for a in _actions(store, "d")]
    assert history == ["create", "stale", "retire", "restore"]


def _actions(store: Store, name: str) -> list[str]:
    from cmdb_sync.query import history

    with store.read() as conn:
        ci_id = conn.execute(select(cis.c.id).where(cis.c.name == name)).scalar_one()
        return [e.action for e in history(conn, ci_id)]


def test_a_partial_input_never_ages_anything(store: Store) -> None:
    run_sync(store, config=STALE, batches=[batch(TF, item("a"), item("b"))])
    partial = batch(TF, item("a"), complete=False, serial=2)
    report = run_sync(store, now=T0 + days(1), config=STALE, batches=[partial])
    assert ci_rows(store)["b"]["install_status"] == "installed"
    assert report.summary()["updated"] == 0


def test_retired_cis_are_deleted_after_retention_only_if_this_tool_created_them(
    store: Store,
) -> None:
    keys = ("a", "b", "c", "d", "e", "f")
    run_sync(store, config=STALE, batches=[batch(TF, *(item(k) for k in keys))])
    with store.begin() as conn:
        conn.execute(update(cis).where(cis.c.name == "f").values(created_by_tool=False))
    for number in range(2, 5):
        run_sync(store, now=T0 + days(number), config=STALE, force=True,
                 batches=[batch(TF, *(item(k) for k in keys[:4]), serial=number)])  # fmt: skip
    assert {n: r["install_status"] for n, r in ci_rows(store).items()}["e"] == "retired"
    assert (
        run_sync(
            store,
            now=T0 + days(20),
            config=STALE,
            batches=[batch(TF, *(item(k) for k in keys[:4]), serial=4)],
        ).writes
        == 0
    )
    report = run_sync(
        store,
        now=T0 + days(40),
        config=STALE,
        batches=[batch(TF, *(item(k) for k in keys[:4]), serial=4)],
    )
    assert [d.name for d in report.plan.deletes] == ["e"]
    assert set(ci_rows(store)) == {"a", "b", "c", "d", "f"}
    assert ci_rows(store)["f"]["install_status"] == "retired"


# ---------------------------------------------------------------- circuit breaker

# (items reported after 4 were present, force, refused?)
BREAKER: list[tuple[int, bool, bool]] = [
    (4, False, False),
    (2, False, False),
    (1, False, True),
    (1, True, False),
    (0, False, True),
    (0, True, False),
]


@pytest.mark.parametrize(("left", "force", "refused"), BREAKER)
def test_the_circuit_breaker_refuses_mass_retirement_unless_forced(
    store: Store, left: int, force: bool, refused: bool
) -> None:
    keys = ("a", "b", "c", "d")
    run_sync(store, batches=[batch(TF, *(item(k) for k in keys))])
    before = dump(store)
    follow = batch(TF, *(item(k) for k in keys[:left]), serial=2)
    if refused:
        with pytest.raises(RunRefused) as caught:
            run_sync(store, now=T0 + days(1), force=force, batches=[follow])
        assert "\n" not in caught.value.message and "--force" in caught.value.message
        assert dump(store) == before
    else:
        report = run_sync(store, now=T0 + days(1), force=force, batches=[follow])
        assert report.summary()["updated"] == len(keys) - left


# ---------------------------------------------------------------- relations


def test_an_edge_stays_while_any_source_asserts_it(store: Store) -> None:
    def source(name: str, serial: int, *, refs: bool) -> InputBatch:
        web = item("web", refs=[Ref("depends_on", "db")] if refs else [])
        return batch(name, web, item("db"), serial=serial)

    run_sync(store, batches=[source("tfstate:a", 1, refs=True), source("tfstate:b", 1, refs=True)])
    assert edges(store) == {("web", "db", "depends_on", ("tfstate:a", "tfstate:b"))}
    removed = run_sync(store, now=T0 + days(0.1), batches=[source("tfstate:a", 2, refs=False)])
    assert removed.summary()["relations_removed"] == 0
    assert edges(store) == {("web", "db", "depends_on", ("tfstate:b",))}
    gone = run_sync(store, now=T0 + days(0.2), batches=[source("tfstate:b", 2, refs=False)])
    assert gone.summary()["relations_removed"] == 1
    assert edges(store) == set()


# ---------------------------------------------------------------- identification


def test_ambiguous_and_duplicate_items_are_error_items_and_the_rest_applies(store: Store) -> None:
    by_name = CmdbConfig(identification={"*": (("provider_id",), ("name",))})
    run_sync(
        store, config=by_name, batches=[batch(TF, item("a", name="web"), item("b", name="web-b"))]
    )
    both_web = batch(TF, item("a", name="web"), item("b", name="web"), serial=2)
    run_sync(store, now=T0 + days(0.1), config=by_name, batches=[both_web])
    other = batch(
        "tfstate:other",
        item("x", name="web", identifiers=[]),
        item("y", name="db", identifiers=[]),
        item("y", name="db-again", identifiers=[]),
    )
    report = run_sync(store, now=T0 + days(0.2), config=by_name, batches=[other])
    codes = sorted((e.native_key, e.code) for e in report.plan.errors)
    assert codes == [("x", "cmdb.multi_match"), ("y", "cmdb.duplicate_key")]
    assert report.summary()["created"] == 1  # y, once
    assert row_counts(store)["cis"] == 3


def test_a_source_whose_key_for_a_ci_changes_rebinds_instead_of_duplicating(store: Store) -> None:
    fqdn = [("fqdn", "web.example.org")]
    host = CmdbConfig()
    run_sync(
        store,
        config=host,
        batches=[batch("ansible:i", item("host:web", ci_class="host", identifiers=fqdn))],
    )
    renamed = item("machine:m-1", ci_class="host", identifiers=[*fqdn, ("machine_id", "m-1")])
    report = run_sync(
        store, now=T0 + days(0.1), config=host, batches=[batch("ansible:i", renamed, serial=2)]
    )
    assert report.summary()["created"] == 0
    with store.read() as conn:
        keys = conn.execute(select(cmdb_bindings.c.native_key)).scalars().all()
    assert keys == ["machine:m-1"]
    assert row_counts(store)["cis"] == 1


def test_sync_applies_exactly_the_plan_a_dry_run_prints(store: Store) -> None:
    run_sync(store, batches=[batch(TF, item("a", v=1), item("b", v=1), item("c"))])
    follow = batch(
        TF, item("a", v=2, refs=[Ref("depends_on", "b")]), item("b", v=1), item("d"), serial=2
    )

    def ids() -> Any:
        counter = itertools.count()
        return lambda: f"ci-new-{next(counter)}"

    before = dump(store)
    dry = sync(
        store, SyncRequest((), dry_run=True), now=T0 + days(1), new_id=ids(), batches=[follow]
    )
    assert dump(store) == before and dry.writes == 0
    real = sync(store, SyncRequest(()), now=T0 + days(1), new_id=ids(), batches=[follow])
    assert real.summary() | {"writes": 0} == dry.summary()
    for field in ("cis", "journal", "bindings", "edges", "identifiers", "sources", "deletes"):
        assert getattr(real.plan, field) == getattr(dry.plan, field), field
