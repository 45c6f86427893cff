"""S3: ``aws_s3_bucket`` and its standalone configuration resources.

S3 has no batch read: after ``ListBuckets`` (one call per account), each setting is one call per
bucket (``GetBucketVersioning``, ``GetBucketEncryption``, ``GetPublicAccessBlock``,
``GetBucketPolicy``, ``GetBucketTagging``), made in the bucket's own region. The calls are
cached, so the bucket and its sub-resources share them: a bucket costs the same five calls
whether one or all five S3 types are collected. ``--only-managed`` reads only the declared
buckets, which is where it saves most on shared accounts.

A sub-resource is emitted only when the bucket has that configuration (a bucket without a
policy has no ``aws_s3_bucket_policy``); versioning is always emitted (``Disabled`` when never
enabled), and ``drift.normalize.defaults`` treats AWS's own defaults (versioning disabled,
SSE-S3 encryption, all four public-access blocks on) as AWS-owned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from drift.aws.collectors.common import policy_text, tag_map, tagged
from drift.aws.registry import Api, Calls, Collector, Context, Found, Scope, register
from drift.model import Resource

LIST_BUCKETS = Api("s3", "ListBuckets")
GET_LOCATION = Api("s3", "GetBucketLocation")
GET_VERSIONING = Api("s3", "GetBucketVersioning")
GET_ENCRYPTION = Api("s3", "GetBucketEncryption")
GET_PUBLIC_ACCESS_BLOCK = Api("s3", "GetPublicAccessBlock")
GET_POLICY = Api("s3", "GetBucketPolicy")
GET_TAGGING = Api("s3", "GetBucketTagging")

_NO_ENCRYPTION = ("ServerSideEncryptionConfigurationNotFoundError",)
_NO_BLOCK = ("NoSuchPublicAccessBlockConfiguration",)
_NO_POLICY = ("NoSuchBucketPolicy",)
_NO_TAGS = ("NoSuchTagSet", "NoSuchTagSetError")
#: ``GetBucketLocation`` answers with legacy names for two regions.
_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}

Bucket = tuple[str, str]


def buckets(ctx: Context) -> list[Bucket]:
    """``(name, region)`` of the account's buckets, narrowed to ``--region`` and the scope."""
    out = []
    for item in ctx.calls.pages(LIST_BUCKETS, "Buckets[]"):
        name = str(item["Name"])
        if not ctx.wanted(name):
            continue
        region = item.get("BucketRegion") or _location(ctx.calls, name)
        if ctx.regions is None or region in ctx.regions:
            out.append((name, region))
    return out


def _location(calls: Calls, name: str) -> str:
    constraint = calls.call(GET_LOCATION, Bucket=name).get("LocationConstraint") or ""
    return _LEGACY_LOCATIONS.get(constraint, constraint)


def _versioning(calls: Calls, name: str) -> dict[str, Any]:
    return calls.call(GET_VERSIONING, Bucket=name)


