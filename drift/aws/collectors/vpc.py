"""VPC types: ``aws_vpc``, ``aws_subnet``, ``aws_route_table``, ``aws_internet_gateway``.

Each is one paginated ``Describe*`` call per region (``Listing``); only the VPC's three DNS
flags need ``DescribeVpcAttribute`` per VPC, as in the provider (there is no batch form). The
VPC's default route table, security group and network ACL ids come from listings other
collectors share (cached), and tell ``drift.normalize.defaults`` what AWS created by itself.
Attribute names follow the provider's schema (hashicorp/aws 5.x ``website/docs/r/*.markdown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift.aws.collectors.common import tag_map, tagged
from drift.aws.registry import Api, Collector, Context, Found, Listing, register

DESCRIBE_VPCS = Api("ec2", "DescribeVpcs")
DESCRIBE_VPC_ATTRIBUTE = Api("ec2", "DescribeVpcAttribute")
DESCRIBE_SUBNETS = Api("ec2", "DescribeSubnets")
DESCRIBE_ROUTE_TABLES = Api("ec2", "DescribeRouteTables")
DESCRIBE_IGWS = Api("ec2", "DescribeInternetGateways")
DESCRIBE_SECURITY_GROUPS = Api("ec2", "DescribeSecurityGroups")
DESCRIBE_NETWORK_ACLS = Api("ec2", "DescribeNetworkAcls")

_VPC_FLAGS = {
    "enable_dns_support": ("enableDnsSupport", "EnableDnsSupport"),
    "enable_dns_hostnames": ("enableDnsHostnames", "EnableDnsHostnames"),
    "enable_network_address_usage_metrics": (
        "enableNetworkAddressUsageMetrics",
        "EnableNetworkAddressUsageMetrics",
    ),
}


def _ipv6(vpc: Mapping[str, Any]) -> dict[str, Any]:
    for assoc in vpc.get("Ipv6CidrBlockAssociationSet") or ():
        if assoc.get("Ipv6CidrBlockState", {}).get("State") in ("associated", "associating"):
            return {
                "ipv6_cidr_block": assoc.get("Ipv6CidrBlock"),
                "ipv6_association_id": assoc.get("AssociationId"),
                "ipv6_cidr_block_network_border_group": assoc.get("NetworkBorderGroup"),
                "assign_generated_ipv6_cidr_block": assoc.get("Ipv6Pool") == "Amazon",
            }
    return {"assign_generated_ipv6_cidr_block": False}


def _defaults(ctx: Context) -> dict[str, dict[str, str]]:
    """Per VPC id: its main route table, default security group and default network ACL."""
    out: dict[str, dict[str, str]] = {}
    for table in ctx.calls.pages(DESCRIBE_ROUTE_TABLES, "RouteTables[]"):
        if any(a.get("Main") for a in table.get("Associations") or ()):
            ids = out.setdefault(table["VpcId"], {})
            ids["main_route_table_id"] = ids["default_route_table_id"] = table["RouteTableId"]
    for group in ctx.calls.pages(DESCRIBE_SECURITY_GROUPS, "SecurityGroups[]"):
        if group.get("GroupName") == "default" and group.get("VpcId"):
            out.setdefault(group["VpcId"], {})["default_security_group_id"] = group["GroupId"]
    acls = ctx.calls.pages(
        DESCRIBE_NETWORK_ACLS, "NetworkAcls[]", Filters=[{"Name": "default", "Values": ["true"]}]
    )
    for acl in acls:
        out.setdefault(acl["VpcId"], {})["default_network_acl_id"] = acl["NetworkAclId"]
    return out


def _vpc_raw(vpc: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    return dict(vpc)


def _vpc(vpc: Mapping[str, Any], ctx: Context, defaults: Mapping[str, str]) -> dict[str, Any]:
    ident = vpc["VpcId"]
    attributes: dict[str, Any] = {
        "id": ident,
        "arn": ctx.arn("ec2", f"vpc/{ident}"),
        "cidr_block": vpc.get("CidrBlock"),
        "instance_tenancy": vpc.get("InstanceTenancy"),
        "owner_id": vpc.get("OwnerId"),
        "dhcp_options_id": vpc.get("DhcpOptionsId"),
        **_ipv6(vpc),
        **defaults,
    }
    for name, (attribute, key) in _VPC_FLAGS.items():
        answer = ctx.calls.call(DESCRIBE_VPC_ATTRIBUTE, VpcId=ident, Attribute=attribute)
        attributes[name] = bool(answer.get(key, {}).get("Value", False))
    if vpc.get("IsDefault"):
        attributes["default"] = True
    return tagged(attributes, tag_map(vpc.get("Tags")))


_VPC_LISTING = Listing(DESCRIBE_VPCS, "Vpcs[]", "VpcId", _vpc_raw, id_filter="vpc-id")


def collect_vpcs(ctx: Context) -> list[Found]:
    """VPCs, each with its DNS flags (three ``DescribeVpcAttribute`` calls, as the provider)."""
    vpcs = [v for v in _VPC_LISTING.items(ctx) if ctx.wanted(v["VpcId"])]
    defaults = _defaults(ctx) if vpcs else {}

    def one(vpc: Mapping[str, Any]) -> list[Found]:
        return [Found(vpc["VpcId"], _vpc(vpc, ctx, defaults.get(vpc["VpcId"], {})))]

    return ctx.each(one, vpcs)


def _subnet(subnet: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    dns = subnet.get("PrivateDnsNameOptionsOnLaunch") or {}
    attributes: dict[str, Any] = {
        "id": subnet["SubnetId"],
        "arn": subnet.get("SubnetArn") or ctx.arn("ec2", f"subnet/{subnet['SubnetId']}"),
        "vpc_id": subnet.get("VpcId"),
        "cidr_block": subnet.get("CidrBlock"),
        "availability_zone": subnet.get("AvailabilityZone"),
        "availability_zone_id": subnet.get("AvailabilityZoneId"),
        "owner_id": subnet.get("OwnerId"),
        "outpost_arn": subnet.get("OutpostArn"),
        "customer_owned_ipv4_pool": subnet.get("CustomerOwnedIpv4Pool"),
        "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
        "map_customer_owned_ip_on_launch": bool(subnet.get("MapCustomerOwnedIpOnLaunch")),
        "assign_ipv6_address_on_creation": bool(subnet.get("AssignIpv6AddressOnCreation")),
        "enable_dns64": bool(subnet.get("EnableDns64")),
        "ipv6_native": bool(subnet.get("Ipv6Native")),
        "enable_lni_at_device_index": int(subnet.get("EnableLniAtDeviceIndex") or 0),
        "private_dns_hostname_type_on_launch": dns.get("HostnameType"),
        "enable_resource_name_dns_a_record_on_launch": bool(
            dns.get("EnableResourceNameDnsARecord")
        ),
        "enable_resource_name_dns_aaaa_record_on_launch": bool(
            dns.get("EnableResourceNameDnsAAAARecord")
        ),
    }
    for assoc in subnet.get("Ipv6CidrBlockAssociationSet") or ():
        if assoc.get("Ipv6CidrBlockState", {}).get("State") == "associated":
            attributes["ipv6_cidr_block"] = assoc.get("Ipv6CidrBlock")
            attributes["ipv6_cidr_block_association_id"] = assoc.get("AssociationId")
    if subnet.get("DefaultForAz"):
        attributes["default_for_az"] = True
    return tagged(attributes, tag_map(subnet.get("Tags")))


_ROUTE_TARGETS = {
    "carrier_gateway_id": "CarrierGatewayId",
    "cidr_block": "DestinationCidrBlock",
    "core_network_arn": "CoreNetworkArn",
    "destination_prefix_list_id": "DestinationPrefixListId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
    "gateway_id": "GatewayId",
    "ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "local_gateway_id": "LocalGatewayId",
    "nat_gateway_id": "NatGatewayId",
    "network_interface_id": "NetworkInterfaceId",
    "transit_gateway_id": "TransitGatewayId",
    "vpc_endpoint_id": "VpcEndpointId",
    "vpc_peering_connection_id": "VpcPeeringConnectionId",
}


def _is_own_route(route: Mapping[str, Any]) -> bool:
    """Routes the provider leaves out of ``route``: local, propagated, VPC endpoint routes."""
    gateway = str(route.get("GatewayId", ""))
    if gateway == "local" or route.get("Origin") == "EnableVgwRoutePropagation":
        return False
    return not (route.get("DestinationPrefixListId") and gateway.startswith("vpce-"))


def _route_table(table: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    routes = [
        {name: route.get(key) for name, key in _ROUTE_TARGETS.items() if route.get(key)}
        for route in table.get("Routes") or ()
        if _is_own_route(route)
    ]
    attributes: dict[str, Any] = {
        "id": table["RouteTableId"],
        "arn": ctx.arn("ec2", f"route-table/{table['RouteTableId']}"),
        "vpc_id": table.get("VpcId"),
        "owner_id": table.get("OwnerId"),
        "route": routes,
        "propagating_vgws": [v["GatewayId"] for v in table.get("PropagatingVgws") or ()],
    }
    return tagged(attributes, tag_map(table.get("Tags")))


def _internet_gateway(igw: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    attachments = igw.get("Attachments") or []
    attributes: dict[str, Any] = {
        "id": igw["InternetGatewayId"],
        "arn": ctx.arn("ec2", f"internet-gateway/{igw['InternetGatewayId']}"),
        "owner_id": igw.get("OwnerId"),
        "vpc_id": attachments[0].get("VpcId") if attachments else None,
    }
    return tagged(attributes, tag_map(igw.get("Tags")))


_TAGS = frozenset({"id", "arn", "owner_id", "tags", "tags_all"})

register(
    Collector(
        type="aws_vpc",
        service="ec2",
        apis=(
            DESCRIBE_VPCS,
            DESCRIBE_VPC_ATTRIBUTE,
            DESCRIBE_ROUTE_TABLES,
            DESCRIBE_SECURITY_GROUPS,
            DESCRIBE_NETWORK_ACLS,
        ),
        collect=collect_vpcs,
        covered=_TAGS
        | frozenset(
            {
                "cidr_block",
                "instance_tenancy",
                "dhcp_options_id",
                "enable_dns_support",
                "enable_dns_hostnames",
                "enable_network_address_usage_metrics",
                "ipv6_cidr_block",
                "ipv6_association_id",
                "ipv6_cidr_block_network_border_group",
                "assign_generated_ipv6_cidr_block",
                "main_route_table_id",
                "default_route_table_id",
                "default_security_group_id",
                "default_network_acl_id",
            }
        ),
        answers=("aws_default_vpc",),
        markers=frozenset({"default"}),
        help="DescribeVpcs, plus DescribeVpcAttribute x3 per VPC for the DNS flags",
    )
)

register(
    Collector(
        type="aws_subnet",
        service="ec2",
        apis=(DESCRIBE_SUBNETS,),
        collect=Listing(DESCRIBE_SUBNETS, "Subnets[]", "SubnetId", _subnet, id_filter="subnet-id"),
        covered=_TAGS
        | frozenset(
            {
                "vpc_id",
                "cidr_block",
                "availability_zone",
                "availability_zone_id",
                "outpost_arn",
                "customer_owned_ipv4_pool",
                "map_public_ip_on_launch",
                "map_customer_owned_ip_on_launch",
                "assign_ipv6_address_on_creation",
                "enable_dns64",
                "ipv6_native",
                "enable_lni_at_device_index",
                "private_dns_hostname_type_on_launch",
                "enable_resource_name_dns_a_record_on_launch",
                "enable_resource_name_dns_aaaa_record_on_launch",
                "ipv6_cidr_block",
                "ipv6_cidr_block_association_id",
            }
        ),
        answers=("aws_default_subnet",),
        markers=frozenset({"default_for_az"}),
        help="DescribeSubnets (one paginated call per region)",
    )
)

register(
    Collector(
        type="aws_route_table",
        service="ec2",
        apis=(DESCRIBE_ROUTE_TABLES,),
        collect=Listing(
            DESCRIBE_ROUTE_TABLES,
            "RouteTables[]",
            "RouteTableId",
            _route_table,
            id_filter="route-table-id",
        ),
        covered=_TAGS | frozenset({"vpc_id", "route", "propagating_vgws"}),
        answers=("aws_default_route_table",),
        help="DescribeRouteTables; local, propagated and VPC-endpoint routes left out as the "
        "provider does",
    )
)

register(
    Collector(
        type="aws_internet_gateway",
        service="ec2",
        apis=(DESCRIBE_IGWS,),
        collect=Listing(
            DESCRIBE_IGWS,
            "InternetGateways[]",
            "InternetGatewayId",
            _internet_gateway,
            id_filter="internet-gateway-id",
        ),
        covered=_TAGS | frozenset({"vpc_id"}),
        help="DescribeInternetGateways (one paginated call per region)",
    )
)
