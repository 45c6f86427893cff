"""Plan one input batch: skip what did not change, identify, merge, and age what vanished.

For every item the stored binding of its native key is looked up first. Same content digest,
still seen, nothing due: the item is unchanged and costs nothing more (this is what makes a
no-op re-sync of 100,000 items a dictionary walk). Otherwise the item is identified (unbound
items only), merged into its CI by authority, its identifiers reconciled, and its relations
queued for ``finish.py``. A complete batch then ages the bindings it no longer holds, behind
the circuit breaker.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from change_control.errors import ChangegateError
from cmdb_sync.config import CI_COLUMNS
from cmdb_sync.identify import identify
from cmdb_sync.merge import Writer, first_values, kind_of, merge
from cmdb_sync.model import DriftStatus, InputBatch, InstallStatus, Item
from cmdb_sync.plan import DELETE, INSERT, DueWrite, ErrorItem, IdentifierWrite
from cmdb_sync.repository import Binding, CiRow
from cmdb_sync.staleness import BreakerCheck
from cmdb_sync.state import PlanState, RelationJob, Work

#: Identifier kinds that follow their source: dropped when the source stops reporting them.
ALIAS_KINDS = frozenset({"tf_address", "ansible_host", "ansible_group"})


class RunRefused(ChangegateError):
    """The circuit breaker refused the run; nothing was written."""

    code = "cmdb.circuit_breaker"


def item_fields(item: Item) -> dict[str, Any]:
    """What an item says, in the merge's field names (``ci.*`` plus attributes)."""
    out = dict(item.attributes)
    out["ci.name"] = item.name
    if item.environment is not None:
        out["ci.environment"] = item.environment
    if item.drift is not None:
        out["ci.drift_status"] = [str(item.drift.status), list(item.drift.finding_ids)]
    return out


def plan_batch(state: PlanState, batch: InputBatch, *, recheck_all: bool = False) -> None:
    """Plan ``batch`` into ``state`` (see the module docstring)."""
    bindings = state.repo.bindings(batch.source)
    state.bindings[batch.source] = bindings
    items = _unique(state, batch)
    keys = {item.native_key for item in items}
    pending: list[tuple[Item, str, Binding | None]] = []
    for item in items:
        digest = item.content_hash()
        binding = bindings.get(item.native_key)
        if (
            binding is not None
            and not recheck_all
            and binding.content_hash == digest
            and binding.unseen_runs == 0
            and (binding.due_at is None or binding.due_at > state.now)
        ):
            state.unchanged += 1
            continue
        pending.append((item, digest, binding))
    state.index.prefetch(pair for item, _, _ in pending for pair in item.identifiers)
    targets = _identify_all(state, batch, pending, keys)
    state.load_work({ci for ci in targets.values() if ci is not None})
    for item, digest, _ in pending:
        ci_id = targets.get(item.native_key)
        if ci_id is not None:
            _reconcile(state, batch, item, digest, ci_id)
    if batch.complete:
        _age(state, batch, keys)
    # A retention period or an authority window ran out: look at those CIs again.
    for b in bindings.values():
        if b.due_at is not None and b.due_at <= state.now:
            state.status_checks.add(state.touch(b).ci_id)


def _unique(state: PlanState, batch: InputBatch) -> list[Item]:
    seen: set[str] = set()
    out: list[Item] = []
    for item in batch.items:
        if item.native_key in seen:
            state.errors.append(
                ErrorItem(batch.source, item.native_key, "cmdb.duplicate_key",
                          f"{item.native_key}: reported twice by {batch.source}; the first wins")
            )  # fmt: skip
            continue
        seen.add(item.native_key)
        out.append(item)
    return out


def _identify_all(
    state: PlanState,
    batch: InputBatch,
    pending: list[tuple[Item, str, Binding | None]],
    keys: set[str],
) -> dict[str, str | None]:
    """Native key -> CI for every pending item still to reconcile: bound, matched, or newly
    created (``None``: an error item). Surely new items are left out: ``FirstWriter`` planned
    them whole."""
    bindings = state.bindings[batch.source]
    by_ci = {b.ci_id: b for b in bindings.values()}
    out: dict[str, str | None] = {}
    first = FirstWriter(state, batch)
    for item, digest, binding in pending:
        if binding is not None:
            out[item.native_key] = binding.ci_id
            continue
        rules = state.config.rules_for(item.ci_class)
        if _surely_new(item, rules, state):
            created = first.create(item, digest)
            by_ci[created] = bindings[item.native_key]
            continue
        found = identify(item, rules, state.index, state_columns(state))
        if found is not None and found.ambiguous:
            state.errors.append(
                ErrorItem(batch.source, item.native_key, "cmdb.multi_match", found.describe())
            )
            out[item.native_key] = None
        elif found is None or found.ci_id is None:
            out[item.native_key] = ci_id = _create(state, batch, item)
            by_ci[ci_id] = bindings[item.native_key]
        else:
            out[item.native_key] = _bind(state, batch, item, found.ci_id, by_ci, keys)
    return out


