"""Route 53: ``aws_route53_zone`` and ``aws_route53_record`` (global, once per account).

Zones: ``ListHostedZones`` (paginated), ``GetHostedZone`` per zone for its name servers and
VPCs, and ``ListTagsForResources`` for ten zones per call (the batch tag API). Records:
``ListResourceRecordSets`` per zone (paginated), one record set per resource.

Record names are written as the provider's ``fqdn`` (lowercase, no trailing dot, ``\\052`` as
``*``) and ids as ``ZONE_NAME_TYPE[_SET]``; ``drift.normalize.identity`` rebuilds the declared
side the same way, since a configuration may name a record relative to its zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drift.aws.collectors.common import block, strip_dot, tag_map, tagged
from drift.aws.registry import Api, Collector, Context, Found, Scope, register
from drift.aws.repository import chunks
from drift.model import Resource
from drift.normalize.identity import record_id

LIST_ZONES = Api("route53", "ListHostedZones")
GET_ZONE = Api("route53", "GetHostedZone")
LIST_TAGS = Api("route53", "ListTagsForResources")
LIST_RECORDS = Api("route53", "ListResourceRecordSets")
TAG_BATCH = 10


def zone_id(raw: str) -> str:
    """``Z123`` from ``/hostedzone/Z123``."""
    return raw.rsplit("/", 1)[-1]


def zones(ctx: Context, wanted: bool = True) -> list[Mapping[str, Any]]:
    """Hosted zones (only the scope's under ``--only-managed`` when ``wanted``)."""
    listed = ctx.calls.pages(LIST_ZONES, "HostedZones[]")
    return [z for z in listed if not wanted or ctx.wanted(zone_id(z["Id"]))]


def _zone_tags(ctx: Context, ids: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for batch in chunks(sorted(ids), TAG_BATCH):
        answer = ctx.calls.call(LIST_TAGS, ResourceType="hostedzone", ResourceIds=batch)
        for item in answer.get("ResourceTagSets") or ():
            out[zone_id(str(item.get("ResourceId", "")))] = tag_map(item.get("Tags"))
    return out


def _zone(ctx: Context, zone: Mapping[str, Any], tags: dict[str, str]) -> list[Found]:
    ident = zone_id(zone["Id"])
    full = ctx.calls.call(GET_ZONE, Id=ident)
    delegation = full.get("DelegationSet") or {}
    attributes: dict[str, Any] = {
        "id": ident,
        "zone_id": ident,
        "arn": f"arn:{ctx.partition}:route53:::hostedzone/{ident}",
        "name": strip_dot(zone["Name"]),
        "comment": (zone.get("Config") or {}).get("Comment"),
        "name_servers": sorted(delegation.get("NameServers") or []),
        "delegation_set_id": zone_id(delegation["Id"]) if delegation.get("Id") else None,
        "vpc": [
            {"vpc_id": v.get("VPCId"), "vpc_region": v.get("VPCRegion")}
            for v in full.get("VPCs") or ()
        ],
    }
    return [Found(ident, tagged(attributes, tags))]


def collect_zones(ctx: Context) -> list[Found]:
    """Hosted zones with their tags (ten zones per tag call)."""
    found = zones(ctx)
    tags = _zone_tags(ctx, [zone_id(z["Id"]) for z in found]) if found else {}
    return ctx.each(lambda z: _zone(ctx, z, tags.get(zone_id(z["Id"]), {})), found)


def _values(record: Mapping[str, Any]) -> list[str]:
    quoted = record.get("Type") in ("TXT", "SPF")
    out = []
    for item in record.get("ResourceRecords") or ():
        value = str(item.get("Value", ""))
        if quoted and len(value) > 1 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        out.append(value)
    return sorted(out)


def _routing(record: Mapping[str, Any]) -> dict[str, Any]:
    geo = record.get("GeoLocation") or {}
    cidr = record.get("CidrRoutingConfig") or {}
    return {
        "weighted_routing_policy": block({"weight": record.get("Weight")}),
        "latency_routing_policy": block({"region": record.get("Region")}),
        "failover_routing_policy": block({"type": record.get("Failover")}),
        "geolocation_routing_policy": block(
            {
                "continent": geo.get("ContinentCode"),
                "country": geo.get("CountryCode"),
                "subdivision": geo.get("SubdivisionCode"),
            }
        ),
        "cidr_routing_policy": block(
            {"collection_id": cidr.get("CollectionId"), "location_name": cidr.get("LocationName")}
        ),
        "multivalue_answer_routing_policy": bool(record.get("MultiValueAnswer")),
    }


def _record(zone: str, record: Mapping[str, Any]) -> Found:
    name = strip_dot(record["Name"])
    alias = record.get("AliasTarget")
    attributes: dict[str, Any] = {
        "zone_id": zone,
        "name": name,
        "fqdn": name,
        "type": record.get("Type"),
        "ttl": record.get("TTL"),
        "records": _values(record),
        "set_identifier": record.get("SetIdentifier"),
        "health_check_id": record.get("HealthCheckId"),
        "alias": [
            {
                "name": strip_dot(alias.get("DNSName", "")),
                "zone_id": alias.get("HostedZoneId"),
                "evaluate_target_health": bool(alias.get("EvaluateTargetHealth")),
            }
        ]
        if alias
        else [],
        **_routing(record),
    }
    attributes["id"] = record_id(attributes)
    return Found(attributes["id"], attributes)


def _zone_records(ctx: Context, zone: Mapping[str, Any]) -> list[Found]:
    ident = zone_id(zone["Id"])
    listed = ctx.calls.pages(LIST_RECORDS, "ResourceRecordSets[]", HostedZoneId=ident)
    return [_record(ident, record) for record in listed]


def collect_records(ctx: Context) -> list[Found]:
    """Every record set of every zone (of the declared zones under ``--only-managed``)."""
    return ctx.each(lambda zone: _zone_records(ctx, zone), zones(ctx))


def record_zone(resource: Resource) -> Iterable[str]:
    """``--only-managed`` key of a declared record: its zone."""
    zone = resource.attributes.get("zone_id")
    return (str(zone),) if zone else ()


register(
    Collector(
        type="aws_route53_zone",
        service="route53",
        apis=(LIST_ZONES, GET_ZONE, LIST_TAGS),
        collect=collect_zones,
        covered=frozenset(
            {
                "id",
                "zone_id",
                "arn",
                "name",
                "comment",
                "name_servers",
                "delegation_set_id",
                "vpc",
                "tags",
                "tags_all",
            }
        ),
        scope=Scope.GLOBAL,
        help="ListHostedZones, GetHostedZone per zone, ListTagsForResources per 10 zones",
    )
)

register(
    Collector(
        type="aws_route53_record",
        service="route53",
        apis=(LIST_ZONES, LIST_RECORDS),
        collect=collect_records,
        covered=frozenset(
            {
                "id",
                "zone_id",
                "name",
                "fqdn",
                "type",
                "ttl",
                "records",
                "set_identifier",
                "health_check_id",
                "alias",
                "weighted_routing_policy",
                "latency_routing_policy",
                "failover_routing_policy",
                "geolocation_routing_policy",
                "cidr_routing_policy",
                "multivalue_answer_routing_policy",
            }
        ),
        scope=Scope.GLOBAL,
        scoped_by=record_zone,
        help="ListResourceRecordSets per zone (paginated); ids ZONE_FQDN_TYPE[_SET]",
    )
)
