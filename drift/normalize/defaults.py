"""Objects AWS creates on its own: reported as unmanaged only in strict mode.

Every VPC comes with a main route table (and its ``local`` route), a default network ACL with
its allow-all/deny-all entries, and a security group named ``default`` with its two rules (all
in from itself, all out); every region has a default VPC with default subnets and an internet
gateway; AWS services create service-linked roles (path ``/aws-service-role/``), AWS-managed
KMS aliases (``alias/aws/...``) and IAM policies (``arn:aws:iam::aws:policy/...``). Nobody
manages those in Terraform, and listing them as unmanaged buries the real findings (driftctl's
default-noise middlewares). They are suppressed from the live side only when nothing declares
them: a declared default (``aws_default_vpc`` aliases to ``aws_vpc``) is matched and compared
as usual. Rules, routes and entries a user added to these default objects are not AWS-owned and
stay visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drift.model import Resource


@dataclass
class OwnedContext:
    """Ids of AWS-created objects, learnt from the whole live view before judging each one."""

    default_vpcs: set[str] = field(default_factory=set)
    default_groups: set[str] = field(default_factory=set)
    default_acls: set[str] = field(default_factory=set)
    main_tables: set[str] = field(default_factory=set)
    service_roles: set[str] = field(default_factory=set)
    default_vpc_tables: set[str] = field(default_factory=set)


def aws_owned_keys(live: Iterable[Resource]) -> frozenset[tuple[str, str]]:
    """The ``(type, id)`` keys of live resources AWS created by itself (see module doc)."""
    resources = list(live)
    context = _context(resources)
    owned = set()
    for resource in resources:
        check = _CHECKS.get(resource.type)
        if check is not None and check(resource.attributes, resource.id, context):
            owned.add(resource.key)
    return frozenset(owned)


def _flag(attributes: Mapping[str, Any], *names: str) -> bool:
    return any(attributes.get(name) is True for name in names)


def _context(resources: list[Resource]) -> OwnedContext:
    context = OwnedContext()
    table_vpcs: dict[str, Any] = {}
    for resource in resources:
        if resource.type == "aws_route_table":
            table_vpcs[resource.id] = resource.attributes.get("vpc_id")
        attributes, kind = resource.attributes, resource.type
        if kind == "aws_vpc":
            if _flag(attributes, "default", "is_default"):
                context.default_vpcs.add(resource.id)
            _add(context.default_groups, attributes.get("default_security_group_id"))
            _add(context.default_acls, attributes.get("default_network_acl_id"))
            _add(context.main_tables, attributes.get("main_route_table_id"))
            _add(context.main_tables, attributes.get("default_route_table_id"))
        elif kind == "aws_security_group" and attributes.get("name") == "default":
            context.default_groups.add(resource.id)
        elif kind == "aws_network_acl" and _flag(attributes, "default", "is_default"):
            context.default_acls.add(resource.id)
        elif kind == "aws_route_table" and _is_main_table(attributes):
            context.main_tables.add(resource.id)
        elif kind == "aws_iam_role" and _is_service_role(attributes):
            context.service_roles.add(str(attributes.get("name") or resource.id))
    context.default_vpc_tables = {t for t, v in table_vpcs.items() if v in context.default_vpcs}
    return context


def _add(bucket: set[str], value: Any) -> None:
    if isinstance(value, str) and value:
        bucket.add(value)


def _is_main_table(attributes: Mapping[str, Any]) -> bool:
    if _flag(attributes, "main", "is_main"):
        return True
    associations = attributes.get("associations") or attributes.get("association") or ()
    return any(isinstance(a, Mapping) and a.get("main") is True for a in associations)


def _is_service_role(attributes: Mapping[str, Any]) -> bool:
    return str(attributes.get("path", "")).startswith("/aws-service-role/")


def _is_default_group_rule(attributes: Mapping[str, Any], context: OwnedContext) -> bool:
    """The two rules AWS puts in a default group: all traffic in from itself, all out."""
    group = attributes.get("security_group_id")
    if group not in context.default_groups or attributes.get("protocol") != "-1":
        return False
    if attributes.get("type") == "ingress":
        return bool(attributes.get("source_security_group_id") == group)
    return (
        attributes.get("cidr_block") == "0.0.0.0/0" or attributes.get("ipv6_cidr_block") == "::/0"
    )


def _is_default_acl_rule(attributes: Mapping[str, Any], context: OwnedContext) -> bool:
    """The allow-all (100/101) and deny-all (32767/32768) entries of a default ACL."""
    if attributes.get("network_acl_id") not in context.default_acls:
        return False
    return attributes.get("rule_number") in (100, 101, 32767, 32768)


def _is_default_route(attributes: Mapping[str, Any], context: OwnedContext) -> bool:
    """The ``local`` route of any table, and every route of the default VPC's tables."""
    if attributes.get("gateway_id") == "local":
        return True
    return attributes.get("route_table_id") in context.default_vpc_tables


Check = Callable[[Mapping[str, Any], str, OwnedContext], bool]

_CHECKS: Mapping[str, Check] = {
    "aws_vpc": lambda a, i, c: i in c.default_vpcs,
    "aws_subnet": lambda a, i, c: _flag(a, "default_for_az"),
    "aws_internet_gateway": lambda a, i, c: a.get("vpc_id") in c.default_vpcs,
    "aws_security_group": lambda a, i, c: i in c.default_groups,
    "aws_security_group_rule": lambda a, i, c: _is_default_group_rule(a, c),
    "aws_network_acl": lambda a, i, c: i in c.default_acls,
    "aws_network_acl_rule": lambda a, i, c: _is_default_acl_rule(a, c),
    "aws_route_table": lambda a, i, c: i in c.main_tables,
    "aws_route": lambda a, i, c: _is_default_route(a, c),
    "aws_iam_role": lambda a, i, c: _is_service_role(a),
    "aws_iam_role_policy": lambda a, i, c: a.get("role") in c.service_roles,
    "aws_iam_role_policy_attachment": lambda a, i, c: a.get("role") in c.service_roles,
    "aws_iam_policy": lambda a, i, c: str(a.get("arn") or i).startswith("arn:aws:iam::aws:"),
    "aws_kms_alias": lambda a, i, c: str(a.get("name") or i).startswith("alias/aws/"),
    "aws_kms_key": lambda a, i, c: a.get("key_manager") == "AWS",
}
