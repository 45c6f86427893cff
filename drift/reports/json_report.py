"""The JSON audit report: the versioned contract of DESIGN.md (``schema_version: 1``).

Scripts, dashboards and the CMDB sync read this format, so its shape is fixed by the JSON Schema
shipped as ``drift/schemas/audit-report-1.json``; a change to it needs a new schema version.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, cast

from change_control.timeutil import isoformat
from drift.model import REPORT_SCHEMA_VERSION, AuditResult, Finding
from drift.reports.base import (
    ReportOptions,
    reports,
    sorted_alerts,
    sorted_differences,
    sorted_findings,
)

SCHEMA_RESOURCE = f"audit-report-{REPORT_SCHEMA_VERSION}.json"


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every JSON report validates against."""
    text = files("drift").joinpath("schemas", SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def _finding(finding: Finding) -> dict[str, Any]:
    out = finding.to_dict()
    # Same contract object, differences in path order whatever order the engine found them in.
    out["differences"] = [d.to_dict() for d in sorted_differences(finding.differences)]
    return out


def report_document(result: AuditResult) -> dict[str, Any]:
    """The report as plain data; sensitive differences carry no values (``Difference.to_dict``)."""
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "audit_id": result.audit_id,
        "generated_at": isoformat(result.generated_at),
        "summary": result.summary.to_dict(),
        "findings": [_finding(finding) for finding in sorted_findings(result.findings)],
        "alerts": [alert.to_dict() for alert in sorted_alerts(result.alerts)],
        "new": sorted(result.new_finding_ids),
        "resolved": sorted(result.resolved_finding_ids),
        "sources": list(result.sources),
    }


def dump(document: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, UTF-8 kept readable, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


@reports.register(
    "json",
    help="The versioned audit report (schema_version 1) for scripts and dashboards.",
    example="-o json=report.json",
    extension="json",
)
def render_json(result: AuditResult, options: ReportOptions) -> str:
    """Render the DESIGN.md audit report contract."""
    return dump(report_document(result))
