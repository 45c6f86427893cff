"""SARIF 2.1.0, the format GitHub code scanning and other security dashboards ingest.

One rule per finding kind (plus one per policy-baseline rule that fired), one result per
finding. The stable finding id goes into ``partialFingerprints`` so that code scanning keeps one
alert per drifted resource across nightly runs instead of opening a new one each time. Alerts
(sources that could not be read) become tool execution notifications: the run is partial.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from change_control.timeutil import isoformat
from drift.model import Alert, AuditResult, Finding, FindingKind, Severity
from drift.reports.base import (
    DOCS_URI,
    PROJECT_URI,
    ReportOptions,
    reports,
    sorted_alerts,
    sorted_differences,
    sorted_findings,
)
from drift.reports.json_report import dump
from drift.reports.text import finding_message

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "changegateFindingId/v1"

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}

# (name, short description, full description, default level) per finding kind.
_KIND_RULES: dict[FindingKind, tuple[str, str, str, str]] = {
    FindingKind.CHANGED: (
        "ChangedOutsideTerraform",
        "Resource changed outside Terraform",
        "The live resource's attributes differ from what its Terraform state declares.",
        "warning",
    ),
    FindingKind.MISSING: (
        "MissingResource",
        "Declared resource no longer exists",
        "A resource in a Terraform state was not found among the live resources.",
        "error",
    ),
    FindingKind.UNMANAGED: (
        "UnmanagedResource",
        "Resource not managed by any Terraform state",
        "A live resource exists that no audited Terraform state declares.",
        "note",
    ),
    FindingKind.BASELINE_VIOLATION: (
        "BaselineViolation",
        "Resource departs from its approved baseline",
        "A resource differs from the baseline captured at change closure or from a policy rule.",
        "warning",
    ),
}

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def rule_id(finding: Finding) -> str:
    """The kind, or ``baseline_violation/<rule>`` for a named policy-baseline rule."""
    if finding.kind is FindingKind.BASELINE_VIOLATION and finding.rule:
        return f"{finding.kind}/{finding.rule}"
    return str(finding.kind)


def artifact_uri(source: str) -> str | None:
    """A URI for a source that is a file path; ``None`` for ``s3://``, ``tfdir:`` and the like."""
    if not source or _SCHEME.match(source):
        return None
    path = PurePath(source)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix(), safe="/")


def _kind_rule(kind: FindingKind) -> dict[str, Any]:
    name, short, full, level = _KIND_RULES[kind]
    return {
        "id": str(kind),
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "helpUri": DOCS_URI,
        "help": {"text": f"{full} See {DOCS_URI} for each format and the exit codes."},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["drift", "infrastructure"]},
    }


def _baseline_rule(rule: str) -> dict[str, Any]:
    return {
        "id": f"{FindingKind.BASELINE_VIOLATION}/{rule}",
        "name": rule,
        "shortDescription": {"text": f"Policy baseline rule {rule}"},
        "fullDescription": {"text": f"A resource breaks the policy-baseline rule {rule!r}."},
        "helpUri": DOCS_URI,
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["drift", "baseline"]},
    }


def _rules(findings: list[Finding]) -> list[dict[str, Any]]:
    """Every kind (so rule indexes are stable across runs), then the baseline rules that fired."""
    named = sorted(
        {f.rule for f in findings if f.kind is FindingKind.BASELINE_VIOLATION and f.rule}
    )
    return [_kind_rule(kind) for kind in FindingKind] + [_baseline_rule(rule) for rule in named]


def _location(finding: Finding) -> dict[str, Any]:
    name = finding.address or f"{finding.resource_type}.{finding.resource_id}"
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]
    }
    uri = artifact_uri(finding.source)
    if uri is not None:
        location["physicalLocation"] = {"artifactLocation": {"uri": uri}}
    return location


def _result(
    finding: Finding, rule_index: dict[str, int], baseline_state: str | None
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "kind": str(finding.kind),
        "severity": str(finding.severity),
        "resourceType": finding.resource_type,
        "resourceId": finding.resource_id,
        "address": finding.address,
        "source": finding.source,
        "attribution": finding.attribution.to_dict(),
        # to_dict() drops the values of sensitive differences.
        "differences": [d.to_dict() for d in sorted_differences(finding.differences)],
    }
    for key, value in (("region", finding.region), ("account", finding.account)):
        if value:
            properties[key] = value
    result: dict[str, Any] = {
        "ruleId": rule_id(finding),
        "ruleIndex": rule_index[rule_id(finding)],
        "kind": "fail",
        "level": LEVELS[finding.severity],
        "message": {"text": finding_message(finding)},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": properties,
    }
    if baseline_state is not None:
        result["baselineState"] = baseline_state
    return result


def _notification(alert: Alert) -> dict[str, Any]:
    scope = " ".join(part for part in (alert.type, alert.region) if part)
    return {
        "level": "warning",
        "descriptor": {"id": alert.code},
        "message": {"text": f"{alert.source}{f' ({scope})' if scope else ''}: {alert.message}"},
        "properties": {"source": alert.source, "type": alert.type, "region": alert.region},
    }


def _baseline_state(result: AuditResult, finding: Finding) -> str | None:
    # Only meaningful when the engine compared with a previous audit of the same scope.
    if not (result.new_finding_ids or result.resolved_finding_ids):
        return None
    return "new" if finding.id in result.new_finding_ids else "unchanged"


def sarif_document(result: AuditResult, options: ReportOptions) -> dict[str, Any]:
    """The SARIF log as plain data."""
    findings = sorted_findings(result.findings)
    rules = _rules(findings)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "changegate",
                "version": options.resolved_tool_version(),
                "informationUri": PROJECT_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"changegate/drift/{result.audit_id}"},
        "invocations": [
            {
                "executionSuccessful": True,
                "endTimeUtc": isoformat(result.generated_at),
                "toolExecutionNotifications": [
                    _notification(alert) for alert in sorted_alerts(result.alerts)
                ],
            }
        ],
        "results": [_result(f, rule_index, _baseline_state(result, f)) for f in findings],
        "properties": {
            "auditId": result.audit_id,
            "summary": result.summary.to_dict(),
            "sources": list(result.sources),
            "resolvedFindingIds": sorted(result.resolved_finding_ids),
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


@reports.register(
    "sarif",
    help="SARIF 2.1.0 for GitHub code scanning and security dashboards.",
    example="-o sarif=drift.sarif",
    extension="sarif",
)
def render_sarif(result: AuditResult, options: ReportOptions) -> str:
    """Render one SARIF run with one result per finding."""
    return dump(sarif_document(result, options))
