"""The JSON report is the DESIGN.md contract, and its shipped JSON Schema says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from drift.model import AuditResult, FindingKind, Severity
from drift.reports import ReportOptions, finding_sort_key, reports
from drift.reports.json_report import report_schema
from tests.unit.drift.reports.scenarios import SCENARIOS, mixed

GOLDEN = Path(__file__).parents[3] / "golden" / "reports"


def render(result: AuditResult) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(reports.get("json").factory(result, ReportOptions()))
    return document


def validator() -> Draft202012Validator:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_json_golden_file_validates_against_the_shipped_schema(scenario: str) -> None:
    document = json.loads((GOLDEN / f"{scenario}.json").read_text(encoding="utf-8"))
    errors = [error.message for error in validator().iter_errors(document)]
    assert errors == []


def test_the_report_carries_the_contract_header_and_summary() -> None:
    document = render(mixed())
    assert document["schema_version"] == 1
    assert document["audit_id"] == "aud-20261122-mixed"
    assert document["generated_at"] == "2026-11-22T10:00:00Z"
    assert document["summary"] == {
        "total": 9,
        "managed": 8,
        "in_sync": 4,
        "changed": 2,
        "missing": 1,
        "unmanaged": 1,
        "baseline_violations": 1,
        "coverage_percent": 87.5,
    }
    assert document["sources"] == ["envs/prod/terraform.tfstate", "snapshots/prod-live.json"]


def test_new_and_resolved_list_the_finding_ids_sorted() -> None:
    result = mixed()
    document = render(result)
    assert document["new"] == sorted(result.new_finding_ids)
    assert document["resolved"] == ["0a1b2c3d4e5f6a7b"]
    assert set(document["new"]) <= {finding["id"] for finding in document["findings"]}


def test_findings_are_the_model_objects_in_report_order() -> None:
    result = SCENARIOS["many"]()
    document = render(result)
    expected = sorted(result.findings, key=finding_sort_key)
    assert [f["id"] for f in document["findings"]] == [f.id for f in expected]
    kinds = [FindingKind(f["kind"]) for f in document["findings"]]
    assert kinds == sorted(kinds, key=list(FindingKind).index)


def test_within_a_kind_the_worst_severity_comes_first() -> None:
    document = render(SCENARIOS["many"]())
    for kind in FindingKind:
        ranks = [Severity(f["severity"]).rank for f in document["findings"] if f["kind"] == kind]
        assert ranks == sorted(ranks, reverse=True)


def test_a_baseline_violation_names_its_rule() -> None:
    document = render(mixed())
    violation = next(f for f in document["findings"] if f["kind"] == "baseline_violation")
    assert violation["rule"] == "s3-block-public-access"


def test_a_sensitive_difference_has_no_expected_or_actual_key() -> None:
    document = render(mixed())
    sensitive = [d for f in document["findings"] for d in f["differences"] if d["sensitive"]]
    assert len(sensitive) == 2
    assert all("expected" not in d and "actual" not in d for d in sensitive)


def test_the_schema_rejects_a_sensitive_difference_that_carries_values() -> None:
    document = render(mixed())
    leaked = next(d for f in document["findings"] for d in f["differences"] if d["sensitive"])
    leaked["actual"] = "hunter2"
    messages = [error.message for error in validator().iter_errors(document)]
    assert len(messages) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schema_version", 2),
        ("generated_at", "2026-11-22T10:00:00+01:00"),
        ("findings", [{"id": "x"}]),
        ("surprise", True),
    ],
)
def test_the_schema_rejects_documents_outside_the_contract(field: str, value: Any) -> None:
    document = render(mixed())
    document[field] = value
    assert not validator().is_valid(document)


def test_the_json_text_is_indented_with_sorted_keys() -> None:
    text = reports.get("json").factory(mixed(), ReportOptions())
    assert text.startswith('{\n  "alerts": [')
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
