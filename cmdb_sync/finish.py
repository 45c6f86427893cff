"""Turn the planner's working memory into a ``Plan``: edges, statuses, deletions, rows.

Runs once after every batch is planned, because an edge may point at a CI a later input
creates (a host ``runs_on`` the instance a snapshot brings in the same sync). Relations are
resolved here; CI statuses follow the bindings' unseen-run counts; retired CIs past retention
are deleted; and only rows whose values really change become writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from cmdb_sync.model import InstallStatus, Ref, RefVia
from cmdb_sync.plan import (
    DELETE,
    INSERT,
    UPDATE,
    BindingWrite,
    CiWrite,
    DeletedCi,
    EdgeWrite,
    JournalWrite,
    Plan,
)
from cmdb_sync.relations import edge, owner_of
from cmdb_sync.repository import Binding, RelRow, compact_writers
from cmdb_sync.staleness import deletable, install_status
from cmdb_sync.state import PlanState, RelationJob, Work

Edge = tuple[str, str, str]
_NONE: frozenset[Edge] = frozenset()


@dataclass(slots=True)
class EdgeState:
    """One edge as the run leaves it."""

    row: RelRow | None
    sources: set[str] = field(default_factory=set)


def finish(state: PlanState, plan: Plan) -> Plan:
    """Fill ``plan`` from ``state`` (inputs, errors and counts are already on it)."""
    state.load_work({j.owner for j in state.relation_jobs} | state.status_checks)
    unresolved = _relations(state, plan)
    _statuses(state)
    deleted = _deletions(state, plan)
    _cis(state, plan, deleted)
    _bindings(state, plan, unresolved, deleted)
    plan.identifiers = [w for w in state.identifier_writes if w.ci_id not in deleted]
    plan.dues = [d for d in state.dues if d.ci_id not in deleted and d.source not in state.bindings]
    return plan


# ---------------------------------------------------------------- relations


def _relations(state: PlanState, plan: Plan) -> set[tuple[str, str]]:
    """Resolve every queued assertion; return (source, key) of items with unresolved refs."""
    jobs = state.relation_jobs
    if not jobs:
        return set()
    edges, owned = _stored_edges(state, jobs)
    resolve = _Resolver(state, jobs)
    unresolved: set[tuple[str, str]] = set()
    for job in jobs:
        owner = job.owner
        desired: set[Edge] = set()
        keymap = resolve.keymaps.get(job.source, {})
        for ref in job.refs or ():
            # Same-source keys (nearly every ref) are looked up inline: 200,000 on a first sync.
            target = keymap.get(ref.target) if ref.via is RefVia.KEY else resolve(job.source, ref)
            if target is None:
                unresolved.add((job.source, str(job.binding_key)))
            elif target != owner:
                desired.add(edge(owner, target, ref.type))
        current = owned.get((job.source, owner))
        if current or desired:
            _assert(state, edges, job, desired, current or _NONE)
    plan.edges = _edge_writes(edges)
    return unresolved


def _stored_edges(
    state: PlanState, jobs: list[RelationJob]
) -> tuple[dict[Edge, EdgeState], dict[tuple[str, str], set[Edge]]]:
    """The stored edges of the jobs' owners, and which (source, owner) asserts which."""
    existing = sorted({j.owner for j in jobs if not state.work[j.owner].is_new})
    rows = state.repo.relations_touching(existing) if existing else []
    edges: dict[Edge, EdgeState] = {}
    owned: dict[tuple[str, str], set[Edge]] = defaultdict(set)
    for row in rows:
        key = (row.parent_id, row.child_id, row.type)
        edges[key] = EdgeState(row, set(row.sources))
        owner = owner_of(*key)
        for source in row.sources:
            owned[(source, owner)].add(key)
    return edges, owned


def _assert(
    state: PlanState,
    edges: dict[Edge, EdgeState],
    job: RelationJob,
    desired: set[Edge],
    current: Set[Edge],
) -> None:
    """Make ``job.source`` assert exactly ``desired`` among the owner's edges."""
    added = sorted(desired - current)
    removed = sorted(current - desired)
    for key in added:
        held = edges.get(key)
        if held is None:
            edges[key] = EdgeState(None, {job.source})
        else:
            held.sources.add(job.source)
    for key in removed:
        edges[key].sources.discard(job.source)
    _journal_edges(state.work[job.owner], job.owner, job.source, added, removed)


