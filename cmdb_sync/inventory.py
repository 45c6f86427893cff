"""The CMDB as an Ansible inventory: what the ``changegate.itsm.cmdb`` plugin calls.

Hosts are the CIs of the chosen classes (``host`` and ``vm_instance`` by default), filtered by
environment and tags, retired ones left out. Each host gets its CMDB facts as variables
(``cmdb_id``, ``cmdb_class``, ``cmdb_environment``, ``cmdb_drift_status``...), an
``ansible_host`` from its IP attributes, and groups: ``class_<class>``, ``env_<environment>``,
``drift_<status>`` and every Ansible group it is ``member_of``. Plain data in, plain data out:
the plugin adds Ansible's own keyed groups and compose on top.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from change_control.store.schema import ci_relations, cis
from cmdb_sync.model import CI
from cmdb_sync.query import list_cis

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class InventoryQuery:
    """Which CIs become hosts, and how they are named and reached."""

    classes: tuple[str, ...] = ("host", "vm_instance")
    environments: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    include_retired: bool = False
    address_attributes: tuple[str, ...] = ("ip_address", "private_ip", "public_ip")


@dataclass(frozen=True)
class InventoryHost:
    """One inventory host: its name, groups and variables."""

    name: str
    groups: tuple[str, ...]
    variables: dict[str, Any]


def group_name(text: str) -> str:
    """A valid Ansible group name (``env_prod-eu`` -> ``env_prod_eu``)."""
    return _UNSAFE.sub("_", text)


def inventory_hosts(url: str, query: InventoryQuery) -> list[InventoryHost]:
    """Open the store at ``url`` (read only) and build the hosts; the store is closed after."""
    from change_control.store.engine import open_store

    store = open_store(url)
    try:
        with store.read() as conn:
            found: list[CI] = []
            for ci_class in query.classes:
                found += list_cis(conn, ci_class=ci_class, include_retired=query.include_retired)
            found = [ci for ci in found if _selected(ci, query)]
            memberships = _memberships(conn, [ci.id for ci in found])
    finally:
        store.dispose()
    return build_hosts(found, memberships, query)


def build_hosts(
    found: Sequence[CI], memberships: Mapping[str, list[str]], query: InventoryQuery
) -> list[InventoryHost]:
    """Hosts for the selected CIs; a name two CIs share gets the CI id appended."""
    counts = Counter(ci.name for ci in found)
    hosts: list[InventoryHost] = []
    for ci in sorted(found, key=lambda c: (c.name, c.id)):
        name = ci.name if counts[ci.name] == 1 else f"{ci.name}_{ci.id}"
        groups = [f"class_{ci.ci_class}", f"drift_{ci.drift_status}"]
        if ci.environment:
            groups.append(f"env_{ci.environment}")
        groups += memberships.get(ci.id, [])
        hosts.append(
            InventoryHost(name, tuple(sorted({group_name(g) for g in groups})), _vars(ci, query))
        )
    return hosts


def _selected(ci: CI, query: InventoryQuery) -> bool:
    if query.environments and ci.environment not in query.environments:
        return False
    tags = ci.attributes.get("tags")
    tags = tags if isinstance(tags, Mapping) else {}
    return all(str(tags.get(k)) == v for k, v in query.tags.items())


def _vars(ci: CI, query: InventoryQuery) -> dict[str, Any]:
    tags = ci.attributes.get("tags")
    out: dict[str, Any] = {
        "cmdb_id": ci.id,
        "cmdb_class": ci.ci_class,
        "cmdb_environment": ci.environment,
        "cmdb_install_status": str(ci.install_status),
        "cmdb_drift_status": str(ci.drift_status),
        "cmdb_drift_findings": list(ci.drift_findings),
        "cmdb_identifiers": {kind: value for kind, value in ci.identifiers},
        "cmdb_attributes": dict(ci.attributes),
        "cmdb_tags": dict(tags) if isinstance(tags, Mapping) else {},
    }
    for name in query.address_attributes:
        value = ci.attributes.get(name)
        if isinstance(value, str) and value:
            out["ansible_host"] = value
            break
    return out


def _memberships(conn: Any, ci_ids: Sequence[str]) -> dict[str, list[str]]:
    """CI id -> names of the Ansible groups it is ``member_of``."""
    if not ci_ids:
        return {}
    r = ci_relations.c
    query = (
        select(r.parent_id, cis.c.name)
        .join(cis, cis.c.id == r.child_id)
        .where(r.type == "member_of", r.parent_id.in_(list(ci_ids)))
    )
    out: dict[str, list[str]] = {}
    for parent, name in conn.execute(query):
        out.setdefault(parent, []).append(name)
    return out
