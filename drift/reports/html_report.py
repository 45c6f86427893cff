"""One self-contained HTML file: summary cards, a findings table with differences, alerts.

For auditors and change boards who open a report from a ticket or an e-mail. Every value that
comes from a resource passes through ``html.escape``: tag values are user-controlled text, and a
report must never run what a resource's tags say.
"""

from __future__ import annotations

from html import escape

from change_control.timeutil import isoformat
from drift.model import AttributionStatus, AuditResult, Difference, Finding
from drift.reports.base import (
    ReportOptions,
    reports,
    sorted_alerts,
    sorted_differences,
    sorted_findings,
)
from drift.reports.html_page import PAGE, SCRIPT, STYLE
from drift.reports.text import (
    EXIT_CODE_HINT,
    KIND_LABELS,
    SENSITIVE_TEXT,
    attribution_text,
    describe_difference,
    format_path,
    summary_pairs,
)

# Cards whose non-zero value means drift get the "bad" style.
_BAD_CARDS = {"Changed", "Missing", "Unmanaged", "Baseline violations"}
_HEADERS = ("Severity", "Kind", "Resource", "Differences", "Attribution", "Finding")


def _cards(result: AuditResult) -> str:
    cards = []
    for label, value in summary_pairs(result.summary):
        bad = " bad" if label in _BAD_CARDS and value != "0" else ""
        cards.append(
            f'<div class="card{bad}"><div class="value">{escape(value)}</div>'
            f'<div class="label">{escape(label)}</div></div>\n'
        )
    return "".join(cards)


def _difference_item(difference: Difference) -> str:
    if difference.sensitive:
        path = escape(format_path(difference.path))
        return f'<li><code>{path}</code>: <span class="sensitive">{SENSITIVE_TEXT}</span></li>'
    return f"<li><code>{escape(describe_difference(difference, 200))}</code></li>"


def _resource_cell(finding: Finding) -> str:
    lines = []
    if finding.address:
        lines.append(f"<code>{escape(finding.address)}</code>")
    lines.append(f"{escape(finding.resource_type)} <code>{escape(finding.resource_id)}</code>")
    where = " ".join(part for part in (finding.account, finding.region) if part)
    if where:
        lines.append(escape(where))
    if finding.source:
        lines.append(f'<span class="meta">{escape(finding.source)}</span>')
    return "<br>".join(lines)


def _finding_row(finding: Finding, new_ids: frozenset[str]) -> str:
    severity = str(finding.severity)
    items = "".join(_difference_item(d) for d in sorted_differences(finding.differences))
    differences = f"<ul>{items}</ul>" if items else "\u2014"
    status = finding.attribution.status
    css = str(status) if status is not AttributionStatus.UNKNOWN else "meta"
    kind = escape(KIND_LABELS[finding.kind])
    if finding.rule:
        kind += f"<br><code>{escape(finding.rule)}</code>"
    new = ' <span class="badge new">new</span>' if finding.id in new_ids else ""
    cells = [
        f'<td data-sort="{4 - finding.severity.rank}">'
        f'<span class="badge {severity}">{severity}</span></td>',
        f"<td>{kind}</td>",
        f"<td>{_resource_cell(finding)}</td>",
        f"<td>{differences}</td>",
        f'<td class="{css}">{escape(attribution_text(finding))}</td>',
        f"<td><code>{escape(finding.id)}</code>{new}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>\n"


def _findings_table(result: AuditResult) -> str:
    findings = sorted_findings(result.findings)
    if not findings:
        return '<p class="empty">No drift: every managed resource matches its declared state.</p>\n'
    head = "".join(f'<th scope="col">{name}</th>' for name in _HEADERS)
    rows = "".join(_finding_row(f, result.new_finding_ids) for f in findings)
    return (
        f'<table class="sortable">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n'
        "</table>\n"
    )


def _alerts(result: AuditResult) -> str:
    alerts = sorted_alerts(result.alerts)
    if not alerts:
        return ""
    rows = "".join(
        f"<tr><td>{escape(a.source)}</td><td>{escape(a.type or 'all')}</td>"
        f"<td>{escape(a.region or 'all')}</td><td><code>{escape(a.code)}</code></td>"
        f"<td>{escape(a.message)}</td></tr>\n"
        for a in alerts
    )
    return (
        f"<section>\n<h2>Alerts ({len(alerts)})</h2>\n"
        '<p class="meta">These sources could not be read fully; their resources were not '
        "checked.</p>\n<table>\n<thead><tr><th>Source</th><th>Type</th><th>Region</th>"
        f"<th>Code</th><th>Message</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
        "</section>\n"
    )


def _sources(result: AuditResult) -> str:
    if not result.sources:
        return ""
    listed = ", ".join(f"<code>{escape(source)}</code>" for source in result.sources)
    return f'<p class="meta">Sources: {listed}</p>\n'


@reports.register(
    "html",
    help="One self-contained HTML page for auditors, tickets and e-mail.",
    example="-o html=drift.html",
    extension="html",
)
def render_html(result: AuditResult, options: ReportOptions) -> str:
    """Render the page; no external assets, works without its (optional) sorting script."""
    return PAGE.substitute(
        title=escape(options.title),
        audit_id=escape(result.audit_id),
        generated_at=isoformat(result.generated_at),
        version=escape(options.resolved_tool_version()),
        sources=_sources(result),
        cards=_cards(result),
        finding_count=len(result.findings),
        new_count=len(result.new_finding_ids),
        resolved_count=len(result.resolved_finding_ids),
        findings=_findings_table(result),
        alerts=_alerts(result),
        hint=escape(EXIT_CODE_HINT),
        style=STYLE,
        script=SCRIPT,
    )