class _Resolver:
    """Finds the CI a reference points at: same-source key, identifier, or IP address."""

    def __init__(self, state: PlanState, jobs: list[RelationJob]) -> None:
        self.state = state
        self.keymaps = {
            source: {key: b.ci_id for key, b in bindings.items()}
            for source, bindings in state.bindings.items()
        }
        refs = [r for j in jobs for r in j.refs or ()]
        state.index.prefetch(
            _split(r.target) for r in refs if r.via is RefVia.IDENTIFIER and "=" in r.target
        )
        self._ips: dict[str, set[str]] | None = (
            None if any(r.via is RefVia.IP for r in refs) else {}
        )

    def __call__(self, source: str, ref: Ref) -> str | None:
        if ref.via is RefVia.KEY:
            return self.keymaps.get(source, {}).get(ref.target)
        if ref.via is RefVia.IDENTIFIER:
            kind, value = _split(ref.target)
            return self.state.index.owner(kind, value)
        holders = self.ips().get(ref.target, set())
        return next(iter(holders)) if len(holders) == 1 else None

    def ips(self) -> dict[str, set[str]]:
        """IP -> compute CIs, from the store and this run's new CIs."""
        if self._ips is None:
            runs_on = self.state.config.runs_on
            found = self.state.repo.addresses(runs_on.classes, runs_on.ip_attributes)
            for ci_id, work in self.state.work.items():
                if work.row.ci_class in runs_on.classes:
                    for name in runs_on.ip_attributes:
                        value = work.fields.get(name)
                        if isinstance(value, str) and value:
                            found.setdefault(value, set()).add(ci_id)
            self._ips = found
        return self._ips


def _split(target: str) -> tuple[str, str]:
    kind, _, value = target.partition("=")
    return kind, value


def _journal_edges(
    work: Work, owner: str, source: str, added: list[Edge], removed: list[Edge]
) -> None:
    """``relations: {added: [[type, other CI]], removed: [...]}`` in the owner's entry."""
    if not added and not removed:
        return
    action = "create" if work.is_new else "update"
    change: dict[str, Any] = {}
    if added:
        change["added"] = [[t, c if p == owner else p] for p, c, t in added]
    if removed:
        change["removed"] = [[t, c if p == owner else p] for p, c, t in removed]
    work.note(source, action, {"relations": change})


def _edge_writes(edges: dict[Edge, EdgeState]) -> list[EdgeWrite]:
    """Inserts in the order the items asserted them (deterministic for one input), then the
    updates and deletes of stored edges sorted (the store returns them in no fixed order)."""
    inserts: list[EdgeWrite] = []
    others: list[EdgeWrite] = []
    ordered: dict[frozenset[str], tuple[str, ...]] = {}  # edges share a handful of source sets
    for (parent, child, kind), state in edges.items():
        row = state.row
        if row is None:
            if state.sources:
                key = frozenset(state.sources)
                sources = ordered.get(key)
                if sources is None:
                    sources = ordered[key] = tuple(sorted(key))
                inserts.append(EdgeWrite(INSERT, None, parent, child, kind, sources, 1))
            continue
        sources = tuple(sorted(state.sources))
        if not sources:
            others.append(EdgeWrite(DELETE, row.id, parent, child, kind, (), row.version))
        elif sources != tuple(sorted(row.sources)):
            others.append(EdgeWrite(UPDATE, row.id, parent, child, kind, sources, row.version))
    others.sort(key=lambda e: (e.parent_id, e.child_id, e.type))
    return inserts + others


# ---------------------------------------------------------------- statuses and deletions


def _statuses(state: PlanState) -> None:
    """Recompute the install status of every CI whose bindings' counts moved."""
    in_run = {b.id: b for bindings in state.bindings.values() for b in bindings.values() if b.id}
    fresh: dict[str, list[Binding]] = defaultdict(list)
    for bindings in state.bindings.values():
        for b in bindings.values():
            if b.id is None:
                fresh[b.ci_id].append(b)
    for ci_id in sorted(state.status_checks):
        work = state.work.get(ci_id)
        if work is None:
            continue
        stored = [in_run.get(b.id, b) for b in state.ci_bindings.get(ci_id, ()) if b.id]
        current = [
            b for b in {id(b): b for b in stored + fresh[ci_id]}.values() if b.ci_id == ci_id
        ]
        counts = [b.unseen_runs for b in current]
        status = str(install_status(counts, state.config.staleness))
        work.unseen_runs = min(counts) if counts else 0
        if status == work.install_status:
            continue
        source = next((b.source for b in current if b.source in state.bindings), "changegate")
        action = {"installed": "restore", "stale": "stale", "retired": "retire"}[status]
        work.note(source, action, {"install_status": [work.install_status, status]})
        work.install_status = status
        work.retired_at = state.now if status == str(InstallStatus.RETIRED) else None


def _deletions(state: PlanState, plan: Plan) -> set[str]:
    staleness = state.config.staleness
    out: set[str] = set()
    for ci_id in sorted(state.status_checks):
        work = state.work.get(ci_id)
        if work is None or work.is_new:
            continue
        status = InstallStatus(work.install_status)
        if deletable(status, work.retired_at, work.row.created_by_tool, state.now, staleness):
            out.add(ci_id)
            plan.deletes.append(DeletedCi(ci_id, work.row.ci_class, work.row.name))
    if out:
        # Edges of deleted CIs go with them; say so in the plan rather than by cascade alone.
        kept = [e for e in plan.edges if e.parent_id not in out and e.child_id not in out]
        gone = {e.id for e in plan.edges if e.op == DELETE}
        for row in state.repo.relations_touching(out):
            if row.id not in gone:
                kept.append(
                    EdgeWrite(
                        DELETE, row.id, row.parent_id, row.child_id, row.type, (), row.version
                    )
                )
        plan.edges = kept
    return out


