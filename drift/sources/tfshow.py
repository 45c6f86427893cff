"""``terraform show -json`` output: the state form, and a saved plan's ``resource_drift``.

HashiCorp documents this JSON as the stable interface for programs, so it is the format to
accept from users who cannot hand over the raw state. A refresh-only plan's ``resource_drift``
is the provider's own reading of the drift; each entry becomes a declared resource (``before``)
and, unless the object is gone, a live one (``after``), so the engine compares them like any
other pair and reports a deleted object as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from change_control.errors import InputError
from drift.model import Resource, View
from drift.sources.base import NOT_A_STATE, SourceResult
from drift.sources.tfstate import NO_PATHS, arn_location, provider_short_name, resource_id


def sensitive_value_paths(mask: Any) -> frozenset[tuple[str | int, ...]]:
    """Paths marked ``true`` in a ``sensitive_values``/``before_sensitive`` mask.

    The mask mirrors the value's shape; a bare ``true`` marks the whole object.
    """
    if mask is True:
        return frozenset({()})
    if not mask:
        return NO_PATHS
    found: list[tuple[str | int, ...]] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), mask)]
    while stack:
        path, node = stack.pop()
        if node is True:
            found.append(path)
        elif isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items() if v)
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node) if v)
    return frozenset(found) if found else NO_PATHS


def _provider(entry: Mapping[str, Any]) -> str | None:
    name = entry.get("provider_name")
    return provider_short_name(name) if isinstance(name, str) else None


def _as_resource(
    entry: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    view: View,
    module: str | None,
    origin: str,
    mask: Any,
) -> Resource:
    address = entry["address"]
    region, account = arn_location(values)
    depends = entry.get("depends_on")
    return Resource(
        type=entry["type"],
        id=resource_id(values, address),
        attributes=values,
        view=view,
        address=address,
        source=origin,
        region=region,
        account=account,
        provider=_provider(entry),
        module=module,
        sensitive_paths=sensitive_value_paths(mask),
        dependencies=tuple(depends) if depends else (),
    )


def _check_entry(entry: Any, where: str, origin: str) -> Mapping[str, Any]:
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("address"), str)
        or not isinstance(entry.get("type"), str)
    ):
        raise InputError(f"{origin}: {where} has an entry without address or type", NOT_A_STATE)
    return entry


def _module_resources(
    module: Mapping[str, Any], origin: str, out: list[Resource]
) -> list[Mapping[str, Any]]:
    """Append one module's managed resources; return its child modules to visit next."""
    address = module.get("address") or None
    where = f"module {address}" if address else "root_module"
    for raw in module.get("resources") or []:
        entry = _check_entry(raw, where, origin)
        if entry.get("mode", "managed") != "managed" or entry.get("deposed_key"):
            continue
        values = entry.get("values") or {}
        out.append(
            _as_resource(
                entry,
                values,
                view=View.DECLARED,
                module=address,
                origin=origin,
                mask=entry.get("sensitive_values"),
            )
        )
    children = module.get("child_modules") or []
    return [c for c in children if isinstance(c, dict)]


def parse_show_state(doc: Mapping[str, Any], origin: str, meta: Mapping[str, Any]) -> SourceResult:
    """Declared resources of ``terraform show -json`` state output (modules walked in order).

    Outputs are never read: ``show -json`` prints sensitive outputs in clear text.
    """
    values = doc.get("values") or {}
    root = values.get("root_module") if isinstance(values, dict) else None
    resources: list[Resource] = []
    pending: list[Mapping[str, Any]] = [root] if isinstance(root, dict) else []
    while pending:
        module = pending.pop(0)
        pending.extend(_module_resources(module, origin, resources))
    return SourceResult(
        resources=tuple(resources),
        origin=origin,
        meta={
            **meta,
            "kind": "show-json",
            "format_version": doc.get("format_version"),
            "terraform_version": doc.get("terraform_version"),
            "resources": len(resources),
        },
    )


def _drift_pair(entry: Mapping[str, Any], origin: str) -> list[Resource]:
    change = entry.get("change")
    if not isinstance(change, dict):
        raise InputError(f"{origin}: resource_drift {entry['address']} has no change", NOT_A_STATE)
    module = entry.get("module_address") or None
    pair: list[Resource] = []
    before, after = change.get("before"), change.get("after")
    if isinstance(before, dict):
        pair.append(
            _as_resource(
                entry,
                before,
                view=View.DECLARED,
                module=module,
                origin=origin,
                mask=change.get("before_sensitive"),
            )
        )
    if isinstance(after, dict) and "delete" not in (change.get("actions") or ()):
        pair.append(
            _as_resource(
                entry,
                after,
                view=View.LIVE,
                module=module,
                origin=origin,
                mask=change.get("after_sensitive"),
            )
        )
    return pair


def parse_plan_drift(doc: Mapping[str, Any], origin: str, meta: Mapping[str, Any]) -> SourceResult:
    """Declared/live pairs from a saved plan's ``resource_drift`` (managed, current objects).

    Only drifted resources appear: Terraform lists an entry only when the refreshed value
    differs, so a plan with no ``resource_drift`` yields no resources at all.
    """
    drift = doc.get("resource_drift")
    drift = [] if drift is None else drift
    if not isinstance(drift, list):
        raise InputError(f"{origin}: resource_drift is not a list", NOT_A_STATE)
    resources: list[Resource] = []
    for raw in drift:
        entry = _check_entry(raw, "resource_drift", origin)
        if entry.get("mode", "managed") != "managed" or entry.get("deposed"):
            continue
        resources.extend(_drift_pair(entry, origin))
    return SourceResult(
        resources=tuple(resources),
        origin=origin,
        meta={
            **meta,
            "kind": "plan",
            "format_version": doc.get("format_version"),
            "terraform_version": doc.get("terraform_version"),
            "drifted": sum(1 for r in resources if r.view is View.DECLARED),
        },
    )
