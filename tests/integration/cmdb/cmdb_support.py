"""What the CMDB integration tests share: a real Terraform project, snapshots, audits, and
ways to look at the database (row counts, a write-statement counter, full table dumps)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text

from change_control.store.engine import Store
from change_control.store.schema import metadata
from cmdb_sync.config import CmdbConfig
from cmdb_sync.model import InputBatch, Item, Ref
from cmdb_sync.sync import SyncReport, SyncRequest, sync

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CMDB_TABLES = (
    "cis", "ci_identifiers", "ci_relations", "ci_history", "cmdb_bindings", "cmdb_sources",
    "cmdb_runs",
)  # fmt: skip

#: A Terraform project of terraform_data resources: a module, count, explicit and implicit
#: dependencies (no provider download needed, so init + apply take a fraction of a second).
MAIN_TF = """
module "net" {
  source = "./net"
}

resource "terraform_data" "db" {
  input      = "db"
  depends_on = [module.net]
}

resource "terraform_data" "web" {
  count = 2
  input = "web-${count.index}:${terraform_data.db.id}"
}

resource "terraform_data" "lb" {
  input = terraform_data.web[*].id
}
"""

NET_TF = """
resource "terraform_data" "vpc" {
  input = "vpc"
}

resource "terraform_data" "subnet" {
  input = terraform_data.vpc.id
}
"""


@dataclass(frozen=True)
class Project:
    """A Terraform working directory after ``terraform apply``."""

    directory: Path
    env: dict[str, str]

    @property
    def state(self) -> Path:
        """The local state file."""
        return self.directory / "terraform.tfstate"

    def apply(self, main_tf: str | None = None) -> None:
        """(Re)write main.tf if given and apply it."""
        from tests.integration.terraform_support import run_terraform

        if main_tf is not None:
            (self.directory / "main.tf").write_text(main_tf, encoding="utf-8")
        run_terraform(self.directory, "apply", "-auto-approve", "-input=false", env=self.env)

    def resources(self) -> dict[str, dict[str, Any]]:
        """Address -> attributes of every managed instance in the state."""
        doc = json.loads(self.state.read_text(encoding="utf-8"))
        out: dict[str, dict[str, Any]] = {}
        for block in doc["resources"]:
            base = (
                f"{block['module']}.{block['type']}.{block['name']}"
                if block.get("module")
                else (f"{block['type']}.{block['name']}")
            )
            for inst in block["instances"]:
                key = inst.get("index_key")
                out[base + (f"[{key}]" if key is not None else "")] = inst["attributes"]
        return out


def make_project(root: Path) -> Project:
    """Write the project under ``root``, init and apply it."""
    # Imported here: it imports pytest, which the concurrency workers should not pay for.
    from tests.integration.terraform_support import run_terraform, terraform_env

    env = terraform_env(root / "tfconfig")
    directory = root / "tf"
    (directory / "net").mkdir(parents=True)
    (directory / "main.tf").write_text(MAIN_TF, encoding="utf-8")
    (directory / "net" / "main.tf").write_text(NET_TF, encoding="utf-8")
    run_terraform(directory, "init", "-input=false", env=env)
    project = Project(directory, env)
    project.apply()
    return project


def write_snapshot(path: Path, resources: Sequence[tuple[str, str, dict[str, Any]]]) -> Path:
    """A live snapshot file of ``(type, id, attributes)`` resources."""
    from drift.model import Resource, View
    from drift.sources import write_snapshot as write

    items = [Resource(type=t, id=i, attributes=a, view=View.LIVE) for t, i, a in resources]
    write(path, items, [], T0)
    return path


def snapshot_of_state(project: Project, path: Path, changed: dict[str, Any] | None = None) -> Path:
    """The state's resources as a live snapshot; ``changed`` overrides attributes of one id."""
    from drift.sources.tfstate import unwrap_dynamic

    rows = []
    for attributes in project.resources().values():
        # Live attributes as a collector reports them: without the state's type wrapper.
        attrs = dict(unwrap_dynamic("terraform_data", attributes))
        if changed and attrs["id"] == changed.get("id"):
            attrs.update({k: v for k, v in changed.items() if k != "id"})
        rows.append(("terraform_data", attrs["id"], attrs))
    return write_snapshot(path, rows)


def store_audit(store: Store, state: Path, snapshot: Path, now: datetime = T0) -> str:
    """Run a drift audit of ``state`` against ``snapshot`` and store it; return its id."""
    from drift.audit import AuditRequest, plan_audit, run_audit
    from drift.persist.storage import SqlAuditStorage

    storage = SqlAuditStorage(store)
    outcome = run_audit(
        plan_audit(AuditRequest(states=(str(state),), live=(str(snapshot),))),
        now=now,
        storage=storage,
    )
    storage.save(outcome.record(2 if outcome.result.findings else 0))
    return outcome.result.audit_id