# ---------------------------------------------------------------- rows


def _cis(state: PlanState, plan: Plan, deleted: set[str]) -> None:
    journal = plan.journal
    quiet: list[tuple[str, Work]] = []  # CIs whose row does not change (an edge added/removed)
    for ci_id, work in sorted(state.work.items()):
        if ci_id in deleted:
            continue
        values = _values(work, state.now)
        row = work.row
        if not work.is_new and not _changed(work, values):
            quiet.append((ci_id, work))
            continue
        status_change = (
            (row.install_status, work.install_status)
            if work.install_status != row.install_status and not work.is_new
            else None
        )
        plan.cis.append(
            CiWrite(ci_id, row.ci_class, values["name"], work.is_new, row.version, values,
                    dict(work.diff), status_change)
        )  # fmt: skip
        _journal_rows(journal, ci_id, work)
    for ci_id, work in quiet:
        _journal_rows(journal, ci_id, work)


def _journal_rows(journal: list[JournalWrite], ci_id: str, work: Work) -> None:
    for (source, action), changes in sorted(work.journal.items()):
        journal.append(JournalWrite(ci_id, source, action, changes))


def _values(work: Work, now: datetime) -> dict[str, Any]:
    """The columns to write. Takes the ``ci.*`` fields out of ``work.fields`` in place, so the
    attributes are not copied (100,000 of them on a first sync): call once, at the end."""
    fields = work.fields
    name = fields.pop("ci.name", work.row.name)
    environment = fields.pop("ci.environment", None)
    drift = fields.pop("ci.drift_status", None) or [work.row.drift_status, work.row.drift_findings]
    return {
        "name": name,
        "environment": environment,
        "attributes": fields,
        "attribute_sources": compact_writers(work.writers),
        "drift_status": drift[0],
        "drift_findings": list(drift[1]),
        "install_status": work.install_status,
        "unseen_runs": work.unseen_runs,
        "retired_at": work.retired_at,
        "last_seen": now,
    }


def _changed(work: Work, values: dict[str, Any]) -> bool:
    row = work.row
    return bool(
        work.diff
        or values["install_status"] != row.install_status
        or values["unseen_runs"] != row.unseen_runs
        or values["retired_at"] != row.retired_at
        or work.writers != row.writers
    )


def _bindings(
    state: PlanState, plan: Plan, unresolved: set[tuple[str, str]], deleted: set[str]
) -> None:
    _apply_dues(state)
    delete_after = state.config.staleness.delete_after
    for b in sorted(state.touched.values(), key=attrgetter("source", "native_key")):
        if b.ci_id in deleted:
            continue
        key = b.native_key
        if (b.source, key) in unresolved and not b.content_hash.startswith("?"):
            # Retried next run even if the input does not change: the target may appear.
            b.content_hash = "?" + b.content_hash
        b.due_at = _due(state, b, key, delete_after)
        if b.id is None:
            plan.bindings.append(_binding_write(INSERT, b))
        elif state.binding_snapshot(b) != state.original.get(b.id):
            plan.bindings.append(_binding_write(UPDATE, b))


def _due(state: PlanState, b: Binding, key: str, delete_after: Any) -> datetime | None:
    candidates: list[datetime] = []
    if (b.source, key) in state.rechecks:
        recheck = state.rechecks[(b.source, key)]
        if recheck is not None:
            candidates.append(recheck)
    elif b.due_at is not None and b.due_at > state.now:
        candidates.append(b.due_at)
    work = state.work.get(b.ci_id)
    if work is not None and work.install_status == "retired" and work.row.created_by_tool:
        candidates.append((work.retired_at or state.now) + delete_after)
    return min(candidates) if candidates else None


def _apply_dues(state: PlanState) -> None:
    """A source that lost an attribute and is part of this run: set its due time directly."""
    local = [d for d in state.dues if d.source in state.bindings]
    if not local:
        return
    wanted = {(d.source, d.ci_id) for d in local}
    by_ci: dict[tuple[str, str], list[Binding]] = defaultdict(list)
    for source in {d.source for d in local}:
        for b in state.bindings[source].values():
            if (source, b.ci_id) in wanted:
                by_ci[(source, b.ci_id)].append(b)
    for due in local:
        for b in by_ci.get((due.source, due.ci_id), ()):
            state.touch(b)
            key = (b.source, b.native_key)
            if key in state.rechecks:
                held = state.rechecks[key]
                state.rechecks[key] = due.due_at if held is None else min(held, due.due_at)
            elif b.due_at is None or b.due_at > due.due_at:
                b.due_at = due.due_at


def _binding_write(op: str, b: Binding) -> BindingWrite:
    return BindingWrite(
        op, b.id, b.source, b.native_key, b.ci_id, b.content_hash, b.unseen_runs, b.created_ci,
        b.due_at,
    )  # fmt: skip
