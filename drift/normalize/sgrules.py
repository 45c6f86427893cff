"""Security-group rules reshaped into one identity, however they were declared.

AWS stores one rule per (group, direction, protocol, ports, source). Terraform lets a user write
the same rule three ways: an inline ``ingress``/``egress`` block of ``aws_security_group`` with
lists of CIDRs and groups, a legacy ``aws_security_group_rule`` (also with lists), or one
``aws_vpc_security_group_ingress_rule``/``_egress_rule`` per source. Comparing those shapes as
they are makes one rule show up as both missing and unmanaged, the most reported false drift of
driftctl (snyk/driftctl#8, #643, #1342).

``expand`` therefore turns every shape, on every view, into synthetic ``aws_security_group_rule``
resources, one per single source, with a canonical id::

    sgrule-<sg_id>-<ingress|egress>-<protocol>-<from_port>-<to_port>-<source>

where ``<source>`` is the IPv4 CIDR, the IPv6 CIDR, the prefix-list id or the source security
group id (``self`` becomes the group's own id). Their attributes are ``type``,
``security_group_id``, ``protocol``, ``from_port``, ``to_port``, exactly one of ``cidr_block``,
``ipv6_cidr_block``, ``prefix_list_id``, ``source_security_group_id``, and ``description`` when
set. Protocols are names (``6`` -> ``tcp``; ``all`` -> ``-1``, written ``all`` in the id); an
all-protocol rule has ports 0-0. Inline blocks are removed from the group itself. Tags of the
VPC rule resources are dropped: the inline form cannot carry them, and keeping them would split
one rule into two identities.
A rule the same view declares twice (an inline block that Terraform refreshed from a separate
rule resource) is kept once, preferring the separate resource for its address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from drift.model import Resource
from drift.normalize.registry import derive

RULE_TYPE = "aws_security_group_rule"
GROUP_TYPE = "aws_security_group"
VPC_RULE_TYPES: Mapping[str, str] = {
    "aws_vpc_security_group_ingress_rule": "ingress",
    "aws_vpc_security_group_egress_rule": "egress",
}
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
#: (list attribute in inline/legacy shapes, single attribute in the canonical rule)
_SOURCES = (
    ("cidr_blocks", "cidr_block"),
    ("ipv6_cidr_blocks", "ipv6_cidr_block"),
    ("prefix_list_ids", "prefix_list_id"),
    ("security_groups", "source_security_group_id"),
)
_VPC_SOURCES = (
    ("cidr_ipv4", "cidr_block"),
    ("cidr_ipv6", "ipv6_cidr_block"),
    ("prefix_list_id", "prefix_list_id"),
    ("referenced_security_group_id", "source_security_group_id"),
)


def expand(resources: Iterable[Resource]) -> list[Resource]:
    """``resources`` with every security-group rule shape replaced by canonical rule resources.

    Other resources pass through unchanged and in order; rules follow them, deduplicated.
    """
    passthrough: list[Resource] = []
    rules: dict[str, tuple[int, Resource]] = {}
    for resource in resources:
        if resource.type == GROUP_TYPE:
            group, inline = _split_group(resource)
            passthrough.append(group)
            _collect(rules, inline, priority=0)
        elif resource.type == RULE_TYPE:
            _collect(rules, _split_legacy(resource), priority=1)
        elif resource.type in VPC_RULE_TYPES:
            _collect(rules, _from_vpc_rule(resource), priority=1)
        else:
            passthrough.append(resource)
    passthrough.extend(rule for _, rule in rules.values())
    return passthrough


def rule_id(attributes: Mapping[str, Any]) -> str:
    """The canonical id of a canonical rule's attributes."""
    source = next((attributes[key] for _, key in _SOURCES if key in attributes), "none")
    protocol = attributes.get("protocol", "")
    return "sgrule-{}-{}-{}-{}-{}-{}".format(
        attributes.get("security_group_id", ""),
        attributes.get("type", ""),
        "all" if protocol == "-1" else protocol,
        attributes.get("from_port", ""),
        attributes.get("to_port", ""),
        source,
    )


def _collect(
    rules: dict[str, tuple[int, Resource]], new: Iterable[Resource], priority: int
) -> None:
    for rule in new:
        held = rules.get(rule.id)
        if held is None or held[0] < priority:
            rules[rule.id] = (priority, rule)


def _split_group(group: Resource) -> tuple[Resource, list[Resource]]:
    attributes = group.attributes
    if "ingress" not in attributes and "egress" not in attributes:
        return group, []
    rules: list[Resource] = []
    for direction in ("ingress", "egress"):
        for block in attributes.get(direction) or ():
            if isinstance(block, Mapping):
                base = _base(group.id, direction, block.get("protocol"), block)
                rules.extend(_per_source(group, base, block, self_id=group.id))
    kept = {k: v for k, v in attributes.items() if k not in ("ingress", "egress")}
    return derive(group, attributes=kept), rules


def _split_legacy(rule: Resource) -> list[Resource]:
    attributes = rule.attributes
    group_id = str(attributes.get("security_group_id", ""))
    direction = str(attributes.get("type", ""))
    base = _base(group_id, direction, attributes.get("protocol"), attributes)
    block = dict(attributes)
    if "source_security_group_id" in attributes:
        block["security_groups"] = [attributes["source_security_group_id"]]
    return list(_per_source(rule, base, block, self_id=group_id))


def _from_vpc_rule(rule: Resource) -> list[Resource]:
    attributes = rule.attributes
    group_id = str(attributes.get("security_group_id", ""))
    base = _base(group_id, VPC_RULE_TYPES[rule.type], attributes.get("ip_protocol"), attributes)
    for vpc_key, key in _VPC_SOURCES:
        if vpc_key in attributes:
            return [_synthetic(rule, {**base, key: attributes[vpc_key]})]
    return [_synthetic(rule, base)]


def _base(group_id: str, direction: str, protocol: Any, block: Mapping[str, Any]) -> dict[str, Any]:
    proto = _protocol(protocol)
    base: dict[str, Any] = {"type": direction, "security_group_id": group_id, "protocol": proto}
    if proto == "-1":
        base["from_port"], base["to_port"] = 0, 0
    else:
        base["from_port"] = _port(block.get("from_port"))
        base["to_port"] = _port(block.get("to_port"))
    description = block.get("description")
    if description:
        base["description"] = description
    return base


def _per_source(
    origin: Resource, base: dict[str, Any], block: Mapping[str, Any], *, self_id: str
) -> Iterator[Resource]:
    found = False
    for list_key, key in _SOURCES:
        for value in block.get(list_key) or ():
            found = True
            yield _synthetic(origin, {**base, key: value})
    if block.get("self"):
        found = True
        yield _synthetic(origin, {**base, "source_security_group_id": self_id})
    if not found:
        yield _synthetic(origin, base)


def _synthetic(origin: Resource, attributes: dict[str, Any]) -> Resource:
    return derive(
        origin,
        type=RULE_TYPE,
        id=rule_id(attributes),
        attributes=attributes,
        sensitive_paths=frozenset(),
    )


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "-1").strip().lower()
    return _PROTOCOLS.get(text, text)


def _port(value: Any) -> int | str:
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)