@dataclass
class WriteCounter:
    """Counts INSERT/UPDATE/DELETE (and COPY: bulk inserts on PostgreSQL) statements sent to
    the database while active."""

    statements: list[str] = field(default_factory=list)

    @contextmanager
    def watching(self, store: Store) -> Iterator[WriteCounter]:
        """Count for the duration of the block."""

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb in {"INSERT", "UPDATE", "DELETE", "COPY"}:
                self.statements.append(statement)

        event.listen(store.engine, "before_cursor_execute", before)
        try:
            yield self
        finally:
            event.remove(store.engine, "before_cursor_execute", before)


def row_counts(store: Store) -> dict[str, int]:
    """Rows per CMDB table."""
    with store.read() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in CMDB_TABLES
        }


def dump(store: Store) -> dict[str, list[str]]:
    """Every row of every CMDB table as sorted JSON lines: equal dumps, equal databases."""
    out: dict[str, list[str]] = {}
    with store.read() as conn:
        for name in CMDB_TABLES:
            rows = conn.execute(select(metadata.tables[name]))
            out[name] = sorted(
                json.dumps(dict(r._mapping), sort_keys=True, default=str) for r in rows
            )
    return out


def run_sync(
    store: Store,
    *specs: str,
    now: datetime = T0,
    batches: Sequence[InputBatch] = (),
    config: CmdbConfig | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> SyncReport:
    """One sync at ``now``."""
    request = SyncRequest(tuple(specs), dry_run=dry_run, force=force, config=config or CmdbConfig())
    return sync(store, request, now=now, batches=batches)


def item(
    key: str,
    *,
    ci_class: str = "vm_instance",
    name: str | None = None,
    refs: Sequence[Ref] = (),
    identifiers: Sequence[tuple[str, str]] | None = None,
    **attributes: Any,
) -> Item:
    """An item keyed ``key`` with a provider id identifier unless told otherwise."""
    return Item(
        native_key=key,
        ci_class=ci_class,
        name=name or key,
        identifiers=tuple(
            identifiers if identifiers is not None else [("provider_id", f"x:{key}")]
        ),
        attributes=attributes,
        refs=tuple(refs),
    )


def batch(source: str, *items: Item, complete: bool = True, serial: int = 1) -> InputBatch:
    """A batch of ``source`` (kind from its name) with a watermark of ``serial``."""
    return InputBatch(
        source=source,
        kind=source.split(":", 1)[0],
        items=items,
        complete=complete,
        watermark={"lineage": "test", "serial": serial},
    )


def days(n: float) -> timedelta:
    """``n`` days."""
    return timedelta(days=n)


# ---------------------------------------------------------------- concurrency workers

#: Items every worker shares with its neighbours: worker i reports keys [i*SPAN, i*SPAN+WIDTH).
SPAN, WIDTH, ROUNDS = 6, 14, 3


def worker_keys(worker: int) -> list[str]:
    """The native keys worker ``worker`` reports (overlapping its neighbours')."""
    return [f"k{n:03d}" for n in range(worker * SPAN, worker * SPAN + WIDTH)]


def concurrent_worker(url: str, worker: int, barrier: Any, results: Any) -> None:
    """One process: after the barrier, ROUNDS syncs of its own source plus a shared one."""
    from change_control.store.engine import open_store

    store = open_store(url)
    reports: list[dict[str, Any]] = []
    try:
        barrier.wait(timeout=60)
        for round_number in range(1, ROUNDS + 1):
            keys = worker_keys(worker)
            own = batch(
                f"snapshot:w{worker}",
                *(item(k, refs=[Ref("depends_on", keys[0])] if k != keys[0] else [],
                       **{f"seen_by_{worker}": True, "round": round_number}) for k in keys),
                serial=round_number,
            )  # fmt: skip
            shared = batch(
                "tfstate:shared", *(item(f"k{n:03d}", pinned=True) for n in range(0, 30, 5))
            )
            report = run_sync(store, now=T0 + days(round_number), batches=[own, shared])
            reports.append(
                {"run": report.plan.run_id, "journal": len(report.plan.journal),
                 "writes": report.writes, "attempts": report.attempts}
            )  # fmt: skip
        results.put((worker, reports, None))
    except Exception as exc:  # the parent must hear about any failure, whatever it is
        results.put((worker, reports, f"{type(exc).__name__}: {exc}"))
    finally:
        store.dispose()
