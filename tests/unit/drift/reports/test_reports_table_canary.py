"""The terminal table, and the canary: no format ever prints a sensitive value."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from drift.model import AuditResult, Difference, Op
from drift.reports import ReportOptions, reports
from drift.reports.table import render_table
from tests.unit.drift.reports.scenarios import CANARY, SCENARIOS, clean, mixed

ANSI = "\x1b["


def test_the_table_has_no_escape_codes_without_color() -> None:
    assert ANSI not in render_table(mixed(), color=False)


def test_the_table_is_styled_with_color() -> None:
    assert ANSI in render_table(mixed(), color=True)


def test_the_registered_table_follows_the_color_option() -> None:
    table = reports.get("table").factory
    assert ANSI in table(mixed(), ReportOptions(color=True))
    assert ANSI not in table(mixed(), ReportOptions(color=False))


def test_no_line_is_wider_than_the_requested_width() -> None:
    for width in (80, 120):
        text = render_table(SCENARIOS["many"](), color=False, width=width)
        assert max(len(line) for line in text.splitlines()) <= width


def test_the_header_gives_counts_and_coverage() -> None:
    first, second = render_table(mixed(), color=False).splitlines()[:2]
    assert first == "Drift audit aud-20261122-mixed at 2026-11-22T10:00:00Z"
    assert "changed 2, missing 1, unmanaged 1" in second
    assert second.endswith("coverage 87.50%")


def test_rich_markup_and_emoji_codes_in_values_print_literally() -> None:
    result = mixed()
    web = next(f for f in result.findings if f.resource_type == "aws_instance")
    odd = replace(
        web, differences=(Difference(("tags", "x"), Op.CHANGE, "[red]a[/red]", ":fire:"),)
    )
    text = render_table(replace(result, findings=(odd,)), color=True)
    assert '"[red]a[/red]" -> ":fire:"' in text


def test_a_clean_audit_says_no_drift_and_hints_at_exit_codes() -> None:
    text = render_table(clean(), color=False)
    assert "No drift" in text
    assert text.splitlines()[-1].startswith("Exit codes: 0 no drift, 2 drift found")


def test_alerts_are_listed_under_the_table() -> None:
    assert (
        "alert: aws (aws_iam_user us-east-1) not checked: access_denied: "
        "iam:ListUsers denied for role auditor" in render_table(mixed(), color=False)
    )


def test_importing_the_registry_does_not_import_rich() -> None:
    code = "import sys, drift.reports; print(any(m.startswith('rich') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def _with_canary_everywhere(result: AuditResult) -> AuditResult:
    """Every finding gets a sensitive difference whose values are the canary, nested too."""
    leak = (
        Difference(("password",), Op.CHANGE, CANARY, CANARY, sensitive=True),
        Difference(("secrets", 0, "value"), Op.ADD, None, {"v": CANARY}, sensitive=True),
        Difference(("old_token",), Op.REMOVE, [CANARY], None, sensitive=True, computed=True),
    )
    findings = tuple(replace(f, differences=f.differences + leak) for f in result.findings)
    return replace(result, findings=findings)


@pytest.mark.parametrize("fmt", [entry.name for entry in reports])
@pytest.mark.parametrize("scenario", ["mixed", "many"])
def test_a_sensitive_value_appears_in_no_format(fmt: str, scenario: str) -> None:
    result = _with_canary_everywhere(SCENARIOS[scenario]())
    for color in (False, True):
        text = reports.get(fmt).factory(result, ReportOptions(color=color))
        # Whitespace removed too, in case a wrapped table cell split the value over two lines.
        assert CANARY not in text
        assert CANARY not in "".join(text.split())
        assert "sensitive" in text
