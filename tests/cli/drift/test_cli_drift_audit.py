"""``changegate drift audit`` end to end on a state written by a real ``terraform apply``.

The declared view is read by path and through ``terraform state pull`` (``tfdir:``); the live
view is a snapshot edited by hand. Exit codes, reports and the ignore/filter/threshold flags are
checked the way a script sees them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from drift.reports.json_report import report_schema

from ..support import Outcome, Runner
from .drift_support import ROGUE, address_ids, live_items, write_snapshot

pytestmark = pytest.mark.terraform

SARIF_SCHEMA = Path(__file__).parents[2] / "data" / "schemas" / "sarif-schema-2.1.0.json"


def audit(cli: Runner, state: Path | str, live: Path, *extra: str) -> Outcome:
    """``drift audit --state STATE --live LIVE EXTRA...``."""
    return cli("drift", "audit", "--state", str(state), "--live", str(live), *extra)


def report(cli: Runner, state: Path | str, live: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """The audit's exit code and its JSON report (from stdout)."""
    outcome = audit(cli, state, live, "-o", "json", *extra)
    assert outcome.exit_code in (0, 2), outcome.stderr
    return outcome.exit_code, outcome.json()


def kinds(document: dict[str, Any]) -> dict[str, str]:
    """Resource id -> finding kind."""
    return {f["resource"]["id"]: f["kind"] for f in document["findings"]}


def test_a_state_in_sync_with_live_exits_0_and_says_no_drift(
    cli: Runner, state: Path, in_sync: Path
) -> None:
    outcome = audit(cli, state, in_sync)

    assert outcome.exit_code == 0, outcome.stderr
    assert "No drift" in outcome.stdout
    assert "\x1b[" not in outcome.stdout


def test_changed_missing_and_unmanaged_resources_are_found_and_exit_2(
    cli: Runner, state: Path, drifted: Path
) -> None:
    ids = address_ids(state)

    code, document = report(cli, state, drifted)

    assert code == 2
    assert kinds(document) == {
        ids["terraform_data.web[0]"]: "changed",
        ids["terraform_data.web[1]"]: "missing",
        ROGUE["id"]: "unmanaged",
    }
    (changed,) = [f for f in document["findings"] if f["kind"] == "changed"]
    assert changed["resource"]["address"] == "terraform_data.web[0]"
    assert changed["resource"]["source"] == str(state)
    assert [(d["path"], d["op"], d["expected"], d["actual"]) for d in changed["differences"]] == [
        (["input", "size"], "change", "small", "large"),
        (["output", "size"], "change", "small", "large"),
    ]
    assert document["summary"] | {"coverage_percent": 0} == {
        "total": 5, "managed": 4, "in_sync": 2, "changed": 1, "missing": 1, "unmanaged": 1,
        "baseline_violations": 0, "coverage_percent": 0,
    }  # fmt: skip


def test_terraform_state_pull_reads_the_same_state_as_the_file(
    cli: Runner, tf_workdir: Path, state: Path, drifted: Path, tf_env: dict[str, str]
) -> None:
    _, by_file = report(cli, state, drifted, "--no-store")
    code, by_pull = report(cli, f"tfdir:{tf_workdir}", drifted, "--no-store")

    assert code == 2
    assert [f["id"] for f in by_pull["findings"]] == [f["id"] for f in by_file["findings"]]
    assert {f["resource"]["source"] for f in by_pull["findings"] if f["kind"] != "unmanaged"} == {
        f"tfdir:{tf_workdir}"
    }


