"""Partial failure is data: denied services and throttling against a real moto server.

Denials and throttles are injected with botocore event hooks on the collector's own clients
(``Repository(hooks=...)``): the request path, retries and error mapping stay botocore's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drift.aws.engine import AwsUnreadable, Collection, collect
from drift.aws.repository import ACCESS_DENIED, THROTTLED
from drift.engine import compare
from tests.integration.drift.aws.support import (
    Moto,
    World,
    build_identity,
    build_network,
    build_storage,
    deny,
    throttle,
)


@pytest.fixture(scope="module")
def world(module_moto: Moto) -> World:
    world = World()
    for build in (build_network, build_storage, build_identity):
        build(module_moto, world)
    return world


@pytest.fixture(scope="module")
def full(module_moto: Moto, world: World) -> Collection:
    return collect(module_moto.options())


def test_a_denied_service_is_an_alert_naming_the_action_and_the_others_still_report(
    module_moto: Moto, world: World
) -> None:
    result = collect(module_moto.options(), hooks=[deny("iam")])
    denied = {a.type for a in result.alerts if a.code == ACCESS_DENIED}
    assert denied == {
        "aws_iam_role",
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_user",
        "aws_iam_user_policy",
    }
    assert all("iam:GetAccountAuthorizationDetails" in a.message for a in result.alerts)
    assert not any(r.type.startswith("aws_iam_") for r in result.resources)
    assert world["vpc"] in {r.id for r in result.resources}
    assert result.failed == 5


def test_nothing_readable_fails_the_run_in_one_line(module_moto: Moto, world: World) -> None:
    hooks = [deny(s) for s in ("ec2", "s3", "iam", "kms", "rds", "dynamodb", "lambda", "route53")]
    with pytest.raises(AwsUnreadable) as caught:
        collect(module_moto.options(), hooks=hooks)
    assert str(caught.value).startswith("no AWS resource type could be read: ")
    assert "\n" not in str(caught.value)


def test_a_denied_per_bucket_read_skips_that_bucket_and_the_audit_reports_no_missing(
    module_moto: Moto, world: World, full: Collection
) -> None:
    result = collect(module_moto.options(), hooks=[deny("s3", "GetBucketPolicy")])
    denied = sorted((a.type, a.region) for a in result.alerts)
    assert denied == [("aws_s3_bucket", None), ("aws_s3_bucket_policy", None)]
    assert "s3:GetBucketPolicy" in result.alerts[0].message
    assert "cg-logs" not in {r.id for r in result.resources if r.type == "aws_s3_bucket"}
    audit = compare(
        full.resources,
        result.resources,
        now=datetime(2026, 11, 22, tzinfo=UTC),
        audit_id="A1",
        alerts=result.alerts,
    )
    assert [(f.kind, f.resource_type) for f in audit.findings] == []


def test_throttled_calls_are_retried_and_counted_and_the_collection_completes(
    module_moto: Moto, world: World
) -> None:
    hook, injected = throttle("DescribeVpcs", 2)
    result = collect(module_moto.options(types=("aws_vpc",)), hooks=[hook])
    ec2 = result.stats.per_service()["ec2"]
    assert world["vpc"] in {r.id for r in result.resources}
    assert (len(injected), ec2.throttles, ec2.retries, result.alerts) == (2, 2, 2, [])


def test_throttling_past_the_attempt_limit_is_an_alert_for_that_type_only(
    module_moto: Moto, world: World
) -> None:
    hook, _ = throttle("DescribeSubnets", 10)
    options = module_moto.options(types=("aws_subnet", "aws_internet_gateway"), max_attempts=2)
    result = collect(options, hooks=[hook])
    assert [(a.type, a.code) for a in result.alerts] == [("aws_subnet", THROTTLED)]
    assert {r.type for r in result.resources} == {"aws_internet_gateway"}
