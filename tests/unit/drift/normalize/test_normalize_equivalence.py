"""What must compare equal after normalization, and what must still differ."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drift.model import Resource, View
from drift.normalize import (
    DEFAULT,
    canonical_policy,
    expand,
    normalize,
    normalizers,
    parse_document,
)
from drift.normalize.types import is_secret_name

from .support import res

BASE: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::b/*"],
            "Principal": {"AWS": ["123456789012"]},
        }
    ],
}

SAME_POLICY = [
    pytest.param(json.dumps(BASE, indent=4), id="pretty-printed"),
    pytest.param(json.dumps(BASE, sort_keys=True, separators=(",", ":")), id="compact-sorted"),
    pytest.param(
        '{"Statement":{"Principal":{"AWS":"arn:aws:iam::123456789012:root"},'
        '"Resource":"arn:aws:s3:::b/*","Action":"s3:GetObject","Effect":"Allow"},'
        '"Version":"2012-10-17"}',
        id="scalars-root-arn-one-statement",
    ),
    pytest.param(
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow"
        "%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3A"
        "b%2F*%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22123456789012%22%7D%7D%5D%7D",
        id="url-encoded",
    ),
    pytest.param(
        {**BASE, "Statement": [{**BASE["Statement"][0], "Sid": ""}]}, id="parsed-with-empty-sid"
    ),
]


@pytest.mark.parametrize("variant", SAME_POLICY)
def test_policies_differing_only_in_formatting_are_equal(variant: Any) -> None:
    assert canonical_policy(variant) == canonical_policy(json.dumps(BASE))


DIFFERENT_POLICY = [
    pytest.param({"Effect": "Deny"}, id="effect"),
    pytest.param({"Action": ["s3:GetObject", "s3:PutObject"]}, id="extra-action"),
    pytest.param({"Principal": {"AWS": ["210987654321"]}}, id="other-account"),
    pytest.param({"Resource": ["*"]}, id="resource"),
]


@pytest.mark.parametrize("change", DIFFERENT_POLICY)
def test_policies_differing_in_meaning_stay_different(change: dict[str, Any]) -> None:
    other = {**BASE, "Statement": [{**BASE["Statement"][0], **change}]}
    assert canonical_policy(json.dumps(other)) != canonical_policy(json.dumps(BASE))


def test_text_that_is_not_json_is_kept_as_text() -> None:
    assert parse_document("not json") == "not json"
    assert parse_document("{broken") == "{broken"
    assert canonical_policy("") == ""


def test_a_document_without_statements_is_only_parsed() -> None:
    assert canonical_policy('{"b": 1, "a": {"x": null}}') == {"b": 1}


def test_inline_and_separate_rules_for_one_group_give_the_same_resources() -> None:
    inline = res(
        "aws_security_group",
        "sg-1",
        {
            "name": "web",
            "ingress": [
                {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/8"]}
            ],
        },
    )
    group = res("aws_security_group", "sg-1", {"name": "web"})
    legacy = res(
        "aws_security_group_rule",
        "sgrule-1",
        {
            "type": "ingress",
            "security_group_id": "sg-1",
            "protocol": "6",
            "from_port": "80",
            "to_port": 80,
            "cidr_blocks": ["10.0.0.0/8"],
        },
    )
    vpc_rule = res(
        "aws_vpc_security_group_ingress_rule",
        "sgr-1",
        {
            "security_group_id": "sg-1",
            "ip_protocol": "tcp",
            "from_port": 80,
            "to_port": 80,
            "cidr_ipv4": "10.0.0.0/8",
        },
    )
    shapes = [[inline], [group, legacy], [group, vpc_rule]]
    views = [
        {(r.type, r.id): r.attributes for r in expand(normalize(x) for x in shape)}
        for shape in shapes
    ]
    assert views[0] == views[1] == views[2]


def test_a_rule_declared_inline_and_as_a_resource_is_kept_once_with_the_resource_address() -> None:
    block = {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"]}
    group = Resource(
        "aws_security_group", "sg-1", {"ingress": [block]}, View.DECLARED, address="aws_sg.g"
    )
    rule = Resource(
        "aws_security_group_rule",
        "sgrule-9",
        {"type": "ingress", "security_group_id": "sg-1", **block},
        View.DECLARED,
        address="aws_security_group_rule.ssh",
    )
    rules = [r for r in expand([group, rule]) if r.type == "aws_security_group_rule"]
    assert [(r.id, r.address) for r in rules] == [
        ("sgrule-sg-1-ingress-tcp-22-22-10.0.0.0/8", "aws_security_group_rule.ssh")
    ]


def test_unknown_types_are_kept_as_opaque_resources() -> None:
    result = normalize(res("github_repository", "r", {"name": "x", "topics": ["b", "a"]}))
    assert (result.type, result.attributes) == (
        "github_repository",
        {"name": "x", "topics": ["b", "a"]},
    )


def test_every_registered_normalizer_has_help_and_the_default_exists() -> None:
    assert DEFAULT in normalizers
    for entry in normalizers:
        assert entry.help, entry.name
        assert entry.factory(entry.name, {"x": 1}) == {"x": 1}


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("master_user_password", True),
        ("auth_token", True),
        ("private_key", True),
        ("secret_string", True),
        ("access_token_validity", False),
        ("secret_arn", False),
        ("name", False),
    ],
)
def test_secret_names_are_recognized_by_whole_words(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_iam_role_inline_policies_are_a_set_of_canonical_documents() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    one = res(
        "aws_iam_role",
        "r",
        {
            "inline_policy": [
                {"name": "b", "policy": json.dumps(doc)},
                {"name": "a", "policy": "{}"},
            ]
        },
    )
    two = res(
        "aws_iam_role",
        "r",
        {"inline_policy": [{"name": "a"}, {"name": "b", "policy": json.dumps(doc, indent=1)}]},
    )
    assert normalize(one).attributes == normalize(two).attributes
