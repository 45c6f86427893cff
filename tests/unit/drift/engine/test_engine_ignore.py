""".driftignore semantics (gitignore down to field level), --ignore, --filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from change_control.errors import ConfigError, InputError
from drift.ignore import Filter, IgnoreRules, load_driftignore, split_segments
from drift.model import Resource, View

from .support import audit, declared, kinds, live

RESOURCE_CASES = [
    # (driftignore text, type, id, ignored?)
    ("aws_s3_bucket.logs", "aws_s3_bucket", "logs", True),
    ("aws_s3_bucket.logs", "aws_s3_bucket", "logs2", False),
    ("aws_s3_bucket.*", "aws_s3_bucket", "anything", True),
    ("aws_s3_bucket", "aws_s3_bucket", "anything", True),
    ("aws_s3_*", "aws_s3_bucket_policy", "p", True),
    ("*", "aws_instance", "i-1", True),
    ("*\n!aws_iam_*", "aws_iam_role", "r", False),
    ("*\n!aws_iam_*", "aws_instance", "i-1", True),
    ("!aws_iam_*\n*", "aws_iam_role", "r", True),
    ("aws_iam_user.my\\.user", "aws_iam_user", "my.user", True),
    ("aws_iam_user.my\\.user", "aws_iam_user", "myXuser", False),
    ("aws_iam_user.my.user", "aws_iam_user", "my.user", False),
    ("aws_iam_user.a\\*", "aws_iam_user", "a*", True),
    ("aws_iam_user.a\\*", "aws_iam_user", "ab", False),
    ("# a comment\n\n   \naws_sqs_queue.q", "aws_sqs_queue", "q", True),
    ("aws_s3_bucket.logs.tags", "aws_s3_bucket", "logs", False),
    ("**", "aws_lb", "x", True),
    ("aws_lambda_function.arn:aws:lambda:*", "aws_lambda_function", "arn:aws:lambda:f", True),
]


@pytest.mark.parametrize(("text", "kind", "ident", "ignored"), RESOURCE_CASES)
def test_resource_level_ignore(text: str, kind: str, ident: str, ignored: bool) -> None:
    assert IgnoreRules.parse(text).ignores_resource(kind, ident) is ignored


FIELD_CASES = [
    # (driftignore text, path, ignored?)
    ("aws_s3_bucket.b.tags.env", ("tags", "env"), True),
    ("aws_s3_bucket.b.tags.env", ("tags", "team"), False),
    ("aws_s3_bucket.b.tags", ("tags", "team"), True),
    ("aws_s3_bucket.*.tags", ("tags", "team"), True),
    ("aws_s3_bucket.b.*\n!aws_s3_bucket.b.tags", ("tags", "team"), False),
    ("aws_s3_bucket.b.*\n!aws_s3_bucket.b.tags", ("acl",), True),
    ("aws_s3_bucket.b.tags.*\n!aws_s3_bucket.b.tags.env", ("tags", "env"), False),
    ("aws_s3_bucket.b.grant.0", ("grant", 0, "id"), True),
    ("aws_s3_bucket.b.grant.0", ("grant", 1, "id"), False),
    ("**.tags", ("tags", "x"), True),
    ("aws_s3_bucket.b.tags.kubernetes\\.io/role", ("tags", "kubernetes.io/role"), True),
]


@pytest.mark.parametrize(("text", "path", "ignored"), FIELD_CASES)
def test_field_level_ignore(text: str, path: tuple[str | int, ...], ignored: bool) -> None:
    assert IgnoreRules.parse(text).ignores_field("aws_s3_bucket", "b", path) is ignored


def test_an_ignored_resource_cannot_get_a_field_back() -> None:
    rules = IgnoreRules.parse("aws_s3_bucket.b\n!aws_s3_bucket.b.tags")
    assert rules.ignores_resource("aws_s3_bucket", "b") is True


def test_ignore_patterns_from_the_command_line_come_last_and_win() -> None:
    rules = IgnoreRules.parse("aws_s3_bucket.*").extended(["!aws_s3_bucket.keep"])
    assert rules.ignores_resource("aws_s3_bucket", "keep") is False
    assert rules.ignores_resource("aws_s3_bucket", "other") is True


def test_literal_bang_and_hash_can_be_escaped() -> None:
    rules = IgnoreRules.parse("\\!odd.x\n\\#odd.y")
    assert rules.ignores_resource("!odd", "x")
    assert rules.ignores_resource("#odd", "y")


def test_segments_split_on_unescaped_dots_only() -> None:
    assert split_segments("a.b\\.c.d\\\\") == ["a", "b.c", "d\\"]


@pytest.mark.parametrize("line", ["aws_s3_bucket..x", ".x", "!", "a."])
def test_malformed_lines_are_one_line_errors_naming_file_and_line(line: str) -> None:
    with pytest.raises(ConfigError, match=r"^\.driftignore:2: "):
        IgnoreRules.parse(f"# ok\n{line}", ".driftignore")


def test_load_driftignore_reads_the_file_and_reports_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / ".driftignore"
    path.write_text("aws_s3_bucket.*\n", encoding="utf-8")
    assert load_driftignore(path).ignores_resource("aws_s3_bucket", "x")
    with pytest.raises(ConfigError, match="no such file"):
        load_driftignore(tmp_path / "absent")


def test_the_engine_drops_ignored_resources_and_ignored_fields() -> None:
    decl = [
        declared("aws_s3_bucket", "b", {"acl": "private", "tags": {"env": "prod"}}),
        declared("aws_s3_bucket", "c", {"tags": {"env": "prod"}}),
        declared("aws_s3_bucket", "gone", {}),
    ]
    current = [
        live("aws_s3_bucket", "b", {"acl": "public-read", "tags": {"env": "dev"}}),
        live("aws_s3_bucket", "c", {"tags": {"env": "dev"}}),
        live("aws_sqs_queue", "q", {}),
    ]
    ignore = IgnoreRules.parse("aws_s3_bucket.*.tags.env\naws_s3_bucket.gone\naws_sqs_queue")
    result = audit(decl, current, ignore=ignore)
    assert kinds(result) == [("changed", "aws_s3_bucket", "b")]
    assert [d.path for d in result.findings[0].differences] == [("acl",)]
    assert (result.summary.managed, result.summary.in_sync) == (2, 1)


def _bucket(address: str | None, tags: dict[str, str]) -> Resource:
    return Resource("aws_s3_bucket", "b", {"tags": tags}, View.LIVE, address=address)


FILTER_CASES = [
    (["type=aws_s3_*"], _bucket(None, {}), True),
    (["type=aws_sqs_*"], _bucket(None, {}), False),
    (["type=aws_sqs_*", "type=aws_s3_bucket"], _bucket(None, {}), True),
    (["address=module.prod.*"], _bucket("module.prod.aws_s3_bucket.b", {}), True),
    (["address=module.prod.*"], _bucket(None, {}), False),
    (["tag:env=prod"], _bucket(None, {"env": "prod"}), True),
    (["tag:env=prod*"], _bucket(None, {"env": "production"}), True),
    (["tag:env=prod"], _bucket(None, {"env": "dev"}), False),
    (["tag:env=prod", "type=aws_sqs_*"], _bucket(None, {"env": "prod"}), False),
    ([], _bucket(None, {}), True),
]


@pytest.mark.parametrize(("specs", "resource", "kept"), FILTER_CASES)
def test_filter_combines_kinds_with_and_and_values_with_or(
    specs: list[str], resource: Resource, kept: bool
) -> None:
    assert Filter.parse(specs).matches(resource) is kept


@pytest.mark.parametrize("spec", ["env=prod", "type=", "tag:=x", "color=red"])
def test_a_bad_filter_is_a_one_line_input_error(spec: str) -> None:
    with pytest.raises(InputError, match="--filter"):
        Filter.parse([spec])
