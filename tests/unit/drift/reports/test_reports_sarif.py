"""SARIF output validates against the official 2.1.0 schema and maps findings faithfully."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from drift.model import Severity
from drift.reports import ReportOptions, reports
from drift.reports.sarif import FINGERPRINT_KEY, LEVELS, artifact_uri
from tests.unit.drift.reports.scenarios import SCENARIOS, STATE, mixed

GOLDEN = Path(__file__).parents[3] / "golden" / "reports"
SCHEMAS = Path(__file__).parents[3] / "data" / "schemas"


@cache
def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), vendored from oasis-tcs/sarif-spec.

    Source: ``Schemata/sarif-schema-2.1.0.json`` of the OASIS SARIF TC repository (id
    https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json).
    Vendored rather than taken from a little-used package, so the check never depends on it.
    """
    text = (SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def render(result: Any) -> dict[str, Any]:
    text = reports.get("sarif").factory(result, ReportOptions(tool_version="9.9.9"))
    document: dict[str, Any] = json.loads(text)
    return document


def test_the_schema_used_is_the_official_sarif_2_1_0_one() -> None:
    schema = sarif_schema()
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    Draft4Validator.check_schema(schema)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_sarif_golden_file_validates_against_the_sarif_schema(scenario: str) -> None:
    document = json.loads((GOLDEN / f"{scenario}.sarif").read_text(encoding="utf-8"))
    errors = [error.message for error in Draft4Validator(sarif_schema()).iter_errors(document)]
    assert errors == []


def test_the_log_names_the_tool_its_version_and_the_schema() -> None:
    document = render(mixed())
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("changegate", "9.9.9")
    assert driver["informationUri"].startswith("https://")


def test_there_is_a_rule_per_kind_and_per_baseline_rule_that_fired() -> None:
    rules = render(mixed())["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [
        "changed",
        "missing",
        "unmanaged",
        "baseline_violation",
        "baseline_violation/s3-block-public-access",
    ]


def test_each_result_points_at_its_rule_and_carries_the_stable_finding_id() -> None:
    result = mixed()
    run = render(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(result.findings)
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    assert {r["partialFingerprints"][FINGERPRINT_KEY] for r in run["results"]} == {
        f.id for f in result.findings
    }


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "note"),
    ],
)
def test_severity_maps_to_the_sarif_level(severity: Severity, level: str) -> None:
    assert LEVELS[severity] == level


def test_results_use_the_level_of_their_finding_severity() -> None:
    run = render(mixed())["runs"][0]
    for item in run["results"]:
        assert item["level"] == LEVELS[Severity(item["properties"]["severity"])]


@pytest.mark.parametrize(
    ("source", "uri"),
    [
        ("envs/prod/terraform.tfstate", "envs/prod/terraform.tfstate"),
        ("states/my state#1.tfstate", "states/my%20state%231.tfstate"),
        ("/srv/tf/prod.tfstate", "file:///srv/tf/prod.tfstate"),
        ("s3://bucket/key.tfstate", None),
        ("tfdir:infra/prod", None),
        ("", None),
    ],
)
def test_only_file_sources_become_artifact_uris(source: str, uri: str | None) -> None:
    assert artifact_uri(source) == uri


def test_a_result_has_a_logical_location_and_a_physical_one_for_a_state_file() -> None:
    run = render(mixed())["runs"][0]
    web = next(r for r in run["results"] if "module.app" in r["message"]["text"])
    (location,) = web["locations"]
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "module.app.aws_instance.web", "kind": "resource"}
    ]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == STATE


def test_an_unmanaged_resource_is_located_by_type_and_id() -> None:
    run = render(mixed())["runs"][0]
    unmanaged = next(r for r in run["results"] if r["ruleId"] == "unmanaged")
    logical = unmanaged["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == "aws_security_group.sg-0fedcba987654321"


def test_a_result_from_an_s3_state_has_no_physical_location() -> None:
    run = render(SCENARIOS["many"]())["runs"][0]
    from_s3 = [r for r in run["results"] if r["properties"]["source"].startswith("s3://")]
    assert from_s3
    assert all("physicalLocation" not in r["locations"][0] for r in from_s3)


def test_new_findings_are_marked_with_a_baseline_state() -> None:
    result = mixed()
    run = render(result)["runs"][0]
    states = {r["partialFingerprints"][FINGERPRINT_KEY]: r["baselineState"] for r in run["results"]}
    assert {fid for fid, state in states.items() if state == "new"} == result.new_finding_ids
    assert run["properties"]["resolvedFindingIds"] == ["0a1b2c3d4e5f6a7b"]


def test_without_a_previous_audit_results_have_no_baseline_state() -> None:
    run = render(SCENARIOS["many"]())["runs"][0]
    assert all("baselineState" not in r for r in run["results"])


def test_alerts_become_tool_execution_notifications() -> None:
    (invocation,) = render(mixed())["runs"][0]["invocations"]
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["descriptor"]["id"] == "access_denied"
    assert notification["level"] == "warning"
    assert "iam:ListUsers denied" in notification["message"]["text"]


def test_sensitive_differences_are_listed_without_values() -> None:
    run = render(mixed())["runs"][0]
    differences = [d for r in run["results"] for d in r["properties"]["differences"]]
    sensitive = [d for d in differences if d["sensitive"]]
    assert [d["path"] for d in sensitive] == [["user_data"], ["password"]]
    assert all(set(d) == {"path", "op", "computed", "sensitive"} for d in sensitive)