def _encryption_rules(calls: Calls, name: str) -> list[dict[str, Any]]:
    answer = calls.call(GET_ENCRYPTION, absent=_NO_ENCRYPTION, Bucket=name)
    rules = []
    for rule in (answer.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or ():
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        rules.append(
            {
                "apply_server_side_encryption_by_default": [
                    {
                        "sse_algorithm": default.get("SSEAlgorithm"),
                        "kms_master_key_id": default.get("KMSMasterKeyID"),
                    }
                ]
                if default
                else [],
                "bucket_key_enabled": bool(rule.get("BucketKeyEnabled")),
            }
        )
    return rules


def _policy(calls: Calls, name: str) -> str | None:
    return policy_text(calls.call(GET_POLICY, absent=_NO_POLICY, Bucket=name).get("Policy"))


def _bucket(ctx: Context, name: str, region: str) -> list[Found]:
    calls = ctx.calls.in_region(region)
    versioning = _versioning(calls, name)
    rules = _encryption_rules(calls, name)
    tags = tag_map(calls.call(GET_TAGGING, absent=_NO_TAGS, Bucket=name).get("TagSet"))
    attributes: dict[str, Any] = {
        "id": name,
        "bucket": name,
        "arn": f"arn:{ctx.partition}:s3:::{name}",
        "region": region,
        "bucket_domain_name": f"{name}.s3.amazonaws.com",
        "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com",
        "versioning": [
            {
                "enabled": versioning.get("Status") == "Enabled",
                "mfa_delete": versioning.get("MFADelete") == "Enabled",
            }
        ],
        "server_side_encryption_configuration": [{"rule": rules}] if rules else [],
        "policy": _policy(calls, name),
    }
    return [Found(name, tagged(attributes, tags), region=region)]


def _bucket_versioning(ctx: Context, name: str, region: str) -> list[Found]:
    answer = _versioning(ctx.calls.in_region(region), name)
    configuration = {
        "status": answer.get("Status") or "Disabled",
        "mfa_delete": answer.get("MFADelete"),
    }
    attributes = {"id": name, "bucket": name, "versioning_configuration": [configuration]}
    return [Found(name, attributes, region=region)]


def _bucket_encryption(ctx: Context, name: str, region: str) -> list[Found]:
    rules = _encryption_rules(ctx.calls.in_region(region), name)
    if not rules:
        return []
    return [Found(name, {"id": name, "bucket": name, "rule": rules}, region=region)]


def _bucket_public_access_block(ctx: Context, name: str, region: str) -> list[Found]:
    calls = ctx.calls.in_region(region)
    answer = calls.call(GET_PUBLIC_ACCESS_BLOCK, absent=_NO_BLOCK, Bucket=name)
    config = answer.get("PublicAccessBlockConfiguration")
    if not config:
        return []
    attributes = {
        "id": name,
        "bucket": name,
        "block_public_acls": bool(config.get("BlockPublicAcls")),
        "block_public_policy": bool(config.get("BlockPublicPolicy")),
        "ignore_public_acls": bool(config.get("IgnorePublicAcls")),
        "restrict_public_buckets": bool(config.get("RestrictPublicBuckets")),
    }
    return [Found(name, attributes, region=region)]


def _bucket_policy(ctx: Context, name: str, region: str) -> list[Found]:
    policy = _policy(ctx.calls.in_region(region), name)
    if policy is None:
        return []
    return [Found(name, {"id": name, "bucket": name, "policy": policy}, region=region)]


PerBucket = Callable[[Context, str, str], list[Found]]


def per_bucket(read: PerBucket) -> Callable[[Context], list[Found]]:
    """A collector body running ``read`` for every bucket, concurrently."""

    def collect(ctx: Context) -> list[Found]:
        return ctx.each(lambda bucket: read(ctx, bucket[0], bucket[1]), buckets(ctx))

    return collect


def bucket_of(resource: Resource) -> Iterable[str]:
    """``--only-managed`` key of a bucket sub-resource: its bucket."""
    bucket = resource.attributes.get("bucket") or resource.id
    return (str(bucket),)


_BASE = (LIST_BUCKETS, GET_LOCATION)


def _s3(
    type_: str, read: PerBucket, apis: tuple[Api, ...], covered: frozenset[str] | None, help: str
) -> None:
    register(
        Collector(
            type=type_,
            service="s3",
            apis=(*_BASE, *apis),
            collect=per_bucket(read),
            covered=covered,
            scope=Scope.GLOBAL,
            scoped_by=bucket_of,
            help=help,
        )
    )


_s3(
    "aws_s3_bucket",
    _bucket,
    (GET_VERSIONING, GET_ENCRYPTION, GET_POLICY, GET_TAGGING),
    frozenset(
        {
            "id",
            "bucket",
            "arn",
            "region",
            "bucket_domain_name",
            "bucket_regional_domain_name",
            "versioning",
            "server_side_encryption_configuration",
            "policy",
            "tags",
            "tags_all",
        }
    ),
    "ListBuckets once, then versioning, encryption, policy and tags per bucket (no batch "
    "API); ACL, CORS, lifecycle, logging, replication and website are not collected",
)
_s3(
    "aws_s3_bucket_versioning",
    _bucket_versioning,
    (GET_VERSIONING,),
    frozenset({"id", "bucket", "versioning_configuration"}),
    "GetBucketVersioning per bucket (shared with aws_s3_bucket)",
)
_s3(
    "aws_s3_bucket_server_side_encryption_configuration",
    _bucket_encryption,
    (GET_ENCRYPTION,),
    frozenset({"id", "bucket", "rule"}),
    "GetBucketEncryption per bucket (shared with aws_s3_bucket)",
)
_s3(
    "aws_s3_bucket_public_access_block",
    _bucket_public_access_block,
    (GET_PUBLIC_ACCESS_BLOCK,),
    None,
    "GetPublicAccessBlock per bucket",
)
_s3(
    "aws_s3_bucket_policy",
    _bucket_policy,
    (GET_POLICY,),
    None,
    "GetBucketPolicy per bucket (shared with aws_s3_bucket)",
)
