"""Terraform state v4 (the ``terraform.tfstate`` file format) to declared resources.

Managed instances only: data sources describe what Terraform read, not what it owns. Every
provider and type is kept, known or not, so an opaque resource still counts as managed and never
shows up as unmanaged. Attribute dicts are passed through as parsed, without copies: a
50,000-resource state must not be walked twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from change_control.errors import InputError
from drift.model import Resource, View
from drift.sources.base import NOT_A_STATE, UNSUPPORTED_VERSION, SourceResult

STATE_VERSION = 4
NO_PATHS: frozenset[tuple[str | int, ...]] = frozenset()

_DYNAMIC_ATTRIBUTES = ("input", "output", "triggers_replace")
_PROVIDER_QUOTED = re.compile(r'provider\["([^"]+)"\]')
_PROVIDER_LEGACY = re.compile(r"(?:^|\.)provider\.([A-Za-z0-9_-]+)")


@lru_cache(maxsize=512)
def provider_short_name(text: str) -> str:
    """``aws`` from ``provider["registry.terraform.io/hashicorp/aws"].west``, ``provider.aws``
    (Terraform 0.12) or ``registry.terraform.io/hashicorp/aws`` (show -json); aliases dropped
    because the region, not the alias, is what a finding needs (it comes from the ARN)."""
    quoted = _PROVIDER_QUOTED.search(text)
    if quoted:
        return quoted.group(1).rsplit("/", 1)[-1]
    legacy = _PROVIDER_LEGACY.search(text)
    if legacy:
        return legacy.group(1)
    return text.rsplit("/", 1)[-1]


def resource_id(attributes: Mapping[str, Any], address: str) -> str:
    """The provider id (what live collectors report), else the ARN, else the address."""
    for name in ("id", "arn"):
        value = attributes.get(name)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return address


def arn_location(attributes: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(region, account) from the ARN, the one place a state records them per resource."""
    arn = attributes.get("arn")
    region: str | None = None
    account: str | None = None
    if isinstance(arn, str) and arn.startswith("arn:"):
        parts = arn.split(":", 5)
        if len(parts) == 6:
            region, account = parts[3] or None, parts[4] or None
    if region is None:
        attr_region = attributes.get("region")
        region = attr_region if isinstance(attr_region, str) and attr_region else None
    return region, account


def index_suffix(key: Any) -> str:
    """Terraform's address suffix: ``[0]`` for count, ``["a"]`` for for_each."""
    if key is None:
        return ""
    if isinstance(key, str):
        return "[" + json.dumps(key, ensure_ascii=False) + "]"
    return f"[{key}]"


def state_sensitive_paths(paths: Any) -> frozenset[tuple[str | int, ...]]:
    """Attribute paths from the state's ``sensitive_attributes`` (cty path steps).

    A step this reader does not understand ends the path there: marking a parent as sensitive
    hides more than necessary, which is the safe way to be wrong.
    """
    if not paths or not isinstance(paths, list):
        return NO_PATHS
    out: set[tuple[str | int, ...]] = set()
    for steps in paths:
        if isinstance(steps, list):
            out.add(_cty_path(steps))
    return frozenset(out)


def _cty_path(steps: list[Any]) -> tuple[str | int, ...]:
    path: list[str | int] = []
    for step in steps:
        part = _cty_step(step)
        if part is None:
            break
        path.append(part)
    return tuple(path)


def _cty_step(step: Any) -> str | int | None:
    if not isinstance(step, dict):
        return None
    value = step.get("value")
    if step.get("type") == "get_attr":
        return value if isinstance(value, str) else None
    if step.get("type") == "index" and isinstance(value, dict):
        key = value.get("value")
        if value.get("type") == "number" and isinstance(key, int | float):
            return int(key)
        if isinstance(key, str):
            return key
    return None


