"""A plan as ServiceNow's Identification and Reconciliation Engine payload. Pure: no HTTP.

``POST /api/now/identifyreconcile`` (or ``/query`` to simulate) takes ``items`` (each with
``className``, ``values``, optional ``lookup`` rows and ``sys_object_source_info``) and
``relations`` that name their ends by item index. IRE identifies and reconciles on its side, so
an item carries what identifies the CI (name, object id, serial number, IP, FQDN) rather than
changegate's own ids. IRE inserts and updates but never deletes relations: the removals of a
plan are returned separately (``relations_removed``) for the backend to delete through the CMDB
Instance API. Relation type names are the ``cmdb_rel_type`` names (``Depends on::Used by``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cmdb_sync.plan import DELETE, INSERT, Plan
from cmdb_sync.relations import RELATION_TYPES

#: changegate class -> ServiceNow CMDB class (the HCP Terraform connector's classes).
CLASS_NAMES: Mapping[str, str] = {
    "vm_instance": "cmdb_ci_vm_instance",
    "object_storage": "cmdb_ci_cloud_object_storage",
    "network": "cmdb_ci_network",
    "subnet": "cmdb_ci_cloud_subnet",
    "security_group": "cmdb_ci_compute_security_group",
    "database": "cmdb_ci_cloud_database",
    "db_cluster": "cmdb_ci_cloud_db_cluster",
    "dynamodb_table": "cmdb_ci_dynamodb_table",
    "function": "cmdb_ci_cloud_function",
    "load_balancer": "cmdb_ci_cloud_load_balancer",
    "ecs_cluster": "cmdb_ci_cloud_ecs_cluster",
    "kubernetes_cluster": "cmdb_ci_kubernetes_cluster",
    "storage_volume": "cmdb_ci_storage_volume",
    "host": "cmdb_ci_server",
}
GENERIC_CLASS = "cmdb_ci"
#: install_status / operational_status codes (ServiceNow choice values).
STATUS_CODES = {
    "installed": {"install_status": "1", "operational_status": "1"},
    "stale": {"install_status": "1", "operational_status": "2"},
    "retired": {"install_status": "7", "operational_status": "6"},
}
DATA_SOURCE = "changegate"


@dataclass(frozen=True)
class CiRef:
    """What IRE needs to identify a CI the plan does not rewrite (an edge's far end)."""

    ci_class: str
    name: str
    identifiers: tuple[tuple[str, str], ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    install_status: str = "installed"


def ire_payload(plan: Plan, known: Mapping[str, CiRef]) -> dict[str, Any]:
    """``{"items": [...], "relations": [...], "relations_removed": [...]}`` for ``plan``.

    ``known`` describes every CI the plan touches by id (the CMDB's current view, with the
    plan's own identifiers included); items come in a stable order (changed CIs, then edge
    ends), so the same plan always renders the same payload.
    """
    order: list[str] = []
    index: dict[str, int] = {}

    def item_of(ci_id: str) -> int:
        if ci_id not in index:
            index[ci_id] = len(order)
            order.append(ci_id)
        return index[ci_id]

    for write in plan.cis:
        item_of(write.ci_id)
    relations: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for edge in plan.edges:
        kind = RELATION_TYPES.get(edge.type)
        if kind is None:
            continue
        parent, child = (
            (edge.child_id, edge.parent_id) if kind.ire_swap else (edge.parent_id, edge.child_id)
        )
        if edge.op == INSERT:
            relations.append(
                {"parent": item_of(parent), "child": item_of(child), "type": kind.label}
            )
        elif edge.op == DELETE:
            removed.append({"parent": parent, "child": child, "type": kind.label})
    changed = {w.ci_id: w for w in plan.cis}
    items = [_item(ci_id, known.get(ci_id), changed.get(ci_id)) for ci_id in order]
    return {"items": items, "relations": relations, "relations_removed": removed}


def _item(ci_id: str, ref: CiRef | None, write: Any) -> dict[str, Any]:
    if ref is None:
        if write is None:
            raise KeyError(f"CI {ci_id} is in the plan but not described in known")
        ref = CiRef(write.ci_class, write.name, (), write.values.get("attributes", {}),
                    write.values.get("install_status", "installed"))  # fmt: skip
    attributes = (
        dict(write.values.get("attributes", {})) if write is not None else dict(ref.attributes)
    )
    status = write.values.get("install_status", ref.install_status) if write else ref.install_status
    identifiers = dict(ref.identifiers)
    values: dict[str, Any] = {"name": write.name if write is not None else ref.name}
    object_id = identifiers.get("provider_id", "").partition(":")[2]
    if object_id:
        values["object_id"] = object_id
    for target, names in (("ip_address", ("ip_address", "private_ip")), ("fqdn", ("fqdn",))):
        found = next((attributes[n] for n in names if isinstance(attributes.get(n), str)), None)
        if found:
            values[target] = found
    if identifiers.get("fqdn"):
        values["fqdn"] = identifiers["fqdn"]
    values.update(STATUS_CODES.get(status, STATUS_CODES["installed"]))
    item: dict[str, Any] = {
        "className": CLASS_NAMES.get(ref.ci_class, GENERIC_CLASS),
        "internal_id": ci_id,
        "values": values,
    }
    lookup = [
        {"className": "cmdb_serial_number", "values": _serial(identifiers[kind])}
        for kind in ("machine_id", "product_uuid")
        if identifiers.get(kind)
    ]
    if lookup:
        item["lookup"] = lookup
    native = (
        identifiers.get("arn") or identifiers.get("provider_id") or identifiers.get("machine_id")
    )
    if native:
        item["sys_object_source_info"] = {"source_name": DATA_SOURCE, "source_native_key": native}
    return item


def _serial(value: str) -> dict[str, str]:
    return {"serial_number": value, "serial_number_type": "uuid", "valid": "true"}