def test_several_reports_are_written_in_one_run(
    cli: Runner, state: Path, drifted: Path, tmp_path: Path
) -> None:
    names = {
        "json": "report.json", "sarif": "drift.sarif", "junit": "junit.xml",
        "markdown": "drift.md", "html": "drift.html",
    }  # fmt: skip
    specs = [a for fmt, name in names.items() for a in ("-o", f"{fmt}={tmp_path / name}")]

    outcome = audit(cli, state, drifted, "-o", "table", *specs)

    assert outcome.exit_code == 2, outcome.stderr
    assert "terraform_data.web[0]" in outcome.stdout
    document = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(document, report_schema())
    sarif = json.loads((tmp_path / "drift.sarif").read_text())
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    assert len(sarif["runs"][0]["results"]) == 3
    assert int(ET.parse(tmp_path / "junit.xml").getroot().get("failures") or 0) >= 3
    assert "## Changed (1)" in (tmp_path / "drift.md").read_text()
    assert (tmp_path / "drift.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("low", 2), ("medium", 2), ("high", 2), ("critical", 0)],
)
def test_fail_on_counts_only_findings_at_or_above_the_threshold(
    cli: Runner, state: Path, drifted: Path, fail_on: str, expected: int
) -> None:
    outcome = audit(cli, state, drifted, "--fail-on", fail_on, "--no-store")

    assert outcome.exit_code == expected, outcome.stderr
    assert "rogue-bucket" in outcome.stdout


def test_fail_on_high_ignores_medium_only_drift(cli: Runner, state: Path, tmp_path: Path) -> None:
    live = write_snapshot(tmp_path / "live.json", [*live_items(state), ROGUE])

    outcome = audit(cli, state, live, "--fail-on", "high", "--no-store")

    assert outcome.exit_code == 0, outcome.stderr
    assert "unmanaged" in outcome.stdout


def test_a_driftignore_file_in_the_working_directory_silences_a_field(
    cli: Runner, state: Path, drifted: Path
) -> None:
    Path(".driftignore").write_text(
        "# the output mirrors the input\nterraform_data.*.output\n", encoding="utf-8"
    )

    _, document = report(cli, state, drifted, "--no-store")

    (changed,) = [f for f in document["findings"] if f["kind"] == "changed"]
    assert [d["path"] for d in changed["differences"]] == [["input", "size"]]


def test_an_explicit_driftignore_and_ignore_patterns_combine(
    cli: Runner, state: Path, drifted: Path, tmp_path: Path
) -> None:
    ids = address_ids(state)
    rules = tmp_path / "rules.ignore"
    rules.write_text("terraform_data\n", encoding="utf-8")

    _, document = report(
        cli, state, drifted, "--no-store", "--driftignore", str(rules),
        "--ignore", f"!terraform_data.{ids['terraform_data.web[1]']}", "--ignore", "aws_s3_bucket",
    )  # fmt: skip

    assert kinds(document) == {ids["terraform_data.web[1]"]: "missing"}


@pytest.mark.parametrize(
    ("filters", "expected_kinds"),
    [
        (("type=aws_*",), ["unmanaged"]),
        (("address=terraform_data.web*",), ["changed", "missing"]),
        (("tag:owner=console",), ["unmanaged"]),
        (("type=terraform_data", "address=*.site*"), []),
    ],
)
def test_filters_narrow_the_audit_to_matching_resources(
    cli: Runner, state: Path, drifted: Path, filters: tuple[str, ...], expected_kinds: list[str]
) -> None:
    args = [a for f in filters for a in ("--filter", f)]

    code, document = report(cli, state, drifted, "--no-store", *args)

    assert sorted(kinds(document).values()) == expected_kinds
    assert code == (2 if expected_kinds else 0)


def test_only_managed_drops_unmanaged_types_no_state_declares(
    cli: Runner, state: Path, drifted: Path
) -> None:
    _, document = report(cli, state, drifted, "--no-store", "--only-managed")

    assert "unmanaged" not in kinds(document).values()


def test_a_policy_baseline_flags_declared_resources_without_a_live_view(
    cli: Runner, state: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "version: 1\nrules:\n  - name: web-is-small\n    type: terraform_data\n"
        "    severity: high\n    select: {address: 'terraform_data.web*'}\n"
        "    expect:\n      input.size: {one_of: [medium]}\n",
        encoding="utf-8",
    )

    outcome = cli(
        "drift", "audit", "--state", str(state), "--policy-baseline", str(rules), "-o", "json"
    )

    assert outcome.exit_code == 2, outcome.stderr
    found = outcome.json()["findings"]
    assert (
        sorted((f["kind"], f["rule"], f["severity"]) for f in found)
        == [("baseline_violation", "web-is-small", "high")] * 2
    )
