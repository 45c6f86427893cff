"""Conformance over the whole collector registry: types, schema names, IAM actions, selection."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from change_control.errors import InputError
from drift.aws import registry
from drift.normalize.types import COMPUTED

SCHEMA = json.loads((Path(__file__).parent / "data/aws_provider_5.100.0_schema.json").read_text())
TYPES = SCHEMA["resource_schemas"]

#: The types issue #5 asks for, word for word.
ISSUE_TYPES = [
    "aws_instance",
    "aws_ebs_volume",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_default_security_group",
    "aws_vpc",
    "aws_subnet",
    "aws_route_table",
    "aws_internet_gateway",
    "aws_key_pair",
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_user",
    "aws_iam_user_policy",
    "aws_kms_key",
    "aws_db_instance",
    "aws_dynamodb_table",
    "aws_lambda_function",
    "aws_route53_zone",
    "aws_route53_record",
]
COLLECTORS = registry.load()


def test_every_type_the_issue_lists_is_supported() -> None:
    assert sorted(set(ISSUE_TYPES) - set(registry.supported_types())) == []


@pytest.mark.parametrize("collector", COLLECTORS, ids=lambda c: c.type)
def test_covered_attributes_are_names_of_the_providers_schema(
    collector: registry.Collector,
) -> None:
    for kind in collector.types:
        unknown = (collector.covered or frozenset()) - set(TYPES[kind])
        assert sorted(unknown) == []


@pytest.mark.parametrize("collector", COLLECTORS, ids=lambda c: c.type)
def test_markers_are_outside_the_schema_and_computed_so_never_drift(
    collector: registry.Collector,
) -> None:
    for marker in collector.markers:
        assert marker not in TYPES[collector.type]
        assert marker in COMPUTED[collector.type]


@pytest.mark.parametrize("collector", COLLECTORS, ids=lambda c: c.type)
def test_every_api_is_an_iam_action_of_the_collectors_service_family(
    collector: registry.Collector,
) -> None:
    for api in collector.apis:
        assert re.fullmatch(r"[a-z0-9]+:[A-Z][A-Za-z]+", api.action)
        assert api.service in (collector.service, "ec2")


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
        ("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
        ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        ("rds", "DescribeDBInstances", "rds:DescribeDBInstances"),
        ("ec2", "DescribeInstances", "ec2:DescribeInstances"),
    ],
)
def test_actions_use_iam_names_where_they_differ_from_the_operation(
    service: str, operation: str, action: str
) -> None:
    assert registry.Api(service, operation).action == action


@pytest.mark.parametrize(
    ("asked", "collector"),
    [
        ("aws_default_security_group", "aws_security_group"),
        ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule"),
        ("aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule"),
        ("aws_default_vpc", "aws_vpc"),
        ("aws_s3_bucket_policy", "aws_s3_bucket_policy"),
    ],
)
def test_a_type_selects_the_collector_whose_resources_match_it(asked: str, collector: str) -> None:
    assert [c.type for c in registry.select([asked])] == [collector]


def test_an_unknown_type_lists_the_supported_ones() -> None:
    with pytest.raises(InputError) as caught:
        registry.select(["aws_nope"])
    assert str(caught.value).startswith(
        "--types: unknown AWS resource type 'aws_nope' (supported: "
    )
    assert "aws_instance" in str(caught.value)


def test_coverage_names_the_partially_read_types_only() -> None:
    coverage = registry.coverage()
    assert "user_data" not in coverage["aws_instance"]
    assert "tags" in coverage["aws_instance"]
    assert "default" in coverage["aws_vpc"]
    for complete in ("aws_s3_bucket_policy", "aws_vpc_security_group_ingress_rule"):
        assert complete not in coverage


def test_global_collectors_are_the_once_per_account_services() -> None:
    services = {c.service for c in COLLECTORS if c.scope is registry.Scope.GLOBAL}
    assert services == {"iam", "route53", "s3"}
