"""Policy-baseline rules (YAML, each constraint kind) and captured baselines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from change_control.errors import ConfigError
from drift.baseline_rules import load_rules, parse_path, parse_rules
from drift.engine import CapturedBaseline, check_rules, compare_to_baselines
from drift.model import Difference, FindingKind, Op, Resource, Severity, View

from .support import NOW, audit, declared, live

RULES = """\
version: 1
rules:
  - name: s3-private
    type: aws_s3_bucket
    severity: high
    select:
      tags: {env: prod}
    expect:
      acl: {one_of: [private]}
      versioning[0].enabled: {equals: true}
      tags.owner: {regex: "team-[a-z]+"}
      website: {absent: true}
      'tags["kubernetes.io/role"]': {absent: true}
  - name: asg-size
    type: [aws_autoscaling_group]
    select:
      address: "module.prod.*"
    expect:
      min_size: {min: 2}
      max_size: {max: 10}
      desired_capacity: {min: 2, max: 10}
      launch_template: {absent: false}
"""


def rules_file(tmp_path: Path, text: str = RULES) -> Path:
    path = tmp_path / "baseline.yml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_BUCKET = {
    "acl": "private",
    "versioning": [{"enabled": True}],
    "tags": {"env": "prod", "owner": "team-web"},
}

CONSTRAINT_CASES = [
    pytest.param({}, [], id="compliant"),
    pytest.param(
        {"acl": "public-read"},
        [(("acl",), Op.CHANGE, {"one_of": ["private"]}, "public-read")],
        id="one_of",
    ),
    pytest.param(
        {"acl": None}, [(("acl",), Op.REMOVE, {"one_of": ["private"]}, None)], id="one_of-missing"
    ),
    pytest.param(
        {"versioning": [{"enabled": False}]},
        [(("versioning", 0, "enabled"), Op.CHANGE, True, False)],
        id="equals",
    ),
    pytest.param(
        {"tags": {"env": "prod", "owner": "ops"}},
        [(("tags", "owner"), Op.CHANGE, {"regex": "team-[a-z]+"}, "ops")],
        id="regex-full-match",
    ),
    pytest.param(
        {"website": [{"index_document": "i.html"}]},
        [(("website",), Op.ADD, {"absent": True}, [{"index_document": "i.html"}])],
        id="absent",
    ),
    pytest.param(
        {"tags": {"env": "prod", "owner": "team-web", "kubernetes.io/role": "x"}},
        [(("tags", "kubernetes.io/role"), Op.ADD, {"absent": True}, "x")],
        id="quoted-key-with-dots",
    ),
]


@pytest.mark.parametrize(("change", "expected"), CONSTRAINT_CASES)
def test_bucket_rule_constraints(
    tmp_path: Path, change: dict[str, Any], expected: list[tuple[Any, ...]]
) -> None:
    rules = load_rules(rules_file(tmp_path))
    bucket = live("aws_s3_bucket", "b", {**GOOD_BUCKET, **change})
    findings = check_rules(rules, [bucket], now=NOW)
    got = [(d.path, d.op, d.expected, d.actual) for f in findings for d in f.differences]
    assert got == expected
    assert all(f.rule == "s3-private" and f.severity is Severity.HIGH for f in findings)


ASG_CASES = [
    pytest.param({"min_size": 2, "max_size": 10, "desired_capacity": 5}, [], id="in-range"),
    pytest.param({"min_size": 1}, [("min_size",)], id="min"),
    pytest.param({"max_size": 11}, [("max_size",)], id="max"),
    pytest.param({"desired_capacity": "12"}, [("desired_capacity",)], id="numeric-text"),
    pytest.param({"desired_capacity": True}, [("desired_capacity",)], id="bool-is-not-a-number"),
    pytest.param({"launch_template": None}, [("launch_template",)], id="must-be-present"),
]


@pytest.mark.parametrize(("change", "paths"), ASG_CASES)
def test_asg_rule_min_max_and_presence(
    tmp_path: Path, change: dict[str, Any], paths: list[Any]
) -> None:
    rules = load_rules(rules_file(tmp_path))
    attributes = {
        "min_size": 2,
        "max_size": 4,
        "desired_capacity": 3,
        "launch_template": [{"id": "lt"}],
    }
    asg = declared(
        "aws_autoscaling_group",
        "g",
        {**attributes, **change},
        address="module.prod.aws_autoscaling_group.g",
    )
    findings = check_rules(rules, [asg], now=NOW)
    assert [d.path for f in findings for d in f.differences] == paths
    assert all(f.severity is Severity.MEDIUM for f in findings)


def test_selectors_skip_resources_that_do_not_match(tmp_path: Path) -> None:
    rules = load_rules(rules_file(tmp_path))
    dev = live("aws_s3_bucket", "d", {"acl": "public-read", "tags": {"env": "dev"}})
    other = declared("aws_autoscaling_group", "g", {"min_size": 0}, address="module.dev.x")
    assert check_rules(rules, [dev, other], now=NOW) == []


def test_rules_check_live_and_fall_back_to_declared_without_live(tmp_path: Path) -> None:
    rules = load_rules(rules_file(tmp_path))
    wanted = declared("aws_s3_bucket", "b", GOOD_BUCKET)
    public = live("aws_s3_bucket", "b", {**GOOD_BUCKET, "acl": "public-read"})
    with_live = audit([wanted], [public], rules=rules)
    kinds = sorted(str(f.kind) for f in with_live.findings)
    assert kinds == ["baseline_violation", "changed"]
    assert with_live.summary.baseline_violations == 1
    state_only = audit([replace_acl(wanted, "authenticated-read")], None, rules=rules)
    assert [f.kind for f in state_only.findings] == [FindingKind.BASELINE_VIOLATION]


def replace_acl(resource: Any, acl: str) -> Any:
    from dataclasses import replace

    return replace(resource, attributes={**resource.attributes, "acl": acl})


def test_a_secret_attribute_in_a_rule_never_shows_its_value() -> None:
    rules = parse_rules(
        {"rules": [{"name": "tok", "type": "*", "expect": {"auth_token": {"equals": "x"}}}]},
        "r.yml",
    )
    findings = check_rules(
        rules, [live("aws_elasticache_replication_group", "g", {"auth_token": "s3cr3t"})], now=NOW
    )
    assert findings[0].differences == (Difference(("auth_token",), Op.CHANGE, sensitive=True),)


BAD_FILES = [
    ("rules: 3", "baseline.yml: rules: expected a list (got the number 3)"),
    ("rules: [{name: a, type: t}]", "baseline.yml: rules[0]: missing required key 'expect'"),
    (
        "rules: [{name: a, type: t, expect: {x: {}}}]",
        "baseline.yml: rules[0].expect.x: must set at least one of equals, one_of, regex",
    ),
    (
        "rules: [{name: a, type: t, expect: {x: {between: 1}}}]",
        "baseline.yml: rules[0].expect.x.between: unknown key",
    ),
    (
        "rules: [{name: a, type: t, severity: huge, expect: {x: {absent: true}}}]",
        "baseline.yml: rules[0].severity: 'huge' is not one of",
    ),
    (
        "rules: [{name: a, type: t, expect: {x: {regex: '('}}}]",
        "baseline.yml: rules[0].expect.x.regex: invalid regular expression",
    ),
    (
        "rules: [{name: a, type: t, expect: {'a..b': {absent: true}}}]",
        "baseline.yml: rules[0].expect['a..b']: cannot read the path",
    ),
    (
        "rules: [{name: a, type: t, expect: {x: {min: 5, max: 1}}}]",
        "baseline.yml: rules[0].expect.x: min is greater than max",
    ),
    (
        "rules:\n- {name: a, type: t, expect: {x: {absent: true}}}\n"
        "- {name: a, type: u, expect: {x: {absent: true}}}",
        "baseline.yml: rules[1].name: duplicate rule name 'a'",
    ),
    (
        "rules: [{name: a, type: t, expect: {x: {absent: true}}}]\nextra: 1",
        "baseline.yml: extra: unknown key",
    ),
    ("- just a list", "baseline.yml: expected a mapping with a 'rules' list"),
    ("rules: [\n  {name: a", "baseline.yml: line 2, column"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_rule_files_are_one_line_errors_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(rules_file(tmp_path, text))
    error = str(caught.value).replace(str(tmp_path) + "/", "")
    assert error.startswith(message)
    assert "\n" not in error


def test_a_missing_rule_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_rules(tmp_path / "nope.yml")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("a", ("a",)),
        ("a.b[0].c", ("a", "b", 0, "c")),
        ('tags["k.io/x"]', ("tags", "k.io/x")),
        ("list[-1]", ("list", -1)),
    ],
)
def test_attribute_paths_are_dotted_with_indexes_and_quoted_keys(
    text: str, path: tuple[Any, ...]
) -> None:
    assert parse_path(text) == path


def baseline(ident: str, hours_ago: int, acl: str) -> CapturedBaseline:
    resource = Resource(
        "aws_s3_bucket", "b", {"acl": acl}, View.APPROVED, address="aws_s3_bucket.r_b"
    )
    return CapturedBaseline(ident, f"CHG{ident}", NOW - timedelta(hours=hours_ago), (resource,))


def test_live_is_compared_with_the_newest_baseline_of_each_resource() -> None:
    baselines = [baseline("2", 1, "public-read"), baseline("1", 5, "private")]
    assert (
        compare_to_baselines(
            baselines, [live("aws_s3_bucket", "b", {"acl": "public-read"})], now=NOW
        )
        == []
    )
    (finding,) = compare_to_baselines(
        baselines, [live("aws_s3_bucket", "b", {"acl": "private"})], now=NOW
    )
    assert finding.kind is FindingKind.BASELINE_VIOLATION
    assert finding.rule == "baseline:2"
    assert finding.differences == (Difference(("acl",), Op.CHANGE, "public-read", "private"),)
    assert finding.severity is Severity.HIGH


def test_a_baselined_resource_gone_from_live_is_a_violation() -> None:
    (finding,) = compare_to_baselines([baseline("1", 1, "private")], [], now=NOW)
    assert finding.differences == (Difference((), Op.REMOVE),)
    assert finding.address == "aws_s3_bucket.r_b"


def test_captured_baselines_take_part_in_the_audit() -> None:
    result = audit(
        [], [live("aws_s3_bucket", "b", {"acl": "x"})], baselines=[baseline("1", 1, "private")]
    )
    assert sorted(str(f.kind) for f in result.findings) == ["baseline_violation", "unmanaged"]