def _bind(
    state: PlanState,
    batch: InputBatch,
    item: Item,
    ci_id: str,
    by_ci: dict[str, Binding],
    keys: set[str],
) -> str | None:
    """Bind an identified item; rebind when the source's key for the CI changed."""
    bindings = state.bindings[batch.source]
    other = by_ci.get(ci_id)
    if other is not None and other.native_key in keys:
        state.errors.append(
            ErrorItem(batch.source, item.native_key, "cmdb.same_ci",
                      f"{item.native_key} and {other.native_key} of {batch.source} both "
                      f"identify CI {ci_id}")
        )  # fmt: skip
        return None
    if other is not None:
        # The source's key for this CI changed (facts appeared, an ARN showed up): rebind.
        state.touch(other)
        del bindings[other.native_key]
        other.native_key = item.native_key
        bindings[item.native_key] = other
    return ci_id


def _surely_new(item: Item, rules: tuple[tuple[str, ...], ...], state: PlanState) -> bool:
    """No identifier of the item is known and no rule looks at columns: a new CI, without
    walking the rules (the common case of a first sync, at 100,000 items)."""
    return not _uses_columns(rules) and state.index.free(item.identifiers)


@lru_cache(maxsize=256)
def _uses_columns(rules: tuple[tuple[str, ...], ...]) -> bool:
    return any(part in CI_COLUMNS for entry in rules for part in entry)


def state_columns(state: PlanState) -> Any:
    """The name/environment look-up of identification rules: the store plus this run's CIs."""

    def lookup(ci_class: str, column: str, value: str) -> set[str]:
        return (
            state.repo.cis_by(ci_class, column, value) | state.new_names[(ci_class, column, value)]
        )

    return lookup


class FirstWriter:
    """Plans a surely new CI whole: create, merge, bind, claim identifiers, queue relations.

    The same steps as ``_create`` then ``_reconcile`` take for a CI nobody wrote yet (merge's
    first-writer rule, ``merge.first_values``: every allowed value is written as is), in one pass:
    this is the first sync of a large source, 100,000 items where the general path spends
    most of its time on bookkeeping that a brand-new CI does not need. No name/environment
    index entry is made: ``_surely_new`` only holds for classes whose rules ignore columns.
    """

    def __init__(self, state: PlanState, batch: InputBatch) -> None:
        self.state = state
        self.source = batch.source
        self.kind = kind_of(batch.source)
        self.bindings = state.bindings[batch.source]
        self.writer = Writer(batch.source, state.now)
        self.installed = str(InstallStatus.INSTALLED)
        self.unknown = str(DriftStatus.UNKNOWN)

    def create(self, item: Item, digest: str) -> str:
        """Plan ``item`` as a new CI; return its id."""
        state, source = self.state, self.source
        ci_id = state.new_id()
        now = state.now
        row = CiRow(
            ci_id, item.ci_class, item.name, None, {}, {}, self.unknown, [], self.installed,
            True, 0, now, now, 0,
        )  # fmt: skip
        fields = first_values(item_fields(item), source, self.kind, item.ci_class, state.config)
        work = Work(row, True, fields, dict.fromkeys(fields, self.writer), self.installed, 0, None)
        work.journal[(source, "create")] = {"class": item.ci_class, "name": item.name}
        state.work[ci_id] = work
        binding = Binding(None, source, item.native_key, ci_id, digest, 0, True, None)
        self.bindings[item.native_key] = binding
        state.touched[id(binding)] = binding
        # ``_surely_new`` found every identifier free just now: claim them without checking.
        writes = state.identifier_writes
        for kind, value in state.index.claim_free(item.identifiers, ci_id):
            writes.append(IdentifierWrite(INSERT, None, ci_id, kind, value, source))
        state.relation_jobs.append(RelationJob(source, ci_id, item.refs, item.native_key, digest))
        return ci_id


def _create(state: PlanState, batch: InputBatch, item: Item) -> str:
    ci_id = state.new_id()
    now = state.now
    row = CiRow(
        id=ci_id, ci_class=item.ci_class, name=item.name, environment=None, attributes={},
        writers={}, drift_status=str(DriftStatus.UNKNOWN), drift_findings=[],
        install_status=str(InstallStatus.INSTALLED), created_by_tool=True, unseen_runs=0,
        first_seen=now, last_seen=now, version=0,
    )  # fmt: skip
    work = Work(row, True, {}, {}, str(InstallStatus.INSTALLED), 0, None)
    state.work[ci_id] = work
    state.new_names[(item.ci_class, "name", item.name)].add(ci_id)
    if item.environment:
        state.new_names[(item.ci_class, "environment", item.environment)].add(ci_id)
    binding = Binding(None, batch.source, item.native_key, ci_id, "", 0, True, None)
    state.bindings[batch.source][item.native_key] = state.touch(binding)
    work.journal[(batch.source, "create")] = {"class": item.ci_class, "name": item.name}
    return ci_id


