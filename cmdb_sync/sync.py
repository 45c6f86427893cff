"""``cmdb sync`` as a service: inputs in, a plan out, written in one transaction (or not).

1. every ``--from`` is parsed and every input resolved before anything is read, so bad input
   fails fast and nothing is written;
2. inputs whose watermark (lineage and serial, digest, audit id, plus the settings' digest)
   equals the stored one are skipped without being loaded, when that can be known cheaply;
3. the rest are loaded outside any transaction (reading a state from S3 must not hold locks);
4. one transaction: a lock per data source (PostgreSQL advisory locks; SQLite's ``BEGIN
   IMMEDIATE`` serializes writers anyway), the plan (``planner``, ``finish``), and unless it is
   a dry run, ``apply_plan``. A version conflict with a concurrent sync of another source
   rolls everything back and plans again, never overwrites.
"""

from __future__ import annotations

import gc
import hashlib
import random
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from change_control.errors import ConflictError
from cmdb_sync.config import CmdbConfig
from cmdb_sync.model import InputBatch
from cmdb_sync.plan import InputOutcome, Plan, SourceWrite

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from change_control.store.engine import Store
    from cmdb_sync.repository import Repository, SourceRow
    from cmdb_sync.sources.base import Input
    from cmdb_sync.state import PlanState

#: How often a sync plans again after losing a race before it gives up.
MAX_ATTEMPTS = 12
#: Objects a run leaves alive (the collector's youngest generation) above which ``paused_gc``
#: freezes them: a sync of a few thousand items is not worth it.
LARGE_RUN = 200_000
#: Whether ``paused_gc`` froze the objects of the last run (and so unfreezes them).
_FROZEN = False


@dataclass(frozen=True)
class SyncRequest:
    """What the user asked for (``cmdb sync``'s flags, one to one)."""

    specs: tuple[str, ...]
    dry_run: bool = False
    force: bool = False
    config: CmdbConfig = field(default_factory=CmdbConfig)
    aws_profile: str | None = None
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    backend: str = "sql"


@dataclass(frozen=True)
class SyncReport:
    """The plan that was applied (or would be, for a dry run) and how many rows it wrote."""

    plan: Plan
    writes: int
    dry_run: bool
    attempts: int = 1

    def summary(self) -> dict[str, Any]:
        """``--format json``: created, updated, unchanged, retired, relations_added,
        relations_removed, errors, writes."""
        return self.plan.summary(self.writes)


@dataclass
class Loaded:
    """One input after step 2/3: loaded, or skipped with a reason."""

    input: Input
    watermark: dict[str, Any]
    batch: InputBatch | None = None
    skipped: str | None = None
    known: int = 0
    """Items the source reported last time (all unchanged when the input is skipped)."""


def new_run_id(now: datetime) -> str:
    """A sortable, unique run id: ``R20261122T101500Z-3f9c1a2b``."""
    return f"R{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def ci_ids(now: datetime) -> Callable[[], str]:
    """CI ids for one run: ``ci-`` + the run's time (ms) + 16 random bits + a counter.

    Ids of one run are ascending, so a first sync of 100,000 CIs appends to the primary-key
    and foreign-key indexes instead of inserting at random places in them (several times
    faster on SQLite), and ids still never collide across runs and machines.
    """
    stem = f"ci-{int(now.timestamp() * 1000):011x}{secrets.token_hex(2)}"
    counter = iter(range(16**6))
    return lambda: f"{stem}{next(counter):06x}"


