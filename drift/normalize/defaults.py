"""Objects AWS creates on its own: reported as unmanaged only in strict mode.

Every VPC comes with a main route table (and its ``local`` route), a default network ACL with
its allow-all/deny-all entries, and a security group named ``default`` with its two rules (all
in from itself, all out); every region has a default VPC with default subnets and an internet
gateway; AWS services create service-linked roles (path ``/aws-service-role/``), AWS-managed
KMS aliases (``alias/aws/...``) and IAM policies (``arn:aws:iam::aws:policy/...``). Nobody
manages those in Terraform, and listing them as unmanaged buries the real findings (driftctl's
default-noise middlewares). So are the SOA and apex NS records of every hosted zone and the
settings every S3 bucket has until changed (versioning off, SSE-S3, the public-access block AWS
puts on new buckets), and the volumes an instance launch creates (declared inside
``aws_instance``, never as ``aws_ebs_volume``). They are suppressed from the live side only when
nothing declares them: a declared default (``aws_default_vpc`` aliases to ``aws_vpc``) is
matched and compared as usual. Rules, routes and entries a user added to these default objects
are not AWS-owned and stay visible.
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
    zone_names: dict[str, str] = field(default_factory=dict)
    instance_volumes: set[str] = field(default_factory=set)


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
        _learn_parent(context, resource)
    context.default_vpc_tables = {t for t, v in table_vpcs.items() if v in context.default_vpcs}
    return context


def _learn_parent(context: OwnedContext, resource: Resource) -> None:
    """What an instance or a hosted zone says about the objects AWS created along with it."""
    if resource.type == "aws_instance":
        context.instance_volumes.update(_launch_volumes(resource.attributes))
    elif resource.type == "aws_route53_zone":
        name = str(resource.attributes.get("name", ""))
        context.zone_names[resource.id] = name.rstrip(".").lower()


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


def _launch_volumes(attributes: Mapping[str, Any]) -> set[str]:
    """Volumes an instance launch created: its root device and the block devices deleted with
    it. Terraform declares them inside ``aws_instance``, never as ``aws_ebs_volume``."""
    found = set()
    for name in ("root_block_device", "ebs_block_device"):
        for device in attributes.get(name) or ():
            if not isinstance(device, Mapping) or not device.get("volume_id"):
                continue
            if name == "root_block_device" or device.get("delete_on_termination") is True:
                found.add(str(device["volume_id"]))
    return found


def _is_zone_apex_record(attributes: Mapping[str, Any], context: OwnedContext) -> bool:
    """The SOA record and the apex NS record Route 53 creates with every hosted zone."""
    kind = attributes.get("type")
    if kind == "SOA":
        return True
    zone = context.zone_names.get(str(attributes.get("zone_id")))
    return kind == "NS" and zone is not None and attributes.get("name") == zone


def _only_block(attributes: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    blocks = attributes.get(name)
    if isinstance(blocks, list) and len(blocks) == 1 and isinstance(blocks[0], Mapping):
        return blocks[0]
    return {}


def _is_default_bucket_encryption(attributes: Mapping[str, Any]) -> bool:
    """SSE-S3 without a bucket key: what AWS applies to every bucket since January 2023."""
    rule = _only_block(attributes, "rule")
    default = _only_block(rule, "apply_server_side_encryption_by_default")
    return (
        default.get("sse_algorithm") == "AES256"
        and not default.get("kms_master_key_id")
        and not rule.get("bucket_key_enabled")
    )


_BLOCK_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


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
    "aws_route53_record": lambda a, i, c: _is_zone_apex_record(a, c),
    "aws_ebs_volume": lambda a, i, c: i in c.instance_volumes,
    # S3 settings every bucket has until someone changes them (the bucket itself may be managed
    # without them being declared): versioning never enabled, default encryption, and the
    # public-access block AWS puts on new buckets since April 2023.
    "aws_s3_bucket_versioning": lambda a, i, c: (
        _only_block(a, "versioning_configuration").get("status") in (None, "Disabled")
    ),
    "aws_s3_bucket_server_side_encryption_configuration": lambda a, i, c: (
        _is_default_bucket_encryption(a)
    ),
    "aws_s3_bucket_public_access_block": lambda a, i, c: all(
        a.get(f) is True for f in _BLOCK_FLAGS
    ),
}
