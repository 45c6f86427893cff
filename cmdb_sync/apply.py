"""Write a ``Plan`` on the caller's transaction: bulk statements, versions checked, rows counted.

Inserts go in bulk statements (multi-row ``INSERT`` on SQLite, ``COPY`` on PostgreSQL) on a
writer thread (``bulk.Pipeline``) while the next rows are converted; updates and deletes go in
one ``executemany`` per operation after the queued inserts, so the first sync of 100,000 CIs
is a few hundred statements, not 800,000. Updates of CIs and edges are conditional on the
version the plan read; if any row moved underneath (another data source's sync committed in
between), ``ConflictError`` is raised and the caller rolls the whole transaction back and
plans again. The return value is the number of rows written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, update
from sqlalchemy.sql.dml import Delete, Update

from change_control.errors import ConflictError
from change_control.store.schema import (
    ci_history,
    ci_identifiers,
    ci_relations,
    cis,
    cmdb_bindings,
    cmdb_runs,
    cmdb_sources,
)
from cmdb_sync.bulk import Pipeline
from cmdb_sync.plan import DELETE, INSERT, UPDATE, Plan
from cmdb_sync.repository import chunks


def apply_plan(conn: Connection, plan: Plan) -> int:
    """Write every row of ``plan``; ``ConflictError`` if a versioned row changed meanwhile."""
    if plan.empty:
        return 0
    with Pipeline(conn) as out:
        writes = _deletes(out, plan)
        writes += _cis(out, plan)
        writes += _identifiers(out, plan)
        writes += _bindings(out, plan)
        writes += _edges(out, plan)
        writes += _dues(out, plan)
        writes += _journal(out, plan)
        writes += _sources(out, plan)
    conn.execute(
        insert(cmdb_runs).values(
            id=plan.run_id,
            started_at=plan.now,
            sources=[i.to_dict() for i in plan.inputs],
            summary=plan.summary(writes + 1),
            deleted=[{"id": d.ci_id, "class": d.ci_class, "name": d.name} for d in plan.deletes],
            forced=plan.forced,
        )
    )
    return writes + 1


def _checked(
    out: Pipeline, statement: Update | Delete, rows: Sequence[dict[str, Any]], what: str
) -> int:
    """Run a versioned update/delete for every row; every row must have matched."""
    if not rows:
        return 0
    done = out.execute(statement, list(rows)).rowcount
    if done != len(rows):
        raise ConflictError(
            f"{len(rows) - done} {what} changed while this sync was planned; planning again"
        )
    return len(rows)


def _deletes(out: Pipeline, plan: Plan) -> int:
    """Deleted CIs take their journal, identifiers, bindings and edges with them."""
    ids = [d.ci_id for d in plan.deletes]
    count = 0
    for part in chunks(ids):
        for table in (ci_history, ci_identifiers, cmdb_bindings):
            count += out.execute(delete(table).where(table.c.ci_id.in_(part))).rowcount
    edges = [{"e_id": e.id, "e_version": e.version} for e in plan.edges if e.op == DELETE]
    statement = delete(ci_relations).where(
        ci_relations.c.id == bindparam("e_id"), ci_relations.c.version == bindparam("e_version")
    )
    count += _checked(out, statement, edges, "relations")
    for part in chunks(ids):
        count += out.execute(delete(cis).where(cis.c.id.in_(part))).rowcount
    return count


#: Column order of the bulk inserts (the tables' own order, see ``bulk.insert_rows``).
CI_COLUMNS = (
    "id", "ci_class", "name", "environment", "attributes", "attribute_sources", "drift_status",
    "drift_findings", "install_status", "created_by_tool", "unseen_runs", "first_seen",
    "last_seen", "version", "retired_at",
)  # fmt: skip


def _cis(out: Pipeline, plan: Plan) -> int:
    now = plan.now
    new = [
        (c.ci_id, c.ci_class, v["name"], v["environment"], v["attributes"],
         v["attribute_sources"], v["drift_status"], v["drift_findings"], v["install_status"],
         True, v["unseen_runs"], now, now, 1, v["retired_at"])
        for c in plan.cis if c.is_new and (v := c.values) is not None
    ]  # fmt: skip
    out.insert(cis, CI_COLUMNS, new)
    changed = [
        {**{f"v_{k}": v for k, v in c.values.items()}, "c_id": c.ci_id, "c_version": c.version}
        for c in plan.cis
        if not c.is_new
    ]
    if not changed:
        return len(new)
    columns = list(plan.cis[0].values) if plan.cis else []
    statement = (
        update(cis)
        .where(cis.c.id == bindparam("c_id"), cis.c.version == bindparam("c_version"))
        .values(version=cis.c.version + 1, **{k: bindparam(f"v_{k}") for k in columns})
    )
    return len(new) + _checked(out, statement, changed, "CIs")


def _identifiers(out: Pipeline, plan: Plan) -> int:
    gone = [{"i_id": w.id} for w in plan.identifiers if w.op == DELETE]
    count = _checked(
        out,
        delete(ci_identifiers).where(ci_identifiers.c.id == bindparam("i_id")),
        gone,
        "identifiers",
    )
    new = [(w.ci_id, w.kind, w.value, w.source) for w in plan.identifiers if w.op == INSERT]
    out.insert(ci_identifiers, ("ci_id", "kind", "value", "source"), new)
    return count + len(new)


def _bindings(out: Pipeline, plan: Plan) -> int:
    new = [
        (b.source, b.native_key, b.ci_id, b.content_hash, b.unseen_runs, b.created_ci, b.due_at)
        for b in plan.bindings
        if b.op == INSERT
    ]
    columns = (
        "source",
        "native_key",
        "ci_id",
        "content_hash",
        "unseen_runs",
        "created_ci",
        "due_at",
    )
    out.insert(cmdb_bindings, columns, new)
    changed = [
        {"b_id": b.id, "b_key": b.native_key, "b_ci": b.ci_id, "b_hash": b.content_hash,
         "b_unseen": b.unseen_runs, "b_due": b.due_at}
        for b in plan.bindings if b.op == UPDATE
    ]  # fmt: skip
    statement = (
        update(cmdb_bindings)
        .where(cmdb_bindings.c.id == bindparam("b_id"))
        .values(
            native_key=bindparam("b_key"),
            ci_id=bindparam("b_ci"),
            content_hash=bindparam("b_hash"),
            unseen_runs=bindparam("b_unseen"),
            due_at=bindparam("b_due"),
        )
    )
    return len(new) + _checked(out, statement, changed, "bindings")


def _edges(out: Pipeline, plan: Plan) -> int:
    new = [
        (e.parent_id, e.child_id, e.type, list(e.sources), 1) for e in plan.edges if e.op == INSERT
    ]
    out.insert(ci_relations, ("parent_id", "child_id", "type", "sources", "version"), new)
    changed = [
        {"e_id": e.id, "e_version": e.version, "e_sources": list(e.sources)}
        for e in plan.edges
        if e.op == UPDATE
    ]
    statement = (
        update(ci_relations)
        .where(
            ci_relations.c.id == bindparam("e_id"), ci_relations.c.version == bindparam("e_version")
        )
        .values(sources=bindparam("e_sources"), version=ci_relations.c.version + 1)
    )
    return len(new) + _checked(out, statement, changed, "relations")


def _dues(out: Pipeline, plan: Plan) -> int:
    """Other sources' bindings recheck when this run's authority window runs out.

    Unconditional on versions on purpose: it only ever brings a due time forward, which is
    harmless whatever the other source's run does at the same time.
    """
    if not plan.dues:
        return 0
    b = cmdb_bindings.c
    statement = (
        update(cmdb_bindings)
        .where(
            b.ci_id == bindparam("d_ci"),
            b.source == bindparam("d_source"),
            or_(b.due_at.is_(None), b.due_at > bindparam("d_due")),
        )
        .values(due_at=bindparam("d_due"))
    )
    rows = [{"d_ci": d.ci_id, "d_source": d.source, "d_due": d.due_at} for d in plan.dues]
    return int(out.execute(statement, rows).rowcount)


def _journal(out: Pipeline, plan: Plan) -> int:
    rows = [(j.ci_id, plan.now, j.source, j.action, j.changes, plan.run_id) for j in plan.journal]
    columns = ("ci_id", "at", "source", "action", "changes", "run_id")
    return out.insert(ci_history, columns, rows)


def _sources(out: Pipeline, plan: Plan) -> int:
    count = 0
    for source in plan.sources:
        values = {
            "kind": source.kind,
            "watermark": source.watermark,
            "complete_runs": source.complete_runs,
            "last_run_at": plan.now,
            "last_run_id": plan.run_id,
        }
        if source.exists:
            statement = update(cmdb_sources).where(and_(cmdb_sources.c.name == source.name))
            count += out.execute(statement.values(**values)).rowcount
        else:
            out.execute(insert(cmdb_sources).values(name=source.name, **values))
            count += 1
    return count