def _reconcile(
    state: PlanState,
    batch: InputBatch,
    item: Item,
    digest: str,
    ci_id: str,
) -> None:
    """Merge the item into its CI and queue its identifiers, binding and edges."""
    work = state.work.get(ci_id)
    if work is None:
        from change_control.errors import ConflictError

        raise ConflictError(f"CI {ci_id} vanished while the run was planned; retry")
    outcome = merge(
        work.fields, work.writers, item_fields(item), source=batch.source,
        ci_class=work.row.ci_class, config=state.config, now=state.now,
        fresh=state.fresh(ci_id) if work.writers else None,
    )  # fmt: skip
    if not work.fields and not work.writers:
        # A CI's first writer (every new CI): take the merge's dicts as they are.
        work.fields = {name: new for name, (_, new) in outcome.changes.items()}
        work.writers = outcome.writers
    else:
        for name, (old, new) in outcome.changes.items():
            work.fields[name] = new
            if not work.is_new:
                work.diff[name] = (work.diff.get(name, (old, new))[0], new)
        work.writers.update(outcome.writers)
    if outcome.changes and not work.is_new:
        work.note(
            batch.source, "update", {"fields": {k: [o, n] for k, (o, n) in outcome.changes.items()}}
        )
    for loser, until in outcome.overtaken.items():
        state.dues.append(DueWrite(ci_id, loser, until))
    _bound(state, batch, item, digest, ci_id, outcome.recheck_at)
    _identifiers(state, batch.source, item, ci_id)
    state.relation_jobs.append(RelationJob(batch.source, ci_id, item.refs, item.native_key, digest))


def _bound(
    state: PlanState,
    batch: InputBatch,
    item: Item,
    digest: str,
    ci_id: str,
    recheck_at: datetime | None,
) -> None:
    """The item's binding as the run leaves it: seen, with its new digest and recheck time."""
    bound = state.bindings[batch.source].get(item.native_key)
    if bound is None:
        bound = Binding(None, batch.source, item.native_key, ci_id, "", 0, False, None)
        state.bindings[batch.source][item.native_key] = bound
    state.touch(bound)
    if bound.unseen_runs:
        bound.unseen_runs = 0
        state.status_checks.add(ci_id)
    bound.ci_id = ci_id
    bound.content_hash = digest
    if bound.id is not None or recheck_at is not None:
        state.rechecks[(batch.source, item.native_key)] = recheck_at


def _identifiers(state: PlanState, source: str, item: Item, ci_id: str) -> None:
    owner_of = state.index.owner
    writes = state.identifier_writes
    for kind, value in item.identifiers:
        owner = owner_of(kind, value)
        if owner == ci_id:
            continue
        if owner is not None:
            state.errors.append(
                ErrorItem(source, item.native_key, "cmdb.identifier_conflict",
                          f"{kind}={value} already identifies CI {owner}, not {ci_id}")
            )  # fmt: skip
            continue
        state.index.claim(kind, value, ci_id)
        writes.append(IdentifierWrite(INSERT, None, ci_id, kind, value, source))
    stored = state.identifiers_of.get(ci_id)
    if not stored:
        return
    wanted = set(item.identifiers)
    for row_id, kind, value, owner_source in stored:
        if owner_source == source and kind in ALIAS_KINDS and (kind, value) not in wanted:
            state.index.release(kind, value)
            writes.append(IdentifierWrite(DELETE, row_id, ci_id, kind, value, source))


def _age(state: PlanState, batch: InputBatch, keys: set[str]) -> None:
    """Missing from a complete batch: one more unseen run, behind the circuit breaker."""
    staleness = state.config.staleness
    bindings = state.bindings[batch.source]
    missing = [b for k, b in bindings.items() if k not in keys and b.id is not None]
    if not missing:
        return  # nothing vanished: nothing ages, and the breaker has nothing to weigh
    retire = staleness.retire_after_runs
    check = BreakerCheck(
        source=batch.source,
        present_before=sum(1 for b in bindings.values() if b.id is not None and b.unseen_runs == 0),
        vanishing=sum(1 for b in missing if b.unseen_runs == 0),
        active_before=sum(
            1 for b in bindings.values() if b.id is not None and b.unseen_runs < retire
        ),
        retiring=sum(1 for b in missing if b.unseen_runs + 1 == retire),
    )
    if not state.force and check.trips(state.config.circuit_breaker):
        raise RunRefused(check.message(state.config.circuit_breaker))
    for binding in missing:
        if binding.unseen_runs < retire:
            state.touch(binding).unseen_runs += 1
            state.status_checks.add(binding.ci_id)
            if binding.unseen_runs == retire:
                state.relation_jobs.append(
                    RelationJob(batch.source, binding.ci_id, None, None, None)
                )
