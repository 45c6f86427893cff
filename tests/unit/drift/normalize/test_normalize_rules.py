"""Each normalization rule on a recorded-style input, pinned by a golden case (input + output)."""

from __future__ import annotations

import json
from typing import Any

from drift.model import View
from drift.normalize import aws_owned_keys, canonical_policy, expand, normalize
from drift.normalize.rules import (
    drop_fields,
    drop_prefix_hints,
    fold_tags,
    prune,
    sort_named_sets,
    sort_sets,
)
from drift.normalize.types import GLOBAL_WRITE_ONLY
from tests.golden_plugin import Golden

from .support import check_case, res


def test_nulls_empty_collections_and_empty_strings_are_dropped_recursively(golden: Golden) -> None:
    given: dict[str, Any] = {
        "name": "web",
        "description": "",
        "kms_key_id": None,
        "tags": {},
        "ebs_block_device": [],
        "count": 0,
        "enabled": False,
        "nested": [{"a": None, "b": ""}, {"c": [None, "", {}], "d": 1}],
    }
    result = prune(given)
    assert result == {"name": "web", "count": 0, "enabled": False, "nested": [{"d": 1}]}
    check_case(golden, "drop_empty", given, result)


def test_tags_all_is_folded_into_tags_and_dropped(golden: Golden) -> None:
    given = {
        "tags": {"Name": "web", "env": "prod"},
        "tags_all": {"Name": "web", "env": "default-env", "owner": "platform"},
    }
    result = fold_tags(dict(given))
    assert result == {"tags": {"Name": "web", "env": "prod", "owner": "platform"}}
    check_case(golden, "fold_tags", given, result)


def test_write_only_and_timing_fields_are_dropped(golden: Golden) -> None:
    given = {
        "identifier": "db1",
        "password": "hunter2",
        "master_password": "hunter2",
        "timeouts": {"create": "40m"},
        "force_destroy": True,
        "skip_final_snapshot": True,
        "final_snapshot_identifier": "db1-final",
        "apply_immediately": True,
        "latest_restorable_time": "2026-11-22T10:00:00Z",
    }
    result = normalize(res("aws_db_instance", "db1", given)).attributes
    assert result == {"identifier": "db1"}
    assert drop_fields({"timeouts": 1, "x": 1}, GLOBAL_WRITE_ONLY) == {"x": 1}
    check_case(golden, "write_only", given, result)


def test_prefix_hints_are_dropped_only_next_to_the_attribute_they_generated(
    golden: Golden,
) -> None:
    given = {
        "name": "app-2026112201",
        "name_prefix": "app-",
        "bucket": "logs-1",
        "bucket_prefix": "logs-",
        "s3_key_prefix": "trail/",
        "target_prefix": "access/",
    }
    result = drop_prefix_hints(dict(given))
    assert result == {
        "name": "app-2026112201",
        "bucket": "logs-1",
        "s3_key_prefix": "trail/",
        "target_prefix": "access/",
    }
    check_case(golden, "prefix_hints", given, result)


