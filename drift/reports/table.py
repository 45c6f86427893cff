"""The terminal table (rich): what a person running ``changegate drift audit`` reads first.

rich is imported inside the function so that importing the report registry (and so
``changegate --help``) stays cheap. All cell text is passed as ``rich.text.Text``, never as
markup, so a tag value such as ``[red]`` or ``:warning:`` prints as written.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from change_control.timeutil import isoformat
from drift.model import AttributionStatus, AuditResult, Finding, Severity
from drift.reports.base import (
    ReportOptions,
    reports,
    sorted_alerts,
    sorted_differences,
    sorted_findings,
)
from drift.reports.text import (
    EXIT_CODE_HINT,
    attribution_text,
    describe_difference,
    resource_label,
    summary_pairs,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "dim",
}
VALUE_LIMIT = 60


def _console(buffer: io.StringIO, width: int, color: bool) -> Console:
    from rich.console import Console

    # Every setting is explicit so that COLUMNS, NO_COLOR, FORCE_COLOR or TERM in the
    # environment cannot change the text (golden files pin it).
    return Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        emoji=False,
        highlight=False,
        markup=False,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
        soft_wrap=False,
    )


def _resource_cell(finding: Finding) -> Text:
    """Address, then type and id, then one indented line per difference (driftctl's layout)."""
    from rich.text import Text

    cell = Text(finding.address or resource_label(finding), style="bold")
    if finding.address:
        cell.append(f"\n{finding.resource_type} {finding.resource_id}", style="dim")
    if finding.rule:
        cell.append(f"\nrule {finding.rule}", style="dim")
    for difference in sorted_differences(finding.differences):
        cell.append(f"\n  {describe_difference(difference, VALUE_LIMIT)}")
    return cell


def _findings_table(findings: list[Finding]) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # The resource column takes what the others leave, so differences get most of the width.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Resource and differences", ratio=1, overflow="fold")
    table.add_column("Attribution", max_width=24, overflow="fold")
    for finding in findings:
        unauthorized = finding.attribution.status is AttributionStatus.UNAUTHORIZED
        table.add_row(
            Text(str(finding.severity), style=SEVERITY_STYLES[finding.severity]),
            Text(str(finding.kind)),
            _resource_cell(finding),
            Text(attribution_text(finding), style="red" if unauthorized else ""),
        )
    return table


def _header(result: AuditResult) -> str:
    counts = ", ".join(f"{label.lower()} {value}" for label, value in summary_pairs(result.summary))
    return f"Drift audit {result.audit_id} at {isoformat(result.generated_at)}\n{counts}"


def render_table(result: AuditResult, *, color: bool, width: int = 120) -> str:
    """The table as text; ``color`` adds ANSI styles (for a terminal, never for a file)."""
    from rich.text import Text

    buffer = io.StringIO()
    console = _console(buffer, width, color)
    console.print(Text(_header(result)))
    findings = sorted_findings(result.findings)
    if findings:
        console.print(_findings_table(findings))
    else:
        console.print()
        console.print(Text("No drift: every managed resource matches its declared state.", "green"))
    alerts = sorted_alerts(result.alerts)
    for alert in alerts:
        scope = " ".join(part for part in (alert.type, alert.region) if part) or "all resources"
        console.print(
            Text(
                f"alert: {alert.source} ({scope}) not checked: {alert.code}: {alert.message}",
                style="yellow",
            )
        )
    if alerts or not findings:  # a rich table already ends with a blank line
        console.print()
    console.print(Text(EXIT_CODE_HINT, style="dim"))
    output = buffer.getvalue()
    if color:
        return output
    # rich pads cells to the column width; trailing blanks are noise in files and golden diffs.
    return "\n".join(line.rstrip() for line in output.splitlines()) + "\n"


@reports.register(
    "table",
    help="A table for the terminal (the default, on stdout).",
    example="-o table",
    extension="txt",
)
def render_table_report(result: AuditResult, options: ReportOptions) -> str:
    """Registry adapter for ``render_table``."""
    return render_table(result, color=options.color, width=options.width)
