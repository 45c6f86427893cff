"""JUnit XML, so that GitLab, Jenkins and most CI servers show drift as failed tests.

Layout: ``testsuites`` > one ``testsuite`` per resource type > one ``testcase`` per finding, each
with a ``failure`` (type = finding kind). In-sync resources are one passing testcase carrying
their count, and alerts (sources not read) are skipped testcases: those resources were not
checked, which is neither a pass nor drift. Built with ElementTree, which escapes markup; text
is also stripped of the control characters XML 1.0 cannot carry at all.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from drift.model import Alert, AuditResult, Finding
from drift.reports.base import (
    ReportOptions,
    reports,
    sorted_alerts,
    sorted_differences,
    sorted_findings,
)
from drift.reports.text import (
    attribution_text,
    describe_difference,
    finding_message,
    resource_label,
)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
IN_SYNC_SUITE = "changegate.in_sync"
ALERT_SUITE = "changegate.not_checked"

# Characters XML 1.0 forbids even as references; ElementTree would write them raw.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with characters XML 1.0 cannot represent replaced by U+FFFD."""
    return _INVALID_XML.sub("\ufffd", text)


def _element(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, tag, {key: clean(value) for key, value in attributes.items()})


def _failure_body(finding: Finding) -> str:
    lines = [
        f"severity: {finding.severity}",
        f"attribution: {attribution_text(finding)}",
        f"resource: {finding.resource_type} {finding.resource_id}",
        f"source: {finding.source}",
        f"finding id: {finding.id}",
    ]
    if finding.rule:
        lines.append(f"rule: {finding.rule}")
    lines += [f"  {describe_difference(d, 200)}" for d in sorted_differences(finding.differences)]
    return "\n".join(lines)


def _suite(root: ET.Element, name: str, tests: int, failures: int, skipped: int) -> ET.Element:
    return _element(
        root,
        "testsuite",
        name=name,
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )


def _finding_suite(root: ET.Element, resource_type: str, findings: list[Finding]) -> None:
    suite = _suite(root, resource_type, len(findings), len(findings), 0)
    for finding in findings:
        case = _element(
            suite,
            "testcase",
            name=f"{finding.kind}: {resource_label(finding)}",
            classname=resource_type,
        )
        failure = _element(
            case, "failure", message=finding_message(finding), type=str(finding.kind)
        )
        failure.text = clean(_failure_body(finding))


def _alert_suite(root: ET.Element, alerts: list[Alert]) -> None:
    suite = _suite(root, ALERT_SUITE, len(alerts), 0, len(alerts))
    for alert in alerts:
        scope = " ".join(part for part in (alert.type, alert.region) if part) or "all"
        case = _element(suite, "testcase", name=f"{alert.source}: {scope}", classname=ALERT_SUITE)
        _element(case, "skipped", message=f"{alert.code}: {alert.message}")


def _by_type(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in sorted_findings(findings):
        groups.setdefault(finding.resource_type, []).append(finding)
    return dict(sorted(groups.items()))


@reports.register(
    "junit",
    help="JUnit XML for GitLab, Jenkins and other CI test-report views.",
    example="-o junit=drift-junit.xml",
    extension="xml",
)
def render_junit(result: AuditResult, options: ReportOptions) -> str:
    """Render findings as failed testcases grouped by resource type."""
    alerts = sorted_alerts(result.alerts)
    failures = len(result.findings)
    tests = failures + 1 + len(alerts)
    root = ET.Element(
        "testsuites",
        {
            "name": clean(f"{options.title} {result.audit_id}"),
            "tests": str(tests),
            "failures": str(failures),
            "errors": "0",
            "skipped": str(len(alerts)),
        },
    )
    in_sync = _suite(root, IN_SYNC_SUITE, 1, 0, 0)
    _element(
        in_sync,
        "testcase",
        name=f"{result.summary.in_sync} managed resources in sync",
        classname=IN_SYNC_SUITE,
    )
    for resource_type, findings in _by_type(result.findings).items():
        _finding_suite(root, resource_type, findings)
    if alerts:
        _alert_suite(root, alerts)
    ET.indent(root, space="  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