def sync(
    store: Store,
    request: SyncRequest,
    *,
    now: datetime,
    new_id: Callable[[], str] | None = None,
    batches: Sequence[InputBatch] = (),
) -> SyncReport:
    """Run one sync (see the module docstring); ``batches`` adds inputs already in memory
    (other programs, tests, the benchmark) after the ``--from`` ones."""
    from cmdb_sync.sources import InputContext, parse_from, resolve_inputs
    from cmdb_sync.sources.base import StaticInput

    context = InputContext(
        config=request.config,
        store=store,
        aws_profile=request.aws_profile,
        aws_region=request.aws_region,
        aws_endpoint_url=request.aws_endpoint_url,
    )
    specs = [parse_from(text) for text in request.specs]
    resolved = resolve_inputs(specs, context)
    resolved += [StaticInput(batch) for batch in batches]
    digest = request.config.digest()
    loaded = _peek(store, resolved, digest, now)
    for item in loaded:
        if item.skipped is None:
            item.batch = item.input.load()
            item.watermark = {**item.watermark, **item.batch.watermark}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with paused_gc():
                plan, writes = _attempt(store, request, loaded, now, new_id or ci_ids(now))
        except ConflictError:
            if attempt == MAX_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.02, 0.1) * attempt)
            continue
        return SyncReport(plan, writes, request.dry_run, attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a plan is built and written, nor over it afterwards.

    A first sync of 100,000 CIs allocates millions of small objects that all stay alive until
    the end, so every collection walks them all again for nothing: about 40% of the run while
    it lasts, and half a second more once the collector is back (its youngest generation then
    holds every one of them). The planner makes no reference cycles (reference counting frees
    everything), so the collector is paused for the run. After a large run (``LARGE_RUN``
    objects still alive), what is alive is moved to the permanent generation (``gc.freeze``),
    where collections skip it; it is still freed by reference counting. The next sync hands it
    back (``gc.unfreeze``) before pausing again, so a long-lived process never holds more than
    one run's worth out of the collector's sight; small runs leave the collector untouched.
    """
    global _FROZEN  # noqa: PLW0603 - one flag for the process, like the collector it tracks
    enabled = gc.isenabled()
    if _FROZEN:
        gc.unfreeze()
        _FROZEN = False
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > LARGE_RUN:
                gc.freeze()
                _FROZEN = True
            gc.enable()


def _watermark(made: Input, base: Mapping[str, Any] | None, digest: str) -> dict[str, Any]:
    options = dict(getattr(getattr(made, "spec", None), "options", {}) or {})
    return {**(base or {}), "config": digest, "options": options}


def unchanged(stored: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """Why ``new`` needs no reconciliation given ``stored`` (``None``: it does)."""
    if stored.get("config") != new.get("config") or stored.get("options") != new.get("options"):
        return None
    if new.get("sha256") and stored.get("sha256") == new.get("sha256"):
        return "unchanged input (same content digest)"
    lineage = new.get("lineage")
    if lineage and stored.get("lineage") == lineage and stored.get("serial") == new.get("serial"):
        return "unchanged input (same state lineage and serial)"
    if new.get("audit_id") and stored.get("audit_id") == new.get("audit_id"):
        return "audit already synced"
    return None


def _peek(store: Store, resolved: Sequence[Input], digest: str, now: datetime) -> list[Loaded]:
    from cmdb_sync.repository import Repository

    out: list[Loaded] = []
    with store.read() as conn:
        repo = Repository(conn)
        rows = repo.source_rows()
        for made in resolved:
            watermark = _watermark(made, made.peek(), digest)
            row = rows.get(made.name)
            reason = unchanged(row.watermark, watermark) if row is not None else None
            if reason is not None and repo.has_due(made.name, now):
                reason = None
            known = repo.seen_count(made.name) if reason is not None else 0
            out.append(Loaded(made, watermark, skipped=reason, known=known))
    return out


def _attempt(
    store: Store,
    request: SyncRequest,
    loaded: Sequence[Loaded],
    now: datetime,
    new_id: Callable[[], str],
) -> tuple[Plan, int]:
    from sqlalchemy.exc import DBAPIError

    opener = store.read if request.dry_run else store.begin
    with opener() as conn:
        try:
            if not request.dry_run:
                lock_sources(conn, [item.input.name for item in loaded if item.skipped is None])
            if conn.dialect.name == "sqlite":
                # A big page cache keeps the indexes a large first sync writes in memory.
                conn.exec_driver_sql("PRAGMA cache_size=-65536")
            plan = build_plan(conn, request, loaded, now, new_id)
            if request.dry_run:
                return plan, 0
            from cmdb_sync.backends import backends

            return plan, backends.get(request.backend).factory(conn).write(plan)
        except DBAPIError as exc:
            if _is_conflict(exc):
                raise ConflictError(f"a concurrent sync changed the CMDB: {exc.orig}") from exc
            raise


def _is_conflict(exc: Exception) -> bool:
    from sqlalchemy.exc import IntegrityError

    if isinstance(exc, IntegrityError):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    # 40001 serialization failure, 40P01 deadlock: the loser plans again.
    return code in {"40001", "40P01"}


def lock_sources(conn: Connection, names: Sequence[str]) -> None:
    """Hold a transaction-scoped lock per data source (PostgreSQL), in a fixed order."""
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({_lock_key(name) for name in names})
    for key in keys:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"changegate-cmdb:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def build_plan(
    conn: Connection,
    request: SyncRequest,
    loaded: Sequence[Loaded],
    now: datetime,
    new_id: Callable[[], str],
) -> Plan:
    """Plan every loaded input on ``conn`` (inside the sync's transaction)."""
    from cmdb_sync.finish import finish
    from cmdb_sync.identify import IdentityIndex
    from cmdb_sync.repository import Repository
    from cmdb_sync.state import PlanState

    repo = Repository(conn)
    rows = repo.source_rows()
    state = PlanState(
        repo=repo, config=request.config, now=now, new_id=new_id, force=request.force,
        sources=rows, index=IdentityIndex(repo.owners),
    )  # fmt: skip
    writes: list[SourceWrite] = []
    for item in loaded:
        outcome, write = _plan_input(state, repo, rows, item, now)
        state.inputs.append(outcome)
        if write is not None:
            writes.append(write)
    plan = Plan(new_run_id(now), now, request.force, state.inputs, errors=state.errors)
    plan.unchanged = state.unchanged
    plan = finish(state, plan)
    plan.sources = writes
    return plan


def _plan_input(
    state: PlanState, repo: Repository, rows: Mapping[str, SourceRow], item: Loaded, now: datetime
) -> tuple[InputOutcome, SourceWrite | None]:
    from cmdb_sync.planner import plan_batch

    made = item.input
    row = rows.get(made.name)
    reason = item.skipped
    known = item.known
    if reason is None and row is not None and item.batch is not None:
        # Another sync of the same source may have committed while this one loaded.
        reason = unchanged(row.watermark, item.watermark)
        if reason is not None and repo.has_due(made.name, now):
            reason = None
        known = len(item.batch.items)
    batch = item.batch
    if reason is not None or batch is None:
        state.unchanged += known
        complete = batch.complete if batch is not None else False
        return InputOutcome(made.name, made.kind, known, complete, reason or "not loaded"), None
    recheck = row is not None and row.watermark.get("config") != item.watermark.get("config")
    plan_batch(state, batch, recheck_all=recheck)
    outcome = InputOutcome(
        made.name, made.kind, len(batch.items), batch.complete, None, batch.notes
    )
    if row is not None and dict(row.watermark) == item.watermark:
        return outcome, None
    runs = (row.complete_runs if row else 0) + (1 if batch.complete else 0)
    return outcome, SourceWrite(made.name, made.kind, item.watermark, runs, row is not None)
