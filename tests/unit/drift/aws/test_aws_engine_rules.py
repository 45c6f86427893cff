"""The engine rules AWS collection relies on: identities, digests, AWS-owned objects, coverage,
and types a live source could not read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from drift.engine import EngineOptions, compare
from drift.engine.compare import prepare
from drift.model import Alert, FindingKind, Resource, View
from drift.normalize import aws_owned_keys
from drift.normalize.digests import digest

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def _r(kind: str, ident: str, view: View = View.LIVE, **attributes: Any) -> Resource:
    return Resource(type=kind, id=ident, attributes=attributes, view=view, region="us-east-1")


def _audit(declared: list[Resource], live: list[Resource], **options: Any) -> list[Any]:
    alerts = options.pop("alerts", ())
    result = compare(
        declared,
        live,
        now=NOW,
        audit_id="A1",
        options=EngineOptions(**options),
        alerts=alerts,
    )
    return [(f.kind, f.resource_type, [d.path for d in f.differences]) for f in result.findings]


def test_a_role_policy_attachment_matches_whatever_random_id_terraform_gave_it() -> None:
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    declared = _r(
        "aws_iam_role_policy_attachment",
        "app-2026112212",
        View.DECLARED,
        id="app-2026112212",
        role="app",
        policy_arn=arn,
    )
    live = _r(
        "aws_iam_role_policy_attachment", f"app/{arn}", id=f"app/{arn}", role="app", policy_arn=arn
    )
    assert _audit([declared], [live], keep_computed=True) == []


def test_a_record_named_relative_to_its_zone_matches_its_fully_qualified_live_record() -> None:
    declared = _r(
        "aws_route53_record",
        "Z1_www_A",
        View.DECLARED,
        id="Z1_www_A",
        zone_id="Z1",
        name="www",
        fqdn="www.example.com",
        type="A",
        records=["2.2.2.2", "1.1.1.1"],
    )
    live = _r(
        "aws_route53_record",
        "Z1_www.example.com_A",
        id="Z1_www.example.com_A",
        zone_id="Z1",
        name="www.example.com",
        fqdn="www.example.com",
        type="A",
        records=["1.1.1.1", "2.2.2.2"],
    )
    assert _audit([declared], [live], keep_computed=True) == []


def test_lambda_environment_values_compare_as_digests_and_never_print() -> None:
    declared = _r(
        "aws_lambda_function",
        "f",
        View.DECLARED,
        environment=[{"variables": {"TOKEN": "old", "MODE": "a"}}],
    )
    live = Resource(
        type="aws_lambda_function",
        id="f",
        attributes={"environment": [{"variables": {"TOKEN": digest("new"), "MODE": digest("a")}}]},
        view=View.LIVE,
        sensitive_paths=frozenset({("environment",)}),
    )
    result = compare([declared], [live], now=NOW, audit_id="A1")
    (finding,) = result.findings
    (difference,) = finding.differences
    assert difference.path == ("environment", 0, "variables", "TOKEN")
    assert (difference.sensitive, difference.expected, difference.actual) == (True, None, None)


@pytest.mark.parametrize(
    ("resource", "owned"),
    [
        (
            _r("aws_s3_bucket_versioning", "b", versioning_configuration=[{"status": "Disabled"}]),
            True,
        ),
        (
            _r("aws_s3_bucket_versioning", "b", versioning_configuration=[{"status": "Enabled"}]),
            False,
        ),
        (
            _r(
                "aws_s3_bucket_server_side_encryption_configuration",
                "b",
                rule=[
                    {
                        "apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}],
                        "bucket_key_enabled": False,
                    }
                ],
            ),
            True,
        ),
        (
            _r(
                "aws_s3_bucket_server_side_encryption_configuration",
                "b",
                rule=[{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}],
            ),
            False,
        ),
        (
            _r(
                "aws_s3_bucket_public_access_block",
                "b",
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            True,
        ),
        (
            _r(
                "aws_s3_bucket_public_access_block",
                "b",
                block_public_acls=True,
                block_public_policy=False,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            False,
        ),
        (
            _r(
                "aws_route53_record",
                "Z1_example.com_SOA",
                zone_id="Z1",
                name="example.com",
                type="SOA",
            ),
            True,
        ),
        (
            _r(
                "aws_route53_record",
                "Z1_example.com_NS",
                zone_id="Z1",
                name="example.com",
                type="NS",
            ),
            True,
        ),
        (
            _r(
                "aws_route53_record",
                "Z1_sub.example.com_NS",
                zone_id="Z1",
                name="sub.example.com",
                type="NS",
            ),
            False,
        ),
        (_r("aws_ebs_volume", "vol-root"), True),
        (_r("aws_ebs_volume", "vol-kept"), False),
        (_r("aws_ebs_volume", "vol-other"), False),
    ],
)
def test_objects_aws_creates_along_with_others_are_aws_owned(
    resource: Resource, owned: bool
) -> None:
    context = [
        _r("aws_route53_zone", "Z1", name="example.com"),
        _r(
            "aws_instance",
            "i-1",
            root_block_device=[{"volume_id": "vol-root"}],
            ebs_block_device=[{"volume_id": "vol-kept", "delete_on_termination": False}],
        ),
    ]
    owned_keys = aws_owned_keys(prepare([*context, resource]))
    assert ((resource.type, resource.id) in owned_keys) is owned


def test_an_attribute_the_collector_does_not_read_is_not_reported_removed() -> None:
    declared = _r(
        "aws_instance",
        "i-1",
        View.DECLARED,
        user_data="abc",
        tags={"a": "1"},
        instance_type="t3.micro",
    )
    live = _r("aws_instance", "i-1", instance_type="t3.small")
    coverage = {"aws_instance": frozenset({"instance_type", "tags"})}
    assert _audit([declared], [live], live_coverage=coverage) == [
        (FindingKind.CHANGED, "aws_instance", [("instance_type",), ("tags", "a")])
    ]
    assert _audit([declared], [live]) == [
        (FindingKind.CHANGED, "aws_instance", [("instance_type",), ("tags", "a"), ("user_data",)])
    ]


@pytest.mark.parametrize(
    ("alert", "missing"),
    [
        (Alert("aws", "access_denied", "denied", type="aws_iam_role"), False),
        (Alert("aws", "access_denied", "denied", type="aws_vpc", region="us-east-1"), True),
        (Alert("aws", "access_denied", "denied", type="aws_iam_role", region="eu-west-1"), True),
        (Alert("changes", "provider_unreachable", "down"), True),
    ],
)
def test_a_type_a_live_source_could_not_read_is_never_reported_missing(
    alert: Alert, missing: bool
) -> None:
    declared = [_r("aws_iam_role", "app", View.DECLARED, name="app")]
    found = _audit(declared, [], alerts=[alert])
    assert (found == [(FindingKind.MISSING, "aws_iam_role", [])]) is missing


def test_a_denied_security_group_listing_also_covers_the_rules_it_expands_into() -> None:
    declared = [
        _r(
            "aws_security_group_rule",
            "r",
            View.DECLARED,
            type="ingress",
            security_group_id="sg-1",
            protocol="tcp",
            from_port=22,
            to_port=22,
            cidr_blocks=["10.0.0.0/8"],
        ),
    ]
    alert = Alert("aws", "access_denied", "denied", type="aws_security_group", region="us-east-1")
    assert _audit(declared, [], alerts=[alert]) == []
