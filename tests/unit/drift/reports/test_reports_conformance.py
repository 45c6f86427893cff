"""Every registered format renders every scenario deterministically and matches its golden."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from drift.model import AuditResult
from drift.reports import ReportOptions, reports
from tests.golden_plugin import Golden
from tests.unit.drift.reports.scenarios import SCENARIOS

OPTIONS = ReportOptions(tool_version="0.1.0")
FORMATS = [entry.name for entry in reports]
CASES = [(fmt, scenario) for fmt in FORMATS for scenario in SCENARIOS]


def shuffled(result: AuditResult, seed: int) -> AuditResult:
    """The same audit with findings, differences and alerts in another order."""
    rng = random.Random(seed)
    findings = [
        replace(f, differences=tuple(rng.sample(f.differences, len(f.differences))))
        for f in result.findings
    ]
    rng.shuffle(findings)
    alerts = list(result.alerts)
    rng.shuffle(alerts)
    return replace(result, findings=tuple(findings), alerts=tuple(alerts))


def render(fmt: str, result: AuditResult) -> str:
    return reports.get(fmt).factory(result, OPTIONS)


def test_the_registry_holds_the_six_documented_formats() -> None:
    assert FORMATS == ["html", "json", "junit", "markdown", "sarif", "table"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_has_help_an_example_and_a_file_extension(fmt: str) -> None:
    entry = reports.get(fmt)
    assert entry.help and entry.help.endswith(".")
    assert entry.example.startswith("-o ")
    assert entry.extension in {"json", "sarif", "xml", "md", "html", "txt"}


@pytest.mark.parametrize(("fmt", "scenario"), CASES)
def test_a_format_renders_a_scenario_to_text_ending_in_one_newline(fmt: str, scenario: str) -> None:
    text = render(fmt, SCENARIOS[scenario]())
    assert text.strip()
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


@pytest.mark.parametrize(("fmt", "scenario"), CASES)
def test_input_order_does_not_change_a_single_byte_of_output(fmt: str, scenario: str) -> None:
    result = SCENARIOS[scenario]()
    assert render(fmt, shuffled(result, 1)) == render(fmt, shuffled(result, 2))
    assert render(fmt, shuffled(result, 3)) == render(fmt, result)


@pytest.mark.parametrize(("fmt", "scenario"), CASES)
def test_a_format_matches_its_golden_file(fmt: str, scenario: str, golden: Golden) -> None:
    extension = reports.get(fmt).extension
    golden.check(f"reports/{scenario}.{extension}", render(fmt, SCENARIOS[scenario]()))
