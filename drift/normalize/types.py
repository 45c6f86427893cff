"""Per-type knowledge the normalizers and the engine read: one documented table per concern.

These tables are data, not code, so adding a resource type is a one-line change reviewed next
to the others. They carry driftctl's lessons (snyk/driftctl pkg/resource/aws and
pkg/middlewares): the fields listed here produced false drift for its users because the API
never returns them, returns them in another shape, or changes them on its own.

Top-level attribute names only unless a table says "paths"; a path is a tuple in which ``"*"``
stands for every element of a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

#: Types that are the same object under two names; the engine matches under the right-hand name.
TYPE_ALIASES: Mapping[str, str] = {
    "aws_alb": "aws_lb",
    "aws_alb_listener": "aws_lb_listener",
    "aws_alb_listener_certificate": "aws_lb_listener_certificate",
    "aws_alb_listener_rule": "aws_lb_listener_rule",
    "aws_alb_target_group": "aws_lb_target_group",
    "aws_alb_target_group_attachment": "aws_lb_target_group_attachment",
    # The aws_default_* resources adopt the objects AWS created; live sees the plain type.
    "aws_default_vpc": "aws_vpc",
    "aws_default_subnet": "aws_subnet",
    "aws_default_security_group": "aws_security_group",
    "aws_default_route_table": "aws_route_table",
    "aws_default_network_acl": "aws_network_acl",
}

#: Write-only, create-time or timing fields dropped from every type: Terraform keeps them in
#: state but no AWS API returns them, so a live view can never match them.
GLOBAL_WRITE_ONLY: frozenset[str] = frozenset(
    {
        "timeouts",
        "force_destroy",
        "password",
        "master_password",
        "skip_final_snapshot",
        "final_snapshot_identifier",
        "apply_immediately",
        "delete_automated_backups",
    }
)

#: Per-type write-only or volatile fields, on top of ``GLOBAL_WRITE_ONLY``.
WRITE_ONLY: Mapping[str, frozenset[str]] = {
    "aws_db_instance": frozenset({"latest_restorable_time", "snapshot_identifier"}),
    "aws_rds_cluster": frozenset({"snapshot_identifier", "allow_major_version_upgrade"}),
    "aws_rds_cluster_instance": frozenset({"apply_immediately"}),
    "aws_iam_access_key": frozenset({"secret", "ses_smtp_password_v4", "pgp_key"}),
    "aws_iam_user_login_profile": frozenset({"pgp_key", "password_length"}),
    "aws_iam_user": frozenset({"permissions_boundary_force_detach"}),
    "aws_lambda_function": frozenset(
        {"filename", "publish", "source_code_hash", "s3_object_version", "skip_destroy"}
    ),
    "aws_cloudfront_distribution": frozenset({"wait_for_deployment", "retain_on_delete"}),
    "aws_key_pair": frozenset({"public_key"}),
    "aws_kms_key": frozenset({"deletion_window_in_days", "bypass_policy_lockout_safety_check"}),
    "aws_ebs_volume": frozenset({"final_snapshot"}),
    "aws_security_group": frozenset({"revoke_rules_on_delete"}),
    "aws_instance": frozenset({"user_data_replace_on_change", "get_password_data"}),
    "aws_s3_bucket_object": frozenset({"source", "content", "content_base64"}),
    "aws_s3_object": frozenset({"source", "content", "content_base64", "source_hash"}),
    "aws_secretsmanager_secret": frozenset({"recovery_window_in_days"}),
    "aws_secretsmanager_secret_version": frozenset({"secret_string", "secret_binary"}),
}

#: Attributes that hold JSON documents as strings, on any type whose name starts with one of
#: ``POLICY_TYPE_PREFIXES``: ``policy``, ``assume_role_policy`` and every ``*_policy``.
POLICY_TYPE_PREFIXES: tuple[str, ...] = (
    "aws_iam_",
    "aws_s3_",
    "aws_kms_",
    "aws_sqs_",
    "aws_sns_",
    "aws_ecr_",
    "aws_secretsmanager_",
    "aws_glacier_",
    "aws_cloudwatch_event_",
)

#: Attributes that are sets in every type that has them (the provider's ``schema.TypeSet``).
GLOBAL_SETS: frozenset[str] = frozenset(
    {
        "vpc_security_group_ids",
        "security_groups",
        "security_group_ids",
        "subnet_ids",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "prefix_list_ids",
        "managed_policy_arns",
        "availability_zones",
        "enabled_cloudwatch_logs_exports",
    }
)

#: Per-type set-typed paths ("*" = each element of a list); compared without order.
SET_PATHS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "aws_security_group": (
        ("ingress",),
        ("egress",),
        ("ingress", "*", "cidr_blocks"),
        ("ingress", "*", "ipv6_cidr_blocks"),
        ("ingress", "*", "prefix_list_ids"),
        ("ingress", "*", "security_groups"),
        ("egress", "*", "cidr_blocks"),
        ("egress", "*", "ipv6_cidr_blocks"),
        ("egress", "*", "prefix_list_ids"),
        ("egress", "*", "security_groups"),
    ),
    "aws_network_acl": (("ingress",), ("egress",)),
    "aws_route_table": (("route",), ("propagating_vgws",)),
    "aws_iam_group_membership": (("users",),),
    "aws_iam_policy_attachment": (("users",), ("roles",), ("groups",)),
    "aws_lb": (("subnet_mapping",),),
    "aws_db_subnet_group": (("subnet_ids",),),
    "aws_elasticache_subnet_group": (("subnet_ids",),),
    "aws_cloudfront_distribution": (("origin",), ("aliases",), ("ordered_cache_behavior",)),
    "aws_autoscaling_group": (
        ("load_balancers",),
        ("target_group_arns",),
        ("vpc_zone_identifier",),
    ),
    "aws_iam_openid_connect_provider": (("client_id_list",), ("thumbprint_list",)),
}

#: Provider-computed attributes of every type: read back from the API, never configured.
GLOBAL_COMPUTED: frozenset[str] = frozenset(
    {
        "id",
        "arn",
        "owner_id",
        "create_date",
        "created_date",
        "creation_date",
        "created_time",
        "unique_id",
        "last_modified",
        "last_modified_date",
        "etag",
    }
)

#: Per-type computed attributes, on top of ``GLOBAL_COMPUTED``.
COMPUTED: Mapping[str, frozenset[str]] = {
    "aws_instance": frozenset(
        {
            "public_ip",
            "public_dns",
            "private_dns",
            "primary_network_interface_id",
            "password_data",
            "outpost_arn",
            "instance_lifecycle",
            "spot_instance_request_id",
        }
    ),
    "aws_s3_bucket": frozenset(
        {"bucket_domain_name", "bucket_regional_domain_name", "hosted_zone_id", "region"}
    ),
    "aws_db_instance": frozenset(
        {"address", "endpoint", "hosted_zone_id", "resource_id", "status", "replicas"}
    ),
    "aws_rds_cluster": frozenset({"endpoint", "reader_endpoint", "hosted_zone_id"}),
    "aws_lb": frozenset({"dns_name", "zone_id", "arn_suffix"}),
    "aws_lb_target_group": frozenset({"arn_suffix", "load_balancer_arns"}),
    "aws_lambda_function": frozenset(
        {"invoke_arn", "qualified_arn", "qualified_invoke_arn", "version", "source_code_size"}
    ),
    "aws_cloudfront_distribution": frozenset(
        {"domain_name", "hosted_zone_id", "status", "in_progress_validation_batches"}
    ),
    "aws_vpc": frozenset(
        {
            "default_network_acl_id",
            "default_route_table_id",
            "default_security_group_id",
            "main_route_table_id",
            "dhcp_options_id",
            "ipv6_association_id",
            # Marker the AWS collector sets on the default VPC (for ``defaults``), not drift.
            "default",
        }
    ),
    "aws_subnet": frozenset({"ipv6_cidr_block_association_id", "default_for_az"}),
    "aws_eip": frozenset({"public_dns", "private_dns", "allocation_id", "association_id"}),
    "aws_iam_policy": frozenset({"policy_id", "attachment_count"}),
    "aws_kms_key": frozenset({"key_id"}),
    "aws_sqs_queue": frozenset({"url"}),
}

#: Attribute name endings that mark a secret wherever they appear in a path.
SECRET_SUFFIXES: tuple[str, ...] = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "secret_key",
    "secret_string",
    "secret_binary",
    "token",
    "auth_token",
    "private_key",
    "api_key",
    "credentials",
)


def is_secret_name(name: str) -> bool:
    """True for attribute names that hold secrets (``password``, ``db_password``, ``token``...).

    Matched on whole ``_``-separated words at the end of the name, plus anything containing
    "password", so ``access_token_validity`` is not a secret but ``master_user_password`` is.
    """
    lowered = name.lower()
    if "password" in lowered:
        return True
    return any(lowered == s or lowered.endswith("_" + s) for s in SECRET_SUFFIXES)


def canonical_type(resource_type: str) -> str:
    """The name the engine matches ``resource_type`` under (``aws_alb`` -> ``aws_lb``)."""
    return TYPE_ALIASES.get(resource_type, resource_type)


@cache
def computed_attributes(resource_type: str) -> frozenset[str]:
    """Top-level attributes of ``resource_type`` whose differences are provider-computed."""
    extra = COMPUTED.get(resource_type)
    return GLOBAL_COMPUTED | extra if extra else GLOBAL_COMPUTED
