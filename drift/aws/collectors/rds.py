"""RDS: ``aws_db_instance`` from ``DescribeDBInstances`` (batch, tags included).

The provider's id for a DB instance is its resource id (``db-ABC...``), not its name
(``identifier``). ``engine_version`` in state is the version the user configured (``8.0``) while
AWS reports the exact one (``8.0.35``): only ``engine_version_actual`` is collected, so a
configured prefix never shows as drift. Passwords are never returned by AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift.aws.collectors.common import tag_map, tagged
from drift.aws.registry import Api, Collector, Context, Listing, register

DESCRIBE_DB_INSTANCES = Api("rds", "DescribeDBInstances")


def _first(items: Any, key: str) -> Any:
    return items[0].get(key) if items else None


def _endpoint(db: Mapping[str, Any]) -> dict[str, Any]:
    endpoint = db.get("Endpoint") or {}
    address, port = endpoint.get("Address"), endpoint.get("Port") or db.get("DbInstancePort")
    return {
        "address": address,
        "port": port,
        "endpoint": f"{address}:{port}" if address and port else None,
        "hosted_zone_id": endpoint.get("HostedZoneId"),
    }


def _storage(db: Mapping[str, Any]) -> dict[str, Any]:
    """Storage, encryption and backups."""
    insights = bool(db.get("PerformanceInsightsEnabled"))
    return {
        "allocated_storage": db.get("AllocatedStorage"),
        "max_allocated_storage": db.get("MaxAllocatedStorage") or 0,
        "storage_encrypted": bool(db.get("StorageEncrypted")),
        "storage_type": db.get("StorageType"),
        "storage_throughput": db.get("StorageThroughput"),
        "iops": db.get("Iops"),
        "kms_key_id": db.get("KmsKeyId"),
        "backup_retention_period": db.get("BackupRetentionPeriod"),
        "backup_window": db.get("PreferredBackupWindow"),
        "copy_tags_to_snapshot": bool(db.get("CopyTagsToSnapshot")),
        "performance_insights_enabled": insights,
        "performance_insights_kms_key_id": db.get("PerformanceInsightsKMSKeyId"),
        "performance_insights_retention_period": (
            db.get("PerformanceInsightsRetentionPeriod") if insights else None
        ),
        "monitoring_interval": db.get("MonitoringInterval") or 0,
        "monitoring_role_arn": db.get("MonitoringRoleArn"),
        "enabled_cloudwatch_logs_exports": db.get("EnabledCloudwatchLogsExports") or [],
    }


def _placement(db: Mapping[str, Any]) -> dict[str, Any]:
    """Network, availability and maintenance."""
    return {
        "availability_zone": db.get("AvailabilityZone"),
        "multi_az": bool(db.get("MultiAZ")),
        "network_type": db.get("NetworkType"),
        "publicly_accessible": bool(db.get("PubliclyAccessible")),
        "db_subnet_group_name": (db.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "vpc_security_group_ids": [
            g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups") or ()
        ],
        "maintenance_window": str(db.get("PreferredMaintenanceWindow") or "").lower() or None,
        "auto_minor_version_upgrade": bool(db.get("AutoMinorVersionUpgrade")),
        "ca_cert_identifier": db.get("CACertificateIdentifier"),
        "deletion_protection": bool(db.get("DeletionProtection")),
    }


def _db_instance(db: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": db.get("DbiResourceId"),
        "resource_id": db.get("DbiResourceId"),
        "identifier": db.get("DBInstanceIdentifier"),
        "arn": db.get("DBInstanceArn"),
        **_endpoint(db),
        **_storage(db),
        **_placement(db),
        "db_name": db.get("DBName"),
        "engine": db.get("Engine"),
        "engine_version_actual": db.get("EngineVersion"),
        "iam_database_authentication_enabled": bool(db.get("IAMDatabaseAuthenticationEnabled")),
        "instance_class": db.get("DBInstanceClass"),
        "license_model": db.get("LicenseModel"),
        "option_group_name": _first(db.get("OptionGroupMemberships"), "OptionGroupName"),
        "parameter_group_name": _first(db.get("DBParameterGroups"), "DBParameterGroupName"),
        "replicate_source_db": db.get("ReadReplicaSourceDBInstanceIdentifier"),
        "status": db.get("DBInstanceStatus"),
        "username": db.get("MasterUsername"),
    }
    return tagged(attributes, tag_map(db.get("TagList")))


register(
    Collector(
        type="aws_db_instance",
        service="rds",
        apis=(DESCRIBE_DB_INSTANCES,),
        collect=Listing(
            DESCRIBE_DB_INSTANCES,
            "DBInstances[]",
            "DbiResourceId",
            _db_instance,
            id_filter="dbi-resource-id",
        ),
        covered=frozenset(
            {
                "id",
                "resource_id",
                "identifier",
                "arn",
                "address",
                "port",
                "endpoint",
                "hosted_zone_id",
                "allocated_storage",
                "max_allocated_storage",
                "auto_minor_version_upgrade",
                "availability_zone",
                "backup_retention_period",
                "backup_window",
                "maintenance_window",
                "ca_cert_identifier",
                "copy_tags_to_snapshot",
                "db_name",
                "db_subnet_group_name",
                "deletion_protection",
                "enabled_cloudwatch_logs_exports",
                "engine",
                "engine_version_actual",
                "iam_database_authentication_enabled",
                "instance_class",
                "iops",
                "kms_key_id",
                "license_model",
                "monitoring_interval",
                "monitoring_role_arn",
                "multi_az",
                "network_type",
                "option_group_name",
                "parameter_group_name",
                "performance_insights_enabled",
                "performance_insights_kms_key_id",
                "performance_insights_retention_period",
                "publicly_accessible",
                "replicate_source_db",
                "status",
                "storage_encrypted",
                "storage_type",
                "storage_throughput",
                "username",
                "vpc_security_group_ids",
                "tags",
                "tags_all",
            }
        ),
        help="DescribeDBInstances (batch, tags included); engine_version_actual only",
    )
)
