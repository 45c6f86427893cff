"""Markdown for pull-request comments, job summaries and tickets (GitHub-flavoured tables).

Every value that comes from a resource is escaped: a tag value containing ``|`` would otherwise
split a table cell, and ``<script>`` or ``[text](url)`` would be rendered as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from change_control.timeutil import isoformat
from drift.model import AuditResult, Finding, FindingKind
from drift.reports.base import (
    ReportOptions,
    reports,
    sorted_alerts,
    sorted_differences,
    sorted_findings,
)
from drift.reports.text import (
    EXIT_CODE_HINT,
    KIND_TITLES,
    attribution_text,
    describe_difference,
    resource_label,
    summary_pairs,
)

# Markdown punctuation that changes rendering inside a cell; "_" only at a word edge in GFM.
# "<" becomes an entity instead (it would open an HTML tag, and every renderer decodes "&lt;");
# ">" only matters at a line start, which a cell never is.
_SPECIAL = re.compile(r"[\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def escape(text: str) -> str:
    """Cell-safe text: markup backslash-escaped, ``&``/``<`` as entities, newlines as ``<br>``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _SPECIAL.sub(lambda match: "\\" + match.group(0), text)
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _differences_cell(finding: Finding) -> str:
    parts = [escape(describe_difference(d, 120)) for d in sorted_differences(finding.differences)]
    return "<br>".join(parts) or "\u2014"


def _finding_row(finding: Finding, new_ids: frozenset[str]) -> list[str]:
    marker = " (new)" if finding.id in new_ids else ""
    resource = escape(resource_label(finding))
    if finding.address:
        resource += f"<br>{escape(finding.resource_id)}"
    return [
        f"{finding.severity}{marker}",
        resource,
        escape(finding.resource_type),
        _differences_cell(finding),
        escape(attribution_text(finding)),
        escape(finding.id),
    ]


def _kind_section(kind: FindingKind, findings: list[Finding], new_ids: frozenset[str]) -> list[str]:
    header = ["Severity", "Resource", "Type", "Differences", "Attribution", "Finding"]
    if kind is FindingKind.BASELINE_VIOLATION:
        header.insert(3, "Rule")
    rows = []
    for finding in findings:
        row = _finding_row(finding, new_ids)
        if kind is FindingKind.BASELINE_VIOLATION:
            row.insert(3, escape(finding.rule or "approved baseline"))
        rows.append(row)
    return ["", f"## {KIND_TITLES[kind]} ({len(findings)})", "", *_table(header, rows)]


def _alerts_section(result: AuditResult) -> list[str]:
    alerts = sorted_alerts(result.alerts)
    if not alerts:
        return []
    rows = [
        [
            escape(a.source),
            escape(a.type or "all"),
            escape(a.region or "all"),
            escape(a.code),
            escape(a.message),
        ]
        for a in alerts
    ]
    return [
        "",
        f"## Alerts ({len(alerts)})",
        "",
        "These sources could not be read fully; their resources were not checked.",
        "",
        *_table(["Source", "Type", "Region", "Code", "Message"], rows),
    ]


def _header(result: AuditResult, options: ReportOptions) -> list[str]:
    lines = [
        f"# {escape(options.title)}",
        "",
        f"Audit {escape(result.audit_id)} generated at {isoformat(result.generated_at)}.",
    ]
    if result.sources:
        lines += ["", "Sources: " + ", ".join(escape(source) for source in result.sources)]
    lines += ["", *_table(["Metric", "Value"], summary_pairs(result.summary))]
    lines += [
        "",
        f"New since the previous audit: {len(result.new_finding_ids)}; "
        f"resolved: {len(result.resolved_finding_ids)}.",
    ]
    return lines


@reports.register(
    "markdown",
    help="Markdown for pull-request comments, CI job summaries and tickets.",
    example="-o markdown=drift.md",
    extension="md",
)
def render_markdown(result: AuditResult, options: ReportOptions) -> str:
    """Render a summary table, then one table per finding kind, then alerts."""
    lines = _header(result, options)
    findings = sorted_findings(result.findings)
    if not findings:
        lines += ["", "No drift: every managed resource matches its declared state."]
    for kind in FindingKind:
        of_kind = [f for f in findings if f.kind is kind]
        if of_kind:
            lines += _kind_section(kind, of_kind, result.new_finding_ids)
    lines += _alerts_section(result)
    lines += ["", f"_{EXIT_CODE_HINT}_"]
    return "\n".join(lines) + "\n"