def parse_state(doc: Mapping[str, Any], origin: str, meta: Mapping[str, Any]) -> SourceResult:
    """Declared resources of a state v4 document; outputs are never read (they can be secret)."""
    version = doc.get("version")
    if version != STATE_VERSION:
        raise InputError(
            f"{origin}: unsupported state version {version} "
            f"(changegate reads version {STATE_VERSION})",
            UNSUPPORTED_VERSION,
        )
    blocks = doc.get("resources")
    blocks = [] if blocks is None else blocks
    if not isinstance(blocks, list):
        raise InputError(f"{origin}: not a Terraform state (resources is not a list)", NOT_A_STATE)
    resources: list[Resource] = []
    deposed = 0
    for number, block in enumerate(blocks):
        if not isinstance(block, dict):
            raise InputError(f"{origin}: resources[{number}] is not an object", NOT_A_STATE)
        if block.get("mode", "managed") == "managed":
            deposed += _convert_block(block, number, origin, resources)
    return SourceResult(
        resources=tuple(resources),
        origin=origin,
        meta={
            **meta,
            "kind": "tfstate",
            "lineage": doc.get("lineage"),
            "serial": doc.get("serial"),
            "terraform_version": doc.get("terraform_version"),
            "resources": len(resources),
            "deposed_skipped": deposed,
        },
    )


def _convert_block(block: Mapping[str, Any], number: int, origin: str, out: list[Resource]) -> int:
    """Append one resource block's instances; return how many deposed objects were skipped.

    A deposed object is the old half of an unfinished create_before_destroy that the next apply
    destroys; it is Terraform's cleanup, not drift, so it is not reported.
    """
    rtype, name = block.get("type"), block.get("name")
    if not isinstance(rtype, str) or not isinstance(name, str):
        raise InputError(f"{origin}: resources[{number}] has no type or name", NOT_A_STATE)
    module = block.get("module") or None
    base = f"{module}.{rtype}.{name}" if module else f"{rtype}.{name}"
    provider_text = block.get("provider")
    provider = provider_short_name(provider_text) if isinstance(provider_text, str) else None
    instances = block.get("instances")
    instances = [] if instances is None else instances
    if not isinstance(instances, list):
        raise InputError(f"{origin}: resources[{number}].instances is not a list", NOT_A_STATE)
    deposed = 0
    for inst in instances:
        if not isinstance(inst, dict) or not isinstance(inst.get("attributes", {}), dict):
            raise InputError(f"{origin}: {base}: an instance has no attributes object", NOT_A_STATE)
        if "deposed" in inst:
            deposed += 1
            continue
        out.append(_instance(inst, base, rtype, module, provider, origin))
    return deposed


def unwrap_dynamic(rtype: str, attributes: Mapping[str, Any]) -> Mapping[str, Any]:
    """``terraform_data``'s dynamically typed attributes without the state's type wrapper.

    The state stores ``input``/``output``/``triggers_replace`` as ``{"value": ..., "type": ...}``
    while ``show -json`` and ``sensitive_attributes`` use the bare value; unwrapping makes the
    three agree (so a sensitive ``input.password`` is found). Only this built-in type is
    touched: a real map attribute may legitimately have keys named ``value`` and ``type``.
    """
    if rtype != "terraform_data":
        return attributes
    out = dict(attributes)
    for name in _DYNAMIC_ATTRIBUTES:
        value = out.get(name)
        if isinstance(value, dict) and value.keys() == {"value", "type"}:
            out[name] = value["value"]
    return out


def _instance(
    inst: Mapping[str, Any],
    base: str,
    rtype: str,
    module: str | None,
    provider: str | None,
    origin: str,
) -> Resource:
    attributes = unwrap_dynamic(rtype, inst.get("attributes") or {})
    address = base + index_suffix(inst.get("index_key"))
    region, account = arn_location(attributes)
    sensitive = inst.get("sensitive_attributes")
    dependencies = inst.get("dependencies")
    return Resource(
        type=rtype,
        id=resource_id(attributes, address),
        attributes=attributes,
        view=View.DECLARED,
        address=address,
        source=origin,
        region=region,
        account=account,
        provider=provider,
        module=module,
        sensitive_paths=state_sensitive_paths(sensitive) if sensitive else NO_PATHS,
        dependencies=tuple(dependencies) if dependencies else (),
    )
