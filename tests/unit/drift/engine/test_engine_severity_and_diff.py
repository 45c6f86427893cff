"""Severity policy and the attribute diff, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from change_control.errors import ConfigError
from drift.engine import SeverityOverride, SeverityPolicy, diff, finding_id
from drift.model import Difference, FindingKind, Op, Severity

from .support import audit, declared

K = FindingKind
S = Severity


def change_at(*path: str | int, computed: bool = False) -> Difference:
    return Difference(tuple(path), Op.CHANGE, 1, 2, computed=computed)


SEVERITY_CASES = [
    (K.MISSING, "aws_instance", (), None, S.HIGH),
    (K.UNMANAGED, "aws_instance", (), None, S.MEDIUM),
    (K.CHANGED, "aws_instance", (change_at("instance_type"),), None, S.MEDIUM),
    (K.BASELINE_VIOLATION, "aws_instance", (change_at("x"),), None, S.MEDIUM),
    (K.BASELINE_VIOLATION, "aws_instance", (change_at("x"),), S.CRITICAL, S.CRITICAL),
    (K.CHANGED, "aws_iam_role", (change_at("assume_role_policy", "Statement", 0),), None, S.HIGH),
    (K.CHANGED, "aws_iam_role", (change_at("description"),), None, S.MEDIUM),
    (
        K.CHANGED,
        "aws_s3_bucket_public_access_block",
        (change_at("block_public_acls"),),
        None,
        S.HIGH,
    ),
    (K.CHANGED, "aws_s3_bucket", (change_at("policy"),), None, S.HIGH),
    (K.UNMANAGED, "aws_security_group_rule", (), None, S.HIGH),
    (K.UNMANAGED, "aws_iam_role", (), None, S.MEDIUM),
    (K.CHANGED, "aws_instance", (change_at("arn", computed=True),), None, S.LOW),
]


@pytest.mark.parametrize(("kind", "rtype", "differences", "rule", "expected"), SEVERITY_CASES)
def test_default_severity_policy(
    kind: FindingKind,
    rtype: str,
    differences: tuple[Difference, ...],
    rule: Severity | None,
    expected: Severity,
) -> None:
    assert SeverityPolicy().rate(kind, rtype, differences, rule) is expected


def test_overrides_from_configuration_win_and_the_last_match_counts() -> None:
    policy = SeverityPolicy.from_dict(
        {
            "defaults": {"unmanaged": "low"},
            "overrides": [
                {"type": "aws_iam_*", "severity": "high"},
                {"type": "aws_iam_role", "kind": "changed", "severity": "critical"},
            ],
        }
    )
    assert policy.rate(K.UNMANAGED, "aws_instance") is S.LOW
    assert policy.rate(K.MISSING, "aws_iam_role") is S.HIGH
    assert policy.rate(K.CHANGED, "aws_iam_role", (), S.LOW) is S.CRITICAL
    assert policy.overrides[0] == SeverityOverride(S.HIGH, "aws_iam_*")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"defaults": {"strange": "high"}}, "cfg: defaults.strange: 'strange' is not one of"),
        ({"defaults": {"missing": "huge"}}, "cfg: defaults.missing: 'huge' is not one of"),
        ({"overrides": [{"type": "x"}]}, "cfg: overrides[0]: expected a mapping with a 'severity'"),
        ({"overrides": [{"severity": "low", "kind": "x"}]}, "cfg: overrides[0].kind: 'x'"),
        ({"levels": {}}, "cfg: unknown key 'levels'"),
    ],
)
def test_bad_severity_configuration_is_a_one_line_error(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SeverityPolicy.from_dict(data, "cfg")
    assert str(caught.value).startswith(message)


def test_the_engine_applies_the_severity_policy() -> None:
    policy = SeverityPolicy(overrides=(SeverityOverride(S.CRITICAL, "aws_s3_*", K.MISSING),))
    result = audit([declared("aws_s3_bucket", "b", {})], [], severity=policy)
    assert result.findings[0].severity is S.CRITICAL


DIFF_CASES = [
    pytest.param({"a": 1}, {"a": 1}, [], id="equal"),
    pytest.param({"a": 1}, {"a": 1.0}, [], id="int-equals-float"),
    pytest.param({"a": 1}, {"a": 2}, [(("a",), Op.CHANGE, 1, 2)], id="scalar"),
    pytest.param({"a": 1}, {"a": "1"}, [(("a",), Op.CHANGE, 1, "1")], id="type-change"),
    pytest.param(
        {"t": {"x": "1", "y": "2"}},
        {},
        [(("t", "x"), Op.REMOVE, "1", None), (("t", "y"), Op.REMOVE, "2", None)],
        id="removed-map-reported-per-key",
    ),
    pytest.param({}, {"l": [1]}, [(("l",), Op.ADD, None, [1])], id="added-list"),
    pytest.param(
        {"s": ["a", "b", "c"]},
        {"s": ["a", "c", "d"]},
        [(("s", 1), Op.REMOVE, "b", None), (("s", 2), Op.ADD, None, "d")],
        id="set-like-list-as-multiset",
    ),
    pytest.param(
        {"s": ["a", "b"]},
        {"s": ["b", "a"]},
        [(("s",), Op.CHANGE, ["a", "b"], ["b", "a"])],
        id="reorder",
    ),
    pytest.param(
        {"b": [{"x": 1, "y": 1}, {"x": 2}]},
        {"b": [{"x": 1, "y": 3}, {"x": 2}]},
        [(("b", 0, "y"), Op.CHANGE, 1, 3)],
        id="blocks-element-wise",
    ),
    pytest.param(
        {"b": [{"x": 1}]},
        {"b": [{"x": 1}, {"x": 2}]},
        [(("b", 1), Op.ADD, None, {"x": 2})],
        id="extra-block",
    ),
    pytest.param(
        {"a": {"k": 1}}, {"a": [1]}, [(("a",), Op.CHANGE, {"k": 1}, [1])], id="shape-change"
    ),
]


@pytest.mark.parametrize(("expected", "actual", "differences"), DIFF_CASES)
def test_diff(expected: Any, actual: Any, differences: list[Any]) -> None:
    assert diff(expected, actual) == differences


def test_finding_ids_depend_on_kind_type_id_rule_and_paths_only() -> None:
    one = (Difference(("a",), Op.CHANGE, 1, 2), Difference(("b",), Op.ADD, None, 3))
    same = (Difference(("b",), Op.ADD, None, 9), Difference(("a",), Op.CHANGE, 5, 6))
    base = finding_id(K.CHANGED, "t", "i", one)
    assert base == finding_id(K.CHANGED, "t", "i", same)
    assert base != finding_id(K.CHANGED, "t", "j", one)
    assert base != finding_id(K.BASELINE_VIOLATION, "t", "i", one)
    assert base != finding_id(K.CHANGED, "t", "i", one[:1])
    assert base != finding_id(K.CHANGED, "t", "i", one, rule="r")
    # Pinned: a changed hash would turn every stored finding into a "new" one.
    assert base == "d8ab57a1fccc43c2"
