"""Live snapshots are read exactly as DESIGN.md defines them, and bad ones say where they break."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from change_control.errors import InputError
from drift.model import SNAPSHOT_FORMAT, Alert, Resource, View
from drift.sources.base import INVALID_JSON, NOT_A_STATE, UNSUPPORTED_VERSION
from drift.sources.snapshot import (
    is_resource_shape,
    parse_snapshot,
    render_snapshot,
    snapshot_document,
    snapshot_schema,
)

DESIGN_EXAMPLE = {
    "format": "changegate/live-snapshot@1",
    "captured_at": "2026-11-22T10:00:00Z",
    "resources": [
        {
            "type": "aws_instance",
            "id": "i-0abc",
            "region": "eu-west-3",
            "account": "123456789012",
            "attributes": {"instance_state": "running"},
        }
    ],
    "alerts": [
        {
            "source": "aws",
            "type": "aws_iam_user",
            "region": "us-east-1",
            "code": "access_denied",
            "message": "...",
        }
    ],
}


def parse(doc: Any) -> Any:
    return parse_snapshot(json.dumps(doc), "live.json")


def test_the_design_example_reads_as_live_resources_and_alerts() -> None:
    result = parse(DESIGN_EXAMPLE)
    (resource,) = result.resources
    assert resource == Resource(
        type="aws_instance",
        id="i-0abc",
        attributes={"instance_state": "running"},
        view=View.LIVE,
        source="live.json",
        region="eu-west-3",
        account="123456789012",
    )
    assert result.alerts == (
        Alert("aws", "access_denied", "...", type="aws_iam_user", region="us-east-1"),
    )
    assert result.meta["captured_at"] == datetime(2026, 11, 22, 10, tzinfo=UTC)


def test_alerts_region_and_account_are_optional() -> None:
    doc = {
        "format": SNAPSHOT_FORMAT,
        "captured_at": "2026-11-22T10:00:00+01:00",
        "resources": [{"type": "aws_s3_bucket", "id": "b", "attributes": {}}],
    }
    result = parse(doc)
    assert (result.resources[0].region, result.resources[0].account, result.alerts) == (
        None,
        None,
        (),
    )


def test_the_design_example_is_valid_against_the_shipped_schema() -> None:
    assert list(Draft202012Validator(snapshot_schema()).iter_errors(DESIGN_EXAMPLE)) == []


def test_a_written_document_is_sorted_and_valid_against_the_schema() -> None:
    resources = [
        Resource("aws_vpc", "vpc-2", {"b": 1, "a": 2}, View.LIVE, region="eu-west-3"),
        Resource("aws_instance", "i-9", {}, View.LIVE),
        Resource("aws_instance", "i-1", {}, View.LIVE, account="1"),
    ]
    alerts = [Alert("aws", "throttled", "slow", region="us-east-1"), Alert("aws", "denied", "x")]
    doc = snapshot_document(resources, alerts, datetime(2026, 11, 22, 11, 0, 5, 123, tzinfo=UTC))
    assert [(r["type"], r["id"]) for r in doc["resources"]] == [
        ("aws_instance", "i-1"),
        ("aws_instance", "i-9"),
        ("aws_vpc", "vpc-2"),
    ]
    assert [a["code"] for a in doc["alerts"]] == ["denied", "throttled"]
    assert doc["captured_at"] == "2026-11-22T11:00:05Z"
    assert list(Draft202012Validator(snapshot_schema()).iter_errors(doc)) == []


def with_resource(**changes: Any) -> dict[str, Any]:
    item = {"type": "aws_instance", "id": "i-1", "attributes": {}, **changes}
    item = {k: v for k, v in item.items() if v is not ...}
    return {**DESIGN_EXAMPLE, "resources": [DESIGN_EXAMPLE["resources"][0], item]}


@pytest.mark.parametrize(
    ("doc", "message", "code"),
    [
        ([1], 'not a changegate live snapshot (no "format" field)', NOT_A_STATE),
        ({"resources": []}, 'not a changegate live snapshot (no "format" field)', NOT_A_STATE),
        (
            {**DESIGN_EXAMPLE, "format": "changegate/live-snapshot@2"},
            "unsupported snapshot format 'changegate/live-snapshot@2' "
            "(changegate reads changegate/live-snapshot@1)",
            UNSUPPORTED_VERSION,
        ),
        (
            {k: v for k, v in DESIGN_EXAMPLE.items() if k != "captured_at"},
            "$: 'captured_at' is a required property",
            NOT_A_STATE,
        ),
        (
            {**DESIGN_EXAMPLE, "resources": {}},
            "$.resources: must be array (got object)",
            NOT_A_STATE,
        ),
        (
            {**DESIGN_EXAMPLE, "alerts": [{"source": "aws", "code": "x"}]},
            "$.alerts[0]: 'message' is a required property",
            NOT_A_STATE,
        ),
        (with_resource(id=...), "$.resources[1]: 'id' is a required property", NOT_A_STATE),
        (with_resource(id=""), "$.resources[1].id: must not be empty", NOT_A_STATE),
        (with_resource(type=5), "$.resources[1].type: must be string (got number)", NOT_A_STATE),
        (
            with_resource(attributes="hunter2"),
            "$.resources[1].attributes: must be object (got string)",
            NOT_A_STATE,
        ),
        (
            with_resource(region=["eu"]),
            "$.resources[1].region: must be string or null (got array)",
            NOT_A_STATE,
        ),
    ],
)
def test_a_bad_snapshot_names_the_file_and_the_json_path(doc: Any, message: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(doc)
    assert (str(caught.value), caught.value.code) == (f"live.json: {message}", code)
    assert "hunter2" not in str(caught.value)


def test_a_bad_capture_time_names_the_field() -> None:
    with pytest.raises(InputError, match=r"^live.json: \$.captured_at: 'yesterday' is not an ISO"):
        parse({**DESIGN_EXAMPLE, "captured_at": "yesterday"})


def test_invalid_snapshot_json_gives_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        parse_snapshot('{\n "format":\n}', "live.json")
    assert (str(caught.value), caught.value.code) == (
        "live.json: invalid JSON at line 3, column 1: Expecting value",
        INVALID_JSON,
    )


def test_the_rendered_snapshot_has_one_resource_per_line_with_sorted_keys() -> None:
    doc = snapshot_document(
        [Resource("aws_vpc", "vpc-1", {"z": 1, "a": [True, None]}, View.LIVE, region="eu")],
        [Alert("aws", "access_denied", "denied", type="aws_iam_user")],
        datetime(2026, 11, 22, 10, tzinfo=UTC),
    )
    assert render_snapshot(doc) == (
        "{\n"
        '  "format": "changegate/live-snapshot@1",\n'
        '  "captured_at": "2026-11-22T10:00:00Z",\n'
        '  "alerts": [\n'
        '    {"code": "access_denied", "message": "denied", "region": null, "source": "aws", '
        '"type": "aws_iam_user"}\n'
        "  ],\n"
        '  "resources": [\n'
        '    {"account": null, "attributes": {"a": [true, null], "z": 1}, "id": "vpc-1", '
        '"region": "eu", "type": "aws_vpc"}\n'
        "  ]\n"
        "}\n"
    )
    assert json.loads(render_snapshot(doc)) == doc


def test_an_empty_snapshot_renders_as_valid_json() -> None:
    doc = snapshot_document([], [], datetime(2026, 11, 22, 10, tzinfo=UTC))
    assert json.loads(render_snapshot(doc)) == doc


@pytest.mark.parametrize(
    "item",
    [
        {"type": "t", "id": "i", "attributes": {}},
        {"type": "t", "id": "i", "attributes": {}, "region": None, "account": "1", "extra": 1},
        {"type": "t", "id": "i", "attributes": {}, "region": "eu", "account": None},
        {"type": "", "id": "i", "attributes": {}},
        {"type": "t", "id": "", "attributes": {}},
        {"type": "t", "attributes": {}},
        {"type": "t", "id": "i"},
        {"type": "t", "id": 1, "attributes": {}},
        {"type": "t", "id": "i", "attributes": []},
        {"type": "t", "id": "i", "attributes": {}, "region": 3},
        {"type": "t", "id": "i", "attributes": {}, "account": ["x"]},
        ["not", "an", "object"],
        None,
    ],
)
def test_the_fast_resource_check_agrees_with_the_shipped_schema(item: Any) -> None:
    schema = snapshot_schema()
    resource_rule = Draft202012Validator({**schema["$defs"]["resource"]})
    assert is_resource_shape(item) == resource_rule.is_valid(item)
