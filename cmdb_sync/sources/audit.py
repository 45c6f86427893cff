"""``--from audit=ID|latest``: a stored drift audit as the authority on drift status.

Findings give ``drifted`` (changed, baseline violation), ``missing`` or ``unmanaged`` per
resource, with the finding ids. Resources the audit compared without a finding are ``in_sync``:
they are found by re-reading the audit's own states and snapshots, but only those whose content
digest still equals the one the audit recorded (a state that moved on since the audit says
nothing about that audit). When a source cannot be re-read the batch is partial: it still sets
the status of every finding, and it retires nothing. The data source is the audit's scope, so
the next audit of the same scope supersedes this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from change_control.errors import InputError
from cmdb_sync.config import CmdbConfig
from cmdb_sync.model import DriftInfo, DriftStatus, InputBatch, Item
from cmdb_sync.sources.base import InputContext, InputSpec, file_digest, inputs
from cmdb_sync.sources.resources import MODULE_CLASS, native_key, resource_items
from drift.model import Resource, View

if TYPE_CHECKING:
    from change_control.store.engine import Store

#: Finding kind -> drift status; the worst status wins when one resource has several.
KIND_STATUS = {
    "changed": DriftStatus.DRIFTED,
    "baseline_violation": DriftStatus.DRIFTED,
    "missing": DriftStatus.MISSING,
    "unmanaged": DriftStatus.UNMANAGED,
}
_RANK = {DriftStatus.DRIFTED: 1, DriftStatus.UNMANAGED: 2, DriftStatus.MISSING: 3}


@dataclass(frozen=True)
class FindingRow:
    """What the CMDB needs of a stored finding."""

    finding_id: str
    kind: str
    resource_type: str
    resource_id: str | None
    address: str | None


@dataclass(frozen=True)
class AuditInput:
    """One stored audit, resolved when the spec is parsed (``latest`` names one audit)."""

    spec: InputSpec
    context: InputContext
    scope: str
    audit_id: str
    records: Sequence[Mapping[str, Any]]
    kind: str = "audit"

    @property
    def name(self) -> str:
        """``audit:SCOPE`` (audits of one scope are one data source), or ``name=``."""
        named = self.spec.option("name")
        return f"audit:{named}" if named else f"audit:{self.scope}"

    def peek(self) -> Mapping[str, Any] | None:
        """The audit id: a sync of an audit already synced is skipped."""
        return {"audit_id": self.audit_id}

    def load(self) -> InputBatch:
        """Items for every resource the audit saw, each with its drift status."""
        findings = self._findings()
        resources, complete, live_view = _reload(self.records)
        status = _statuses(findings)
        env = self.spec.option("env")
        config = self.context.config
        items: list[Item] = []
        seen: set[str] = set()
        for item in resource_items(resources, self.name, config, env, with_attributes=False):
            # The audit speaks for drift status only: modules and edges are the states' job.
            if item.native_key in seen or item.ci_class == MODULE_CLASS:
                continue
            seen.add(item.native_key)
            drift = status.pop(_drift_key(item), None)
            if drift is None:
                drift = DriftInfo(DriftStatus.IN_SYNC if live_view else DriftStatus.UNKNOWN)
            items.append(replace(item, drift=drift, refs=()))
        items.extend(_finding_items(status, findings, self.name, config, env))
        return InputBatch(
            source=self.name,
            kind=self.kind,
            items=tuple(items),
            complete=self.spec.complete(default=complete),
            watermark={"audit_id": self.audit_id},
            notes=() if complete else ("some of the audit's sources changed since: partial",),
        )

    def _findings(self) -> list[FindingRow]:
        from sqlalchemy import select

        from change_control.store.schema import findings

        columns = (
            findings.c.finding_id, findings.c.kind, findings.c.resource_type,
            findings.c.resource_id, findings.c.address,
        )  # fmt: skip
        query = select(*columns).where(findings.c.audit_id == self.audit_id)
        with _store(self.context, self.spec).read() as conn:
            rows = conn.execute(query.order_by(findings.c.finding_id))
            return [FindingRow(*row) for row in rows]


def _store(context: InputContext, spec: InputSpec) -> Store:
    if context.store is None:  # pragma: no cover - the CLI always passes the store
        raise InputError(f"--from {spec.text}: reading an audit needs the store")
    return context.store


def _drift_key(item: Item) -> str:
    for kind, value in item.identifiers:
        if kind == "provider_id":
            return value
    return item.native_key


def _statuses(findings: Sequence[FindingRow]) -> dict[str, DriftInfo]:
    from drift.normalize import canonical_type

    out: dict[str, DriftInfo] = {}
    for row in findings:
        status = KIND_STATUS.get(row.kind)
        if status is None or not row.resource_id:
            continue
        key = f"{canonical_type(row.resource_type)}:{row.resource_id}"
        held = out.get(key)
        if held is None:
            out[key] = DriftInfo(status, (row.finding_id,))
            continue
        worst = status if _RANK[status] > _RANK[held.status] else held.status
        out[key] = DriftInfo(worst, tuple(sorted({*held.finding_ids, row.finding_id})))
    return out


def _finding_items(
    remaining: Mapping[str, DriftInfo],
    findings: Sequence[FindingRow],
    source: str,
    config: CmdbConfig,
    environment: str | None,
) -> list[Item]:
    """Items for flagged resources the re-read sources did not hold (identity from the finding)."""
    from drift.normalize import canonical_type

    rows = {
        f"{canonical_type(r.resource_type)}:{r.resource_id}": r for r in findings if r.resource_id
    }
    out: list[Item] = []
    for key in sorted(remaining):
        row = rows[key]
        resource = Resource(
            type=row.resource_type,
            id=str(row.resource_id),
            attributes={"arn": row.resource_id} if str(row.resource_id).startswith("arn:") else {},
            view=View.DECLARED,
            address=row.address,
        )
        item = resource_items([resource], source, config, environment, with_attributes=False)[0]
        out.append(replace(item, drift=remaining[key], refs=()))
    return out


def _reload(records: Sequence[Mapping[str, Any]]) -> tuple[list[Resource], bool, bool]:
    """The audit's declared and live resources, from files whose digest is unchanged."""
    from drift.sources.documents import load_declared, read_bytes
    from drift.sources.snapshot import read_snapshot

    resources: list[Resource] = []
    complete = True
    live_view = False
    for record in records:
        view, location, digest = record.get("view"), record.get("location"), record.get("sha256")
        live_view = live_view or view in {"live", "plan"}
        path = Path(str(location)) if location else None
        if (
            view not in {"declared", "live"}
            or path is None
            or not digest
            or file_digest(path) != digest
        ):
            complete = False
            continue
        if view == "declared":
            resources.extend(load_declared(read_bytes(path, str(path)), str(path), {}).resources)
        else:
            resources.extend(read_snapshot(path).resources)
    # A resource both declared and live is one item: keep the declared one (it has an address).
    ordered = sorted(resources, key=lambda r: r.view is not View.DECLARED)
    unique = {native_key(r): r for r in reversed(ordered)}
    return list(unique.values()), complete, live_view


@inputs.register(
    "audit",
    help="a stored drift audit, by id or `latest`: the authority on drift status",
    example="audit=latest",
)
def _audit(spec: InputSpec, context: InputContext) -> list[AuditInput]:
    from drift.persist.audits import AuditRepository

    with _store(context, spec).read() as conn:
        audit = AuditRepository(conn).get(spec.ref)
    return [AuditInput(spec, context, audit.scope_key, audit.id, list(audit.sources))]
