"""Drift resources (Terraform state, live snapshot) as CMDB items.

Identity: the ARN when there is one, else ``type:id`` (type-qualified, since an S3 bucket and
an IAM user can share an id); the Terraform address becomes an alias qualified with the data
source name, never the key. Relations: each resource owns a ``depends_on`` edge to every
instance of each address in its state ``dependencies``, and a ``contains`` edge from the module
it sits in; modules are items of their own (``terraform_module``), nested modules contained by
their parent. Secrets never reach the CMDB: sensitive paths and secret-named keys are cut out
first (``drift.persist.redact``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cmdb_sync.config import CmdbConfig
from cmdb_sync.model import Item, Ref
from cmdb_sync.sources.base import environment_of
from drift.model import Resource

MODULE_CLASS = "terraform_module"
_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')
_MODULE_STEP = re.compile(r'module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?')


def config_address(address: str) -> str:
    """``module.a[0].aws_instance.web["x"]`` -> ``module.a.aws_instance.web`` (dependencies
    in a state name configuration addresses, without instance keys)."""
    return _INDEX.sub("", address)


def native_key(resource: Resource) -> str:
    """The ARN, else ``type:id``: unique within one state or snapshot."""
    arn = resource.attributes.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn
    return f"{_type(resource)}:{resource.id}"


def provider_id(resource: Resource) -> str | None:
    """``aws_instance:i-0abc``: joins state, snapshot and audit; ``None`` without a real id."""
    if resource.address is not None and resource.id == resource.address:
        return None
    return f"{_type(resource)}:{resource.id}"


def _type(resource: Resource) -> str:
    from drift.normalize import canonical_type

    return canonical_type(resource.type)


def resource_items(
    resources: Sequence[Resource],
    source: str,
    config: CmdbConfig,
    environment: str | None,
    *,
    with_attributes: bool = True,
) -> list[Item]:
    """One item per resource plus one per module; duplicates keep the first (see sync)."""
    keys = [native_key(r) for r in resources]
    by_address: dict[str, list[str]] = defaultdict(list)
    for resource, key in zip(resources, keys, strict=True):
        if resource.address:
            by_address[config_address(resource.address)].append(key)
    items = [
        _item(resource, key, source, config, environment, by_address, with_attributes)
        for resource, key in zip(resources, keys, strict=True)
    ]
    modules = sorted({m for r in resources if r.module for m in module_chain(r.module)})
    items.extend(_module_item(path, source) for path in modules)
    return items


def module_chain(module: str) -> list[str]:
    """``module.a.module.b`` -> ``[module.a, module.a.module.b]`` (each level is a CI)."""
    steps = _MODULE_STEP.findall(module)
    return [".".join(steps[: n + 1]) for n in range(len(steps))]


def _item(
    resource: Resource,
    key: str,
    source: str,
    config: CmdbConfig,
    environment: str | None,
    by_address: Mapping[str, list[str]],
    with_attributes: bool,
) -> Item:
    attributes: Mapping[str, Any] = {}
    if with_attributes:
        from drift.persist.redact import withhold_secrets

        attributes = (
            withhold_secrets(resource)[0] if _needs_redaction(resource) else resource.attributes
        )
    identifiers: list[tuple[str, str]] = []
    arn = resource.attributes.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        identifiers.append(("arn", arn))
    pid = provider_id(resource)
    if pid is not None:
        identifiers.append(("provider_id", pid))
    if resource.address:
        identifiers.append(("tf_address", f"{source}|{resource.address}"))
    return Item(
        native_key=key,
        ci_class=config.class_of(resource.type),
        name=_name(resource),
        environment=environment_of(resource.attributes, config.environment_tags, environment),
        identifiers=tuple(identifiers),
        attributes=attributes,
        refs=tuple(_refs(resource, key, by_address)),
    )


def _needs_redaction(resource: Resource) -> bool:
    from drift.persist.redact import secret_key_paths

    return bool(resource.sensitive_paths) or bool(secret_key_paths(resource.attributes))


def _refs(resource: Resource, key: str, by_address: Mapping[str, list[str]]) -> Iterable[Ref]:
    targets: set[str] = set()
    for dependency in resource.dependencies:
        targets.update(by_address.get(config_address(dependency), ()))
    targets.discard(key)
    refs = [Ref("depends_on", target) for target in sorted(targets)]
    if resource.module:
        refs.append(Ref("contains", f"module:{resource.module}"))
    return refs


def _name(resource: Resource) -> str:
    tags = resource.attributes.get("tags")
    if isinstance(tags, Mapping):
        name = tags.get("Name")
        if isinstance(name, str) and name:
            return name
    return resource.address or resource.id


def _module_item(path: str, source: str) -> Item:
    chain = module_chain(path)
    refs = (Ref("contains", f"module:{chain[-2]}"),) if len(chain) > 1 else ()
    return Item(
        native_key=f"module:{path}",
        ci_class=MODULE_CLASS,
        name=path,
        identifiers=(("tf_address", f"{source}|{path}"),),
        refs=refs,
    )