PRETTY_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "",
      "Effect": "Allow",
      "Action": ["s3:PutObject", "s3:GetObject", "s3:GetObject"],
      "Resource": "arn:aws:s3:::logs/*",
      "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
      "Condition": {"Bool": {"aws:SecureTransport": true}}
    },
    {"Effect": "Deny", "NotAction": "iam:*", "Resource": ["*"]}
  ]
}"""


def test_policy_documents_are_parsed_into_one_canonical_form(golden: Golden) -> None:
    given = {"name": "logs", "policy": PRETTY_POLICY}
    result = normalize(res("aws_iam_policy", "p", given)).attributes
    assert result["policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Condition": {"Bool": {"aws:SecureTransport": ["true"]}},
                "Effect": "Allow",
                "Principal": {"AWS": ["123456789012"]},
                "Resource": ["arn:aws:s3:::logs/*"],
            },
            {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": ["*"]},
        ],
    }
    check_case(golden, "policy_document", given, result)


def test_a_policy_without_version_gets_the_iam_default_and_a_lone_statement_becomes_a_list(
    golden: Golden,
) -> None:
    given = {"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}
    result = canonical_policy(json.dumps(given))
    assert result == {
        "Version": "2008-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": ["*"]}],
    }
    check_case(golden, "policy_version_default", given, result)


def test_set_typed_attributes_are_sorted_so_order_means_nothing(golden: Golden) -> None:
    given = {
        "vpc_security_group_ids": ["sg-2", "sg-1"],
        "subnet_ids": ["subnet-b", "subnet-a"],
        "ordered": ["b", "a"],
    }
    result = sort_named_sets(dict(given), ["vpc_security_group_ids", "subnet_ids"])
    assert result == {
        "vpc_security_group_ids": ["sg-1", "sg-2"],
        "subnet_ids": ["subnet-a", "subnet-b"],
        "ordered": ["b", "a"],
    }
    check_case(golden, "set_attributes", given, result)


def test_nested_sets_are_sorted_inside_out(golden: Golden) -> None:
    given = {
        "ingress": [
            {"from_port": 443, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]},
            {"from_port": 22, "cidr_blocks": ["10.1.0.0/16"]},
        ]
    }
    result = sort_sets(
        json.loads(json.dumps(given)), [("ingress",), ("ingress", "*", "cidr_blocks")]
    )
    assert result == {
        "ingress": [
            {"cidr_blocks": ["0.0.0.0/0", "10.0.0.0/8"], "from_port": 443},
            {"cidr_blocks": ["10.1.0.0/16"], "from_port": 22},
        ]
    }
    check_case(golden, "set_blocks", given, result)


def test_equivalent_types_are_aliased(golden: Golden) -> None:
    given = {"aws_alb": "alb-1", "aws_alb_listener": "l-1", "aws_alb_target_group": "tg-1"}
    result = {kind: normalize(res(kind, ident, {})).type for kind, ident in given.items()}
    assert result == {
        "aws_alb": "aws_lb",
        "aws_alb_listener": "aws_lb_listener",
        "aws_alb_target_group": "aws_lb_target_group",
    }
    check_case(golden, "type_aliases", given, result)


def _expanded(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    built = [normalize(res(r["type"], r["id"], r["attributes"])) for r in resources]
    return [{"type": r.type, "id": r.id, "attributes": r.attributes} for r in expand(built)]


def test_inline_security_group_rules_split_into_one_rule_per_source(golden: Golden) -> None:
    given = [
        {
            "type": "aws_security_group",
            "id": "sg-1",
            "attributes": {
                "name": "web",
                "ingress": [
                    {
                        "protocol": "6",
                        "from_port": 443,
                        "to_port": 443,
                        "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"],
                        "ipv6_cidr_blocks": ["::/0"],
                        "security_groups": ["sg-9"],
                        "self": True,
                        "description": "https",
                    }
                ],
                "egress": [
                    {"protocol": "-1", "from_port": 0, "to_port": 0, "prefix_list_ids": ["pl-1"]}
                ],
            },
        }
    ]
    result = _expanded(given)
    assert [r["id"] for r in result] == [
        "sg-1",
        "sgrule-sg-1-ingress-tcp-443-443-0.0.0.0/0",
        "sgrule-sg-1-ingress-tcp-443-443-10.0.0.0/8",
        "sgrule-sg-1-ingress-tcp-443-443-::/0",
        "sgrule-sg-1-ingress-tcp-443-443-sg-9",
        "sgrule-sg-1-ingress-tcp-443-443-sg-1",
        "sgrule-sg-1-egress-all-0-0-pl-1",
    ]
    assert result[0]["attributes"] == {"name": "web"}
    check_case(golden, "sg_inline_rules", given, result)


def test_separate_rule_resources_expand_to_the_same_rule_identity(golden: Golden) -> None:
    given = [
        {
            "type": "aws_security_group_rule",
            "id": "sgrule-2875912345",
            "attributes": {
                "type": "ingress",
                "security_group_id": "sg-1",
                "protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_blocks": ["0.0.0.0/0"],
            },
        },
        {
            "type": "aws_vpc_security_group_ingress_rule",
            "id": "sgr-0abc",
            "attributes": {
                "security_group_id": "sg-1",
                "ip_protocol": "tcp",
                "from_port": 22,
                "to_port": 22,
                "referenced_security_group_id": "sg-7",
                "tags": {"Name": "ssh"},
            },
        },
        {
            "type": "aws_vpc_security_group_egress_rule",
            "id": "sgr-0def",
            "attributes": {
                "security_group_id": "sg-1",
                "ip_protocol": "-1",
                "cidr_ipv4": "0.0.0.0/0",
            },
        },
    ]
    result = _expanded(given)
    assert [r["id"] for r in result] == [
        "sgrule-sg-1-ingress-tcp-443-443-0.0.0.0/0",
        "sgrule-sg-1-ingress-tcp-22-22-sg-7",
        "sgrule-sg-1-egress-all-0-0-0.0.0.0/0",
    ]
    check_case(golden, "sg_rule_resources", given, result)


def test_aws_owned_defaults_are_recognized_on_the_live_side(golden: Golden) -> None:
    given: list[tuple[str, str, dict[str, Any]]] = [
        ("aws_vpc", "vpc-d", {"default": True, "main_route_table_id": "rtb-m"}),
        ("aws_vpc", "vpc-1", {"default_security_group_id": "sg-d1", "default_network_acl_id": "a"}),
        ("aws_subnet", "subnet-d", {"default_for_az": True, "vpc_id": "vpc-d"}),
        ("aws_subnet", "subnet-1", {"vpc_id": "vpc-1"}),
        ("aws_internet_gateway", "igw-d", {"vpc_id": "vpc-d"}),
        ("aws_security_group", "sg-d1", {"name": "default", "vpc_id": "vpc-1"}),
        ("aws_security_group", "sg-web", {"name": "web", "vpc_id": "vpc-1"}),
        ("aws_route_table", "rtb-m", {"vpc_id": "vpc-d"}),
        ("aws_network_acl", "a", {"vpc_id": "vpc-1"}),
        ("aws_iam_role", "AWSServiceRoleForRDS", {"path": "/aws-service-role/rds.amazonaws.com/"}),
        ("aws_iam_role", "app", {"path": "/"}),
        ("aws_kms_alias", "alias/aws/s3", {"name": "alias/aws/s3"}),
        ("aws_kms_alias", "alias/app", {"name": "alias/app"}),
        ("aws_iam_policy", "arn:aws:iam::aws:policy/ReadOnlyAccess", {}),
    ]
    live = [res(kind, ident, attributes) for kind, ident, attributes in given]
    owned = sorted(f"{kind}.{ident}" for kind, ident in aws_owned_keys(live))
    assert owned == [
        "aws_iam_policy.arn:aws:iam::aws:policy/ReadOnlyAccess",
        "aws_iam_role.AWSServiceRoleForRDS",
        "aws_internet_gateway.igw-d",
        "aws_kms_alias.alias/aws/s3",
        "aws_network_acl.a",
        "aws_route_table.rtb-m",
        "aws_security_group.sg-d1",
        "aws_subnet.subnet-d",
        "aws_vpc.vpc-d",
    ]
    check_case(golden, "aws_owned_defaults", [list(g) for g in given], owned)


def test_normalize_leaves_its_input_untouched_and_is_idempotent() -> None:
    attributes = {"tags": {"a": "1"}, "tags_all": {"a": "1", "b": "2"}, "policy": PRETTY_POLICY}
    original = json.loads(json.dumps(attributes))
    once = normalize(res("aws_s3_bucket", "b", attributes, View.DECLARED))
    twice = normalize(once)
    assert attributes == original
    assert twice.attributes == once.attributes
    assert once.view is View.DECLARED
