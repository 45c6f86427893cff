"""Engine planning, scopes, options, alerts, call accounting and the generated IAM policy."""

from __future__ import annotations

import pytest

from change_control.errors import InputError
from drift.aws import registry
from drift.aws.engine import dedupe, plan_tasks
from drift.aws.iam_policy import policy_document
from drift.aws.scope import ManagedScope
from drift.aws.session import Account, AwsOptions
from drift.aws.stats import CallStats, charged_to, summary_lines
from drift.model import Alert, Resource, View

A = Account(key="a", session=None, id="111111111111")
B = Account(key="b", session=None, id="222222222222", partition="aws-cn")


def _declared(kind: str, ident: str, **attributes: str) -> Resource:
    return Resource(type=kind, id=ident, attributes=attributes, view=View.DECLARED)


def test_global_collectors_run_once_per_account_and_regional_ones_once_per_region() -> None:
    chosen = registry.select(["aws_iam_role", "aws_vpc"])
    tasks = plan_tasks([A, B], {"a": ["us-east-1", "eu-west-1"], "b": ["cn-north-1"]}, chosen)
    assert [(t.account.key, t.region, t.collector.type) for t in tasks] == [
        ("a", "us-east-1", "aws_iam_role"),
        ("a", "us-east-1", "aws_vpc"),
        ("a", "eu-west-1", "aws_vpc"),
        ("b", "cn-north-1", "aws_iam_role"),
        ("b", "cn-north-1", "aws_vpc"),
    ]


def test_a_scope_runs_only_collectors_of_declared_types_narrowed_to_their_keys() -> None:
    scope = ManagedScope.of(
        [
            _declared("aws_default_security_group", "sg-1"),
            _declared("aws_security_group_rule", "sgrule-x", security_group_id="sg-2"),
            _declared("aws_s3_bucket_policy", "b1", bucket="b1"),
            _declared("aws_route", "r-1"),
        ]
    )
    tasks = plan_tasks([A], {"a": ["us-east-1"]}, registry.load(), scope)
    assert {t.collector.type: t.ids for t in tasks} == {
        "aws_security_group": frozenset({"sg-1"}),
        "aws_vpc_security_group_ingress_rule": frozenset({"sg-2"}),
        "aws_s3_bucket_policy": frozenset({"b1"}),
    }


def test_identical_alerts_are_reported_once_with_their_count() -> None:
    denied = Alert("aws", "access_denied", "s3:GetBucketTagging denied", "aws_s3_bucket")
    other = Alert("aws", "access_denied", "iam:ListRoles denied", "aws_iam_role")
    assert dedupe([denied, other, denied, denied]) == [
        Alert("aws", "access_denied", "s3:GetBucketTagging denied (x3)", "aws_s3_bucket"),
        other,
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (AwsOptions(regions=("eu-west",)), "--region 'eu-west': not an AWS region name"),
        (AwsOptions(role_arns=("arn:aws:iam::1:role/x",)), "--role-arn 'arn:aws:iam::1:role/x'"),
        (AwsOptions(concurrency=0), "--concurrency: must be at least 1"),
        (AwsOptions(max_attempts=0), "--max-attempts: must be at least 1"),
    ],
)
def test_malformed_options_are_refused_before_any_call(options: AwsOptions, message: str) -> None:
    with pytest.raises(InputError) as caught:
        options.check()
    assert str(caught.value).startswith(message)


def test_the_source_name_says_which_credentials_and_regions_were_read() -> None:
    assert AwsOptions().label == "aws://default/all-regions"
    roles = ("arn:aws:iam::123456789012:role/audit",)
    options = AwsOptions(profile="prod", regions=("eu-west-3", "us-east-1"), role_arns=roles)
    assert options.label == f"aws://prod/eu-west-3+us-east-1?role={roles[0]}"


def test_calls_are_charged_to_the_type_whose_collector_made_them() -> None:
    stats = CallStats()
    with charged_to("aws_vpc"):
        stats.call("ec2", "us-east-1")
        stats.call("ec2", "us-east-1")
    stats.call("sts", "us-east-1")
    stats.retried("ec2", "us-east-1", 2)
    stats.throttled("ec2", "us-east-1")
    assert stats.per_type() == {"aws_vpc": 2}
    assert stats.to_dict()["total"] == {"calls": 3, "retries": 2, "throttles": 1, "errors": 0}
    assert summary_lines(stats, {"aws_vpc": 4})[0] == (
        "aws: 3 API calls, 2 retries, 1 throttled, 4 resources"
    )


def test_the_iam_policy_grants_exactly_the_declared_read_actions_per_service() -> None:
    document = policy_document()
    actions = [a for s in document["Statement"] for a in s["Action"]]
    assert document["Version"] == "2012-10-17"
    assert set(actions) == set(registry.policy_actions()) | {
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
    }
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in actions)
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" for s in document["Statement"])


def test_an_iam_policy_for_global_types_needs_no_region_listing() -> None:
    document = policy_document(["aws_s3_bucket"])
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert "ec2:DescribeRegions" not in actions
    assert {"s3:ListAllMyBuckets", "s3:GetBucketTagging", "sts:GetCallerIdentity"} <= actions
