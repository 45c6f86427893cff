"""DynamoDB: ``aws_dynamodb_table``.

``ListTables`` pages through the names; ``DescribeTable``, ``ListTagsOfResource``,
``DescribeContinuousBackups`` (point-in-time recovery) and ``DescribeTimeToLive`` are one call
each per table, as in the provider (DynamoDB has no batch describe). Global-table replicas and
import settings are not collected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drift.aws.collectors.common import tag_map, tagged
from drift.aws.registry import Api, Collector, Context, Found, register

LIST_TABLES = Api("dynamodb", "ListTables")
DESCRIBE_TABLE = Api("dynamodb", "DescribeTable")
LIST_TAGS = Api("dynamodb", "ListTagsOfResource")
DESCRIBE_BACKUPS = Api("dynamodb", "DescribeContinuousBackups")
DESCRIBE_TTL = Api("dynamodb", "DescribeTimeToLive")


def _keys(schema: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in schema or ():
        out["hash_key" if key.get("KeyType") == "HASH" else "range_key"] = key.get("AttributeName")
    return out


def _index(index: Mapping[str, Any], billing: str) -> dict[str, Any]:
    projection = index.get("Projection") or {}
    throughput = index.get("ProvisionedThroughput") or {}
    out = {
        "name": index.get("IndexName"),
        **_keys(index.get("KeySchema") or ()),
        "projection_type": projection.get("ProjectionType"),
        "non_key_attributes": projection.get("NonKeyAttributes") or [],
    }
    if "ProvisionedThroughput" in index or billing == "PROVISIONED":
        out["read_capacity"] = throughput.get("ReadCapacityUnits", 0)
        out["write_capacity"] = throughput.get("WriteCapacityUnits", 0)
    return out


def _schema(table: Mapping[str, Any]) -> dict[str, Any]:
    """Keys, capacity, attributes and indexes: what ``DescribeTable`` says about the layout."""
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    throughput = table.get("ProvisionedThroughput") or {}
    return {
        "billing_mode": billing,
        **_keys(table.get("KeySchema") or ()),
        "read_capacity": throughput.get("ReadCapacityUnits", 0),
        "write_capacity": throughput.get("WriteCapacityUnits", 0),
        "attribute": [
            {"name": a["AttributeName"], "type": a["AttributeType"]}
            for a in table.get("AttributeDefinitions") or ()
        ],
        "global_secondary_index": [
            _index(i, billing) for i in table.get("GlobalSecondaryIndexes") or ()
        ],
        "local_secondary_index": [
            _index(i, billing) for i in table.get("LocalSecondaryIndexes") or ()
        ],
    }


def _features(table: Mapping[str, Any]) -> dict[str, Any]:
    """Streams, class, deletion protection and encryption."""
    stream = table.get("StreamSpecification") or {}
    sse = table.get("SSEDescription") or {}
    return {
        "stream_enabled": bool(stream.get("StreamEnabled")),
        "stream_view_type": stream.get("StreamViewType"),
        "stream_arn": table.get("LatestStreamArn"),
        "stream_label": table.get("LatestStreamLabel"),
        "table_class": (table.get("TableClassSummary") or {}).get("TableClass") or "STANDARD",
        "deletion_protection_enabled": bool(table.get("DeletionProtectionEnabled")),
        "server_side_encryption": (
            [{"enabled": True, "kms_key_arn": sse.get("KMSMasterKeyArn")}]
            if sse.get("Status") in ("ENABLED", "UPDATING")
            else []
        ),
    }


def _recovery(ctx: Context, name: str) -> dict[str, Any]:
    """Point-in-time recovery and time to live: one call each."""
    recovery = (
        ctx.calls.call(DESCRIBE_BACKUPS, TableName=name)
        .get("ContinuousBackupsDescription", {})
        .get("PointInTimeRecoveryDescription", {})
    )
    ttl = ctx.calls.call(DESCRIBE_TTL, TableName=name).get("TimeToLiveDescription", {})
    return {
        "point_in_time_recovery": [
            {
                "enabled": recovery.get("PointInTimeRecoveryStatus") == "ENABLED",
                "recovery_period_in_days": int(recovery.get("RecoveryPeriodInDays") or 0),
            }
        ],
        "ttl": [
            {
                "attribute_name": ttl.get("AttributeName", ""),
                "enabled": ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"),
            }
        ],
    }


def _table(ctx: Context, name: str) -> list[Found]:
    table: Mapping[str, Any] = ctx.calls.call(DESCRIBE_TABLE, TableName=name).get("Table", {})
    arn = str(table.get("TableArn", ""))
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": arn,
        **_schema(table),
        **_features(table),
        **_recovery(ctx, name),
    }
    tags = ctx.calls.pages(LIST_TAGS, "Tags[]", ResourceArn=arn) if arn else []
    return [Found(name, tagged(attributes, tag_map(tags)))]


def collect_tables(ctx: Context) -> list[Found]:
    """Tables of the region (only the declared ones under a scope)."""
    names = [n for n in ctx.calls.pages(LIST_TABLES, "TableNames[]") if ctx.wanted(n)]
    return ctx.each(lambda name: _table(ctx, name), names)


register(
    Collector(
        type="aws_dynamodb_table",
        service="dynamodb",
        apis=(LIST_TABLES, DESCRIBE_TABLE, LIST_TAGS, DESCRIBE_BACKUPS, DESCRIBE_TTL),
        collect=collect_tables,
        covered=frozenset(
            {
                "id",
                "name",
                "arn",
                "billing_mode",
                "hash_key",
                "range_key",
                "read_capacity",
                "write_capacity",
                "attribute",
                "global_secondary_index",
                "local_secondary_index",
                "stream_enabled",
                "stream_view_type",
                "stream_arn",
                "stream_label",
                "table_class",
                "deletion_protection_enabled",
                "server_side_encryption",
                "point_in_time_recovery",
                "ttl",
                "tags",
                "tags_all",
            }
        ),
        help="ListTables, then DescribeTable, ListTagsOfResource, DescribeContinuousBackups "
        "and DescribeTimeToLive per table (no batch API)",
    )
)
