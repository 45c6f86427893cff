"""Security groups and their rules, shaped so every Terraform spelling meets one identity.

``aws_security_group`` carries its rules inline (``ingress``/``egress`` blocks, as the provider's
read fills them whatever resource declared the rule); the rule collector reads
``DescribeSecurityGroupRules`` (one paginated call per region) into
``aws_vpc_security_group_ingress_rule``/``_egress_rule`` with their ``sgr-`` ids and tags. The
engine's ``drift.normalize.sgrules.expand`` turns all of them, on both views, into canonical
single-source ``aws_security_group_rule`` resources, so a rule declared inline, as a legacy
``aws_security_group_rule`` or as a VPC rule resource matches the live rule (and the two live
shapes of one rule collapse into one). One block per source keeps each source's description.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from drift.aws.collectors.common import tag_map, tagged
from drift.aws.registry import Api, Collector, Context, Found, Listing, register
from drift.model import Resource

DESCRIBE_SECURITY_GROUPS = Api("ec2", "DescribeSecurityGroups")
DESCRIBE_SECURITY_GROUP_RULES = Api("ec2", "DescribeSecurityGroupRules")

INGRESS_RULE = "aws_vpc_security_group_ingress_rule"
EGRESS_RULE = "aws_vpc_security_group_egress_rule"
LEGACY_RULE = "aws_security_group_rule"


def group_reference(pair: Mapping[str, Any], owner: str) -> str:
    """A referenced group as the provider writes it: ``sg-1``, or ``ACCOUNT/sg-1`` across
    accounts."""
    user = str(pair.get("UserId") or "")
    group = str(pair.get("GroupId") or "")
    return f"{user}/{group}" if user and owner and user != owner else group


def _ports(permission: Mapping[str, Any]) -> dict[str, Any]:
    protocol = str(permission.get("IpProtocol", "-1"))
    if protocol == "-1":
        return {"protocol": protocol, "from_port": 0, "to_port": 0}
    return {
        "protocol": protocol,
        "from_port": int(permission.get("FromPort", 0)),
        "to_port": int(permission.get("ToPort", 0)),
    }


def _sources(
    permission: Mapping[str, Any], group_id: str, owner: str
) -> Iterator[tuple[dict[str, Any], str | None]]:
    for item in permission.get("IpRanges") or ():
        yield {"cidr_blocks": [item["CidrIp"]]}, item.get("Description")
    for item in permission.get("Ipv6Ranges") or ():
        yield {"ipv6_cidr_blocks": [item["CidrIpv6"]]}, item.get("Description")
    for item in permission.get("PrefixListIds") or ():
        yield {"prefix_list_ids": [item["PrefixListId"]]}, item.get("Description")
    for pair in permission.get("UserIdGroupPairs") or ():
        if pair.get("GroupId") == group_id:
            yield {"self": True}, pair.get("Description")
        else:
            yield {"security_groups": [group_reference(pair, owner)]}, pair.get("Description")


def rule_blocks(
    permissions: Iterable[Mapping[str, Any]], group_id: str, owner: str
) -> list[dict[str, Any]]:
    """``IpPermissions`` as the provider's ``ingress``/``egress`` blocks, one per source."""
    blocks = []
    for permission in permissions:
        ports = _ports(permission)
        for source, description in _sources(permission, group_id, owner):
            blocks.append(
                {
                    "cidr_blocks": [],
                    "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [],
                    "security_groups": [],
                    "self": False,
                    **ports,
                    **source,
                    "description": description or "",
                }
            )
    return blocks


def _group(group: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    ident, owner = group["GroupId"], str(group.get("OwnerId", ctx.account))
    attributes: dict[str, Any] = {
        "id": ident,
        "arn": group.get("SecurityGroupArn") or ctx.arn("ec2", f"security-group/{ident}"),
        "name": group.get("GroupName"),
        "description": group.get("Description"),
        "vpc_id": group.get("VpcId"),
        "owner_id": owner,
        "ingress": rule_blocks(group.get("IpPermissions") or (), ident, owner),
        "egress": rule_blocks(group.get("IpPermissionsEgress") or (), ident, owner),
    }
    return tagged(attributes, tag_map(group.get("Tags")))


def _rule(rule: Mapping[str, Any], ctx: Context) -> Found:
    ident = rule["SecurityGroupRuleId"]
    protocol = str(rule.get("IpProtocol", "-1"))
    reference = rule.get("ReferencedGroupInfo")
    attributes: dict[str, Any] = {
        "id": ident,
        "security_group_rule_id": ident,
        "arn": ctx.arn("ec2", f"security-group-rule/{ident}"),
        "security_group_id": rule.get("GroupId"),
        "ip_protocol": protocol,
        "cidr_ipv4": rule.get("CidrIpv4"),
        "cidr_ipv6": rule.get("CidrIpv6"),
        "prefix_list_id": rule.get("PrefixListId"),
        "referenced_security_group_id": (
            group_reference(reference, str(rule.get("GroupOwnerId", ctx.account)))
            if reference
            else None
        ),
        "description": rule.get("Description"),
    }
    if protocol != "-1":
        attributes["from_port"] = rule.get("FromPort")
        attributes["to_port"] = rule.get("ToPort")
    kind = EGRESS_RULE if rule.get("IsEgress") else INGRESS_RULE
    return Found(ident, tagged(attributes, tag_map(rule.get("Tags"))), type=kind)


def collect_rules(ctx: Context) -> list[Found]:
    """Every rule of the region (or of the managed groups under ``--only-managed``)."""
    listing = Listing(
        DESCRIBE_SECURITY_GROUP_RULES,
        "SecurityGroupRules[]",
        "SecurityGroupRuleId",
        lambda item, _: dict(item),
        id_filter="group-id",
    )
    return [_rule(item, ctx) for item in listing.items(ctx)]


def rule_groups(resource: Resource) -> Iterable[str]:
    """``--only-managed`` key of a declared rule: the group it belongs to."""
    group = resource.attributes.get("security_group_id")
    return (str(group),) if group else ()


register(
    Collector(
        type="aws_security_group",
        service="ec2",
        apis=(DESCRIBE_SECURITY_GROUPS,),
        collect=Listing(
            DESCRIBE_SECURITY_GROUPS, "SecurityGroups[]", "GroupId", _group, id_filter="group-id"
        ),
        covered=frozenset(
            {"id", "arn", "name", "description", "vpc_id", "owner_id", "tags", "tags_all"}
            | {"ingress", "egress"}
        ),
        answers=("aws_default_security_group",),
        help="DescribeSecurityGroups; inline rules become canonical aws_security_group_rule "
        "identities in the engine",
    )
)

register(
    Collector(
        type=INGRESS_RULE,
        service="ec2",
        apis=(DESCRIBE_SECURITY_GROUP_RULES,),
        collect=collect_rules,
        covered=None,
        emits=(EGRESS_RULE,),
        answers=(LEGACY_RULE,),
        scoped_by=rule_groups,
        help="DescribeSecurityGroupRules; matches aws_security_group_rule and the VPC rule "
        "resources through canonical rule identities",
    )
)
