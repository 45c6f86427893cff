"""``-o FORMAT[=PATH]`` handling, atomic report files, and the audit's exit code."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from change_control.errors import InputError, RegistryError
from drift.cli import exitcodes
from drift.model import AuditResult, FindingKind, Severity
from drift.reports import ReportOptions, exit_code, parse_output_spec, reports, write_reports
from tests.unit.drift.reports.scenarios import clean, make_finding, mixed


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("table", ("table", None)),
        ("json=report.json", ("json", "report.json")),
        ("sarif=out/drift.sarif", ("sarif", "out/drift.sarif")),
        ("json=-", ("json", None)),
        ("html=a=b.html", ("html", "a=b.html")),
    ],
)
def test_an_output_spec_is_a_format_and_an_optional_path(
    spec: str, parsed: tuple[str, str | None]
) -> None:
    assert parse_output_spec(spec) == parsed


def test_an_unknown_format_lists_the_valid_ones() -> None:
    with pytest.raises(RegistryError) as err:
        parse_output_spec("yaml=report.yaml")
    assert str(err.value) == (
        "unknown report format 'yaml' (valid: html, json, junit, markdown, sarif, table)"
    )


def test_an_empty_path_is_refused() -> None:
    with pytest.raises(InputError, match="missing path after '='"):
        parse_output_spec("json=")


def test_several_reports_are_written_in_one_run(tmp_path: Path) -> None:
    out = io.StringIO()
    written = write_reports(
        mixed(),
        ["table", f"json={tmp_path / 'r.json'}", f"sarif={tmp_path / 'd.sarif'}"],
        ReportOptions(color=True),
        stdout=out,
    )
    assert [(w.format, w.path is None) for w in written] == [
        ("table", True),
        ("json", False),
        ("sarif", False),
    ]
    assert out.getvalue().startswith("Drift audit aud-20261122-mixed")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["schema_version"] == 1
    assert json.loads((tmp_path / "d.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.sarif", "r.json"]


def test_no_spec_means_the_table_on_stdout() -> None:
    out = io.StringIO()
    write_reports(clean(), [], stdout=out)
    assert "No drift" in out.getvalue()


def test_a_file_never_gets_color_even_when_stdout_does(tmp_path: Path) -> None:
    target = tmp_path / "table.txt"
    write_reports(mixed(), [f"table={target}"], ReportOptions(color=True), stdout=io.StringIO())
    assert "\x1b[" not in target.read_text(encoding="utf-8")


def test_an_existing_report_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_reports(mixed(), [f"json={target}"], stdout=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["audit_id"] == "aud-20261122-mixed"


def test_an_unwritable_target_leaves_every_other_report_untouched(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    first.write_text("previous run", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(InputError, match=r"cannot write sarif report to '.*missing/d\.sarif'"):
        write_reports(
            mixed(),
            ["table", f"json={first}", f"sarif={tmp_path / 'missing' / 'd.sarif'}"],
            stdout=out,
        )
    assert first.read_text(encoding="utf-8") == "previous run"
    assert out.getvalue() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.json"]


def test_a_directory_as_target_is_an_error_that_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(InputError, match=r"cannot write report .*taken"):
        write_reports(mixed(), [f"json={tmp_path / 'taken'}"], stdout=io.StringIO())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert list((tmp_path / "taken").iterdir()) == []


def test_an_unknown_format_fails_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(RegistryError):
        write_reports(mixed(), [f"json={tmp_path / 'r.json'}", "pdf=x.pdf"], stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_two_reports_on_stdout_are_refused() -> None:
    with pytest.raises(InputError, match="only one report can go to stdout, got table, json"):
        write_reports(mixed(), ["table", "json"], stdout=io.StringIO())


def test_two_reports_into_one_file_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "r.out"
    with pytest.raises(InputError, match="json and sarif would both write"):
        write_reports(mixed(), [f"json={target}", f"sarif={target}"], stdout=io.StringIO())


def test_a_report_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    write_reports(mixed(), [f"markdown={target}"], stdout=io.StringIO())
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def _with_severities(*severities: Severity) -> AuditResult:
    findings = tuple(
        make_finding(FindingKind.CHANGED, s, "aws_instance", f"i-{i}", f"aws_instance.r{i}")
        for i, s in enumerate(severities)
    )
    return replace(mixed(), findings=findings)


@pytest.mark.parametrize(
    ("severities", "fail_on", "code"),
    [
        ((), None, exitcodes.OK),
        ((Severity.LOW,), None, exitcodes.NEGATIVE),
        ((Severity.LOW, Severity.MEDIUM), Severity.HIGH, exitcodes.OK),
        ((Severity.LOW, Severity.HIGH), Severity.HIGH, exitcodes.NEGATIVE),
        ((Severity.CRITICAL,), Severity.HIGH, exitcodes.NEGATIVE),
        ((Severity.LOW,), Severity.LOW, exitcodes.NEGATIVE),
        ((Severity.HIGH,), Severity.CRITICAL, exitcodes.OK),
    ],
)
def test_the_exit_code_is_2_only_for_findings_at_or_above_the_threshold(
    severities: tuple[Severity, ...], fail_on: Severity | None, code: int
) -> None:
    assert exit_code(_with_severities(*severities), fail_on) == code


def test_exit_codes_are_the_documented_numbers() -> None:
    assert (exitcodes.OK, exitcodes.NEGATIVE) == (0, 2)
    assert exit_code(clean()) == 0
    assert exit_code(mixed()) == 2


def test_alerts_alone_do_not_make_the_audit_fail() -> None:
    assert exit_code(replace(clean(), alerts=mixed().alerts)) == exitcodes.OK


def test_every_registered_format_can_be_written(tmp_path: Path) -> None:
    specs = [f"{e.name}={tmp_path / ('report.' + e.extension)}" for e in reports]
    write_reports(mixed(), specs, stdout=io.StringIO())
    assert len(list(tmp_path.iterdir())) == len(specs)
