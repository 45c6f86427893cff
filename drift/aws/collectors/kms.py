"""KMS: ``aws_kms_key`` (customer-managed keys only).

``ListKeys`` is one paginated call per region; a key's description, policy, rotation and tags
each need their own call (KMS has no batch read), so a customer key costs four calls.
AWS-managed keys (``alias/aws/...``) are skipped before those calls: Terraform cannot manage
them, and they are most of the keys in a typical account. Keys pending deletion are treated as
gone, as the provider does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift.aws.collectors.common import policy_text, tag_map, tagged
from drift.aws.registry import Api, Collector, Context, Found, register

LIST_KEYS = Api("kms", "ListKeys")
DESCRIBE_KEY = Api("kms", "DescribeKey")
GET_KEY_POLICY = Api("kms", "GetKeyPolicy")
GET_KEY_ROTATION_STATUS = Api("kms", "GetKeyRotationStatus")
LIST_RESOURCE_TAGS = Api("kms", "ListResourceTags")

_GONE_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


def _key(ctx: Context, key_id: str) -> list[Found]:
    meta: Mapping[str, Any] = ctx.calls.call(DESCRIBE_KEY, KeyId=key_id).get("KeyMetadata", {})
    if meta.get("KeyManager") == "AWS" or meta.get("KeyState") in _GONE_STATES:
        return []
    policy = ctx.calls.call(GET_KEY_POLICY, KeyId=key_id, PolicyName="default").get("Policy")
    rotation = ctx.calls.call(GET_KEY_ROTATION_STATUS, KeyId=key_id)
    tags = ctx.calls.pages(LIST_RESOURCE_TAGS, "Tags[]", KeyId=key_id)
    attributes: dict[str, Any] = {
        "id": key_id,
        "key_id": key_id,
        "arn": meta.get("Arn"),
        "description": meta.get("Description"),
        "customer_master_key_spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
        "key_usage": meta.get("KeyUsage"),
        "is_enabled": bool(meta.get("Enabled")),
        "multi_region": bool(meta.get("MultiRegion")),
        "custom_key_store_id": meta.get("CustomKeyStoreId"),
        "xks_key_id": (meta.get("XksKeyConfiguration") or {}).get("Id"),
        "enable_key_rotation": bool(rotation.get("KeyRotationEnabled")),
        "rotation_period_in_days": int(rotation.get("RotationPeriodInDays") or 0),
        "policy": policy_text(policy),
    }
    return [Found(key_id, tagged(attributes, tag_map(tags, "TagKey", "TagValue")))]


def collect_keys(ctx: Context) -> list[Found]:
    """Customer-managed keys of the region (only the declared ones under a scope)."""
    ids = [str(k["KeyId"]) for k in ctx.calls.pages(LIST_KEYS, "Keys[]")]
    return ctx.each(lambda key_id: _key(ctx, key_id), [k for k in ids if ctx.wanted(k)])


register(
    Collector(
        type="aws_kms_key",
        service="kms",
        apis=(LIST_KEYS, DESCRIBE_KEY, GET_KEY_POLICY, GET_KEY_ROTATION_STATUS, LIST_RESOURCE_TAGS),
        collect=collect_keys,
        covered=frozenset(
            {
                "id",
                "key_id",
                "arn",
                "description",
                "customer_master_key_spec",
                "key_usage",
                "is_enabled",
                "multi_region",
                "custom_key_store_id",
                "xks_key_id",
                "enable_key_rotation",
                "rotation_period_in_days",
                "policy",
                "tags",
                "tags_all",
            }
        ),
        help="ListKeys, then DescribeKey, GetKeyPolicy, GetKeyRotationStatus and "
        "ListResourceTags per customer-managed key (no batch API)",
    )
)
