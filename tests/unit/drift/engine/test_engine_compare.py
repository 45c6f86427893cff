"""The engine end to end on small views: what is in sync, what is drift, and how it is told."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest

from drift.engine import EngineOptions
from drift.ignore import Filter
from drift.model import Difference, FindingKind, Op, Resource, Severity, View

from .support import NOW, STATE, audit, declared, kinds, live

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ],
}
SHUFFLED_POLICY = (
    '{"Statement":[{"Resource":"*","Action":"s3:DeleteBucket","Effect":"Deny"},'
    '{"Resource":["*"],"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"]}],'
    '"Version":"2012-10-17"}'
)

IN_SYNC = [
    pytest.param(
        "aws_iam_policy",
        {"name": "read", "policy": json.dumps(POLICY, indent=2)},
        {"name": "read", "policy": SHUFFLED_POLICY},
        id="iam-policy-formatting-and-key-order",
    ),
    pytest.param(
        "aws_s3_bucket",
        {"bucket": "b", "tags": {"Name": "b"}, "tags_all": {"Name": "b", "owner": "ops"}},
        {"bucket": "b", "tags": {"Name": "b", "owner": "ops"}},
        id="tags-all-folded-into-tags",
    ),
    pytest.param(
        "aws_instance",
        {"ami": "ami-1", "vpc_security_group_ids": ["sg-2", "sg-1", "sg-3"]},
        {"ami": "ami-1", "vpc_security_group_ids": ["sg-1", "sg-3", "sg-2"]},
        id="set-typed-order",
    ),
    pytest.param(
        "aws_instance",
        {"ami": "ami-1", "key_name": "", "user_data": None, "ebs_block_device": []},
        {"ami": "ami-1", "key_name": None},
        id="null-equals-empty-string",
    ),
    pytest.param(
        "aws_iam_role",
        {"name": "r", "arn": "arn:aws:iam::1:role/r", "unique_id": "AROA1", "create_date": "x"},
        {"name": "r", "arn": "arn:aws:iam::1:role/other", "unique_id": "AROA2"},
        id="computed-only-differences-dropped",
    ),
    pytest.param(
        "aws_db_instance",
        {"identifier": "db", "password": "hunter2", "timeouts": {"create": "1h"}},
        {"identifier": "db"},
        id="write-only-fields",
    ),
    pytest.param(
        "aws_security_group",
        {
            "name": "web",
            "ingress": [
                {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["b", "a"]}
            ],
        },
        {
            "name": "web",
            "ingress": [
                {"protocol": "6", "from_port": 443, "to_port": 443, "cidr_blocks": ["a"]},
                {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["b"]},
            ],
        },
        id="inline-rules-split-per-cidr",
    ),
]


@pytest.mark.parametrize(("kind", "wanted", "actual"), IN_SYNC)
def test_noise_only_differences_leave_the_resource_in_sync(
    kind: str, wanted: dict[str, Any], actual: dict[str, Any]
) -> None:
    result = audit([declared(kind, "x", wanted)], [live(kind, "x", actual)])
    assert result.findings == ()
    assert result.summary.in_sync == result.summary.managed


def test_aliased_types_match_each_other() -> None:
    result = audit(
        [declared("aws_alb", "lb-1", {"name": "a"})], [live("aws_lb", "lb-1", {"name": "a"})]
    )
    assert result.findings == ()
    assert result.summary.managed == 1


SG_RULE = {"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp"}


def test_rules_declared_separately_match_inline_rules_seen_live() -> None:
    decl = [
        declared("aws_security_group", "sg-1", {"name": "web"}),
        declared(
            "aws_security_group_rule",
            "sgrule-123",
            {
                **SG_RULE,
                "from_port": 22,
                "to_port": 22,
                "cidr_blocks": ["10.0.0.0/8", "10.1.0.0/16"],
            },
        ),
        declared(
            "aws_vpc_security_group_ingress_rule",
            "sgr-1",
            {
                "security_group_id": "sg-1",
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": "0.0.0.0/0",
            },
        ),
    ]
    ingress = [
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
        {
            "protocol": "tcp",
            "from_port": 22,
            "to_port": 22,
            "cidr_blocks": ["10.1.0.0/16", "10.0.0.0/8"],
        },
    ]
    result = audit(decl, [live("aws_security_group", "sg-1", {"name": "web", "ingress": ingress})])
    assert kinds(result) == []
    assert result.summary.managed == 4


def test_a_rule_opened_behind_terraforms_back_is_one_unmanaged_rule() -> None:
    decl = [declared("aws_security_group", "sg-1", {"name": "web"})]
    ingress = [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]
    result = audit(decl, [live("aws_security_group", "sg-1", {"name": "web", "ingress": ingress})])
    assert kinds(result) == [
        ("unmanaged", "aws_security_group_rule", "sgrule-sg-1-ingress-tcp-22-22-0.0.0.0/0")
    ]
    assert result.findings[0].severity is Severity.HIGH


def test_changed_attributes_are_reported_with_path_op_and_values() -> None:
    wanted = {"instance_type": "t3.micro", "tags": {"env": "prod", "team": "a"}, "monitoring": True}
    actual = {"instance_type": "t3.large", "tags": {"env": "prod", "cost": "x"}}
    result = audit([declared("aws_instance", "i-1", wanted)], [live("aws_instance", "i-1", actual)])
    (finding,) = result.findings
    assert finding.kind is FindingKind.CHANGED
    assert finding.address == "aws_instance.r_i_1"
    assert finding.source == STATE
    assert finding.region == "eu-west-3"
    assert finding.differences == (
        Difference(("instance_type",), Op.CHANGE, "t3.micro", "t3.large"),
        Difference(("monitoring",), Op.REMOVE, True, None),
        Difference(("tags", "cost"), Op.ADD, None, "x"),
        Difference(("tags", "team"), Op.REMOVE, "a", None),
    )
    assert (result.summary.changed, result.summary.in_sync) == (1, 0)


def test_missing_unmanaged_and_counts() -> None:
    decl = [
        declared("aws_s3_bucket", "a", {"bucket": "a"}),
        declared("aws_s3_bucket", "gone", {"bucket": "gone"}),
    ]
    current = [
        live("aws_s3_bucket", "a", {"bucket": "a"}),
        live("aws_sqs_queue", "q", {"name": "q"}),
    ]
    result = audit(decl, current)
    assert kinds(result) == [
        ("missing", "aws_s3_bucket", "gone"),
        ("unmanaged", "aws_sqs_queue", "q"),
    ]
    assert [f.severity for f in result.findings] == [Severity.HIGH, Severity.MEDIUM]
    summary = result.summary
    assert (summary.total, summary.managed, summary.in_sync) == (3, 2, 1)
    assert (summary.missing, summary.unmanaged, summary.changed) == (1, 1, 0)


DEFAULTS = [
    live("aws_vpc", "vpc-d", {"default": True}),
    live("aws_security_group", "sg-d", {"name": "default", "vpc_id": "vpc-d"}),
    live("aws_iam_role", "AWSServiceRoleForECS", {"path": "/aws-service-role/ecs.amazonaws.com/"}),
]


def test_aws_owned_defaults_are_not_unmanaged_unless_strict() -> None:
    assert kinds(audit([], DEFAULTS)) == []
    strict = audit([], DEFAULTS, options=EngineOptions(strict=True))
    assert len(strict.findings) == 3


def test_a_declared_default_is_compared_like_any_resource() -> None:
    decl = [declared("aws_default_vpc", "vpc-d", {"default": True, "cidr_block": "172.31.0.0/16"})]
    current = [live("aws_vpc", "vpc-d", {"default": True, "cidr_block": "10.0.0.0/16"})]
    assert kinds(audit(decl, current)) == [("changed", "aws_vpc", "vpc-d")]


def test_only_managed_drops_unmanaged_types_nothing_declares() -> None:
    decl = [declared("aws_s3_bucket", "a", {"bucket": "a"})]
    current = [
        live("aws_s3_bucket", "a", {"bucket": "a"}),
        live("aws_s3_bucket", "b", {"bucket": "b"}),
        live("aws_sqs_queue", "q", {"name": "q"}),
    ]
    result = audit(decl, current, options=EngineOptions(only_managed=True))
    assert kinds(result) == [("unmanaged", "aws_s3_bucket", "b")]


def test_computed_differences_are_kept_as_low_when_asked() -> None:
    decl = [declared("aws_iam_role", "r", {"name": "r", "arn": "a1"})]
    current = [live("aws_iam_role", "r", {"name": "r", "arn": "a2"})]
    result = audit(decl, current, options=EngineOptions(keep_computed=True))
    (finding,) = result.findings
    assert finding.differences == (Difference(("arn",), Op.CHANGE, "a1", "a2", computed=True),)
    assert finding.severity is Severity.LOW


CANARY = "canary-Sup3rS3cret-7f1d"


def test_sensitive_values_never_reach_a_finding() -> None:
    wanted = {
        "name": "db",
        "password": CANARY,
        "connection": {"host": "a", "auth_token": CANARY},
        "settings": {"url": f"postgres://u:{CANARY}@h/db"},
        "users": [{"name": "u", "secret": CANARY}],
    }
    actual = {
        "name": "db",
        "connection": {"host": "b", "auth_token": "other"},
        "settings": {"url": "postgres://u:other@h/db"},
        "users": [{"name": "v", "secret": "other"}, {"name": "w", "secret": CANARY}],
    }
    decl = declared(
        "aws_db_instance", "db", wanted, sensitive_paths=frozenset({("settings", "url")})
    )
    result = audit([decl], [live("aws_db_instance", "db", actual)])
    dumped = json.dumps([f.to_dict() for f in result.findings]) + repr(result)
    assert CANARY not in dumped
    (finding,) = result.findings
    flagged = {d.path: d.sensitive for d in finding.differences}
    assert flagged[("connection", "auth_token")] is True
    assert flagged[("settings", "url")] is True
    assert flagged[("connection", "host")] is False


def _scenario() -> tuple[list[Resource], list[Resource]]:
    decl = [
        declared("aws_s3_bucket", f"b{i}", {"bucket": f"b{i}", "acl": "private"}) for i in range(8)
    ]
    current = [
        live("aws_s3_bucket", f"b{i}", {"bucket": f"b{i}", "acl": "public-read"}) for i in range(4)
    ]
    current.append(live("aws_s3_bucket", "extra", {"bucket": "extra"}))
    return decl, current


def test_finding_ids_and_order_are_stable_across_runs_and_input_order() -> None:
    decl, current = _scenario()
    first = audit(decl, current)
    shuffler = random.Random(4)
    for _ in range(3):
        shuffler.shuffle(decl)
        shuffler.shuffle(current)
        again = audit(decl, current)
        assert [f.id for f in again.findings] == [f.id for f in first.findings]
    assert len({f.id for f in first.findings}) == len(first.findings) == 9
    assert all(len(f.id) == 16 for f in first.findings)


def test_a_finding_keeps_its_id_when_the_drifted_value_moves_on() -> None:
    decl = [declared("aws_s3_bucket", "b", {"acl": "private"})]
    one = audit(decl, [live("aws_s3_bucket", "b", {"acl": "public-read"})])
    two = audit(decl, [live("aws_s3_bucket", "b", {"acl": "public-read-write"})])
    assert one.findings[0].id == two.findings[0].id


def test_first_seen_comes_from_history_and_last_seen_is_now() -> None:
    decl, current = _scenario()
    first = audit(decl, current)
    earlier = NOW.replace(day=1)
    seen = {first.findings[0].id: earlier}
    again = audit(decl, current, first_seen=seen)
    assert again.findings[0].first_seen == earlier
    assert again.findings[1].first_seen == NOW
    assert {f.last_seen for f in again.findings} == {NOW}


def test_a_resource_listed_twice_in_one_view_is_an_alert_not_a_crash() -> None:
    one = declared("aws_s3_bucket", "b", {"bucket": "b"})
    two = replace(one, source="states/other.tfstate")
    result = audit([one, two], [live("aws_s3_bucket", "b", {"bucket": "b"})])
    assert result.findings == ()
    assert [a.code for a in result.alerts] == ["duplicate_resource"]


def test_filter_keeps_only_matching_resources_in_findings_and_counts() -> None:
    decl = [
        declared("aws_s3_bucket", "a", {"bucket": "a", "tags": {"env": "prod"}}),
        declared("aws_s3_bucket", "b", {"bucket": "b", "tags": {"env": "dev"}}),
        declared("aws_sqs_queue", "q", {"name": "q", "tags": {"env": "prod"}}),
    ]
    result = audit(decl, [], filter=Filter.parse(["tag:env=prod", "type=aws_s3_*"]))
    assert kinds(result) == [("missing", "aws_s3_bucket", "a")]
    assert result.summary.managed == 1


def test_without_a_live_view_nothing_is_missing_and_generated_at_is_now() -> None:
    result = audit([declared("aws_s3_bucket", "a", {"bucket": "a"})], None)
    assert result.findings == ()
    assert result.generated_at == NOW
    assert result.audit_id == "a1"


def test_the_input_resources_are_not_modified() -> None:
    wanted = {"tags": {"a": "1"}, "tags_all": {"a": "1"}, "x": None}
    resource = declared("aws_s3_bucket", "a", wanted)
    audit([resource], [live("aws_s3_bucket", "a", {})])
    assert resource.attributes == {"tags": {"a": "1"}, "tags_all": {"a": "1"}, "x": None}
    assert resource.view is View.DECLARED
