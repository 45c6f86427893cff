"""The report-format registry and what every renderer shares: options and deterministic order.

A report format is one registry entry (name, renderer, help, file extension), so adding a format
touches one module. Renderers are pure functions ``(AuditResult, ReportOptions) -> str``: they
never read the clock or the environment, sort before rendering, and end with a newline, so that
golden files pin their output byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from change_control.registry import Registry
from drift.model import Alert, AuditResult, Difference, Finding, FindingKind

Renderer = Callable[[AuditResult, "ReportOptions"], str]
"""Turns an audit result into the full text of one report."""

reports: Registry[Renderer] = Registry("report format", "changegate.reports")
"""Every report format; third parties add theirs through the ``changegate.reports`` group."""

PROJECT_URI = "https://github.com/changegate/changegate"
DOCS_URI = f"{PROJECT_URI}/blob/main/docs/reports.md"

_KIND_ORDER = {kind: index for index, kind in enumerate(FindingKind)}


@dataclass(frozen=True)
class ReportOptions:
    """Presentation choices that are not part of the audit itself.

    ``tool_version`` defaults to the installed package's version; tests pin it so that golden
    files do not change with every release.
    """

    color: bool = False
    width: int = 120
    title: str = "changegate drift audit"
    tool_version: str | None = None

    def resolved_tool_version(self) -> str:
        """The version SARIF and HTML name as the producing tool."""
        if self.tool_version is not None:
            return self.tool_version
        try:
            return version("changegate")
        except PackageNotFoundError:
            return "0+unknown"


def _path_key(path: tuple[str | int, ...]) -> tuple[tuple[int, str], ...]:
    # Paths mix indexes and keys; compare them as (type tag, text) so sorting never raises.
    return tuple((0, f"{part:012d}") if isinstance(part, int) else (1, part) for part in path)


def finding_sort_key(finding: Finding) -> tuple[object, ...]:
    """Kind (enum order), severity (worst first), type, address or id, then the id as tiebreak."""
    return (
        _KIND_ORDER[finding.kind],
        -finding.severity.rank,
        finding.resource_type,
        finding.address or finding.resource_id,
        finding.resource_id,
        finding.id,
    )


def sorted_differences(differences: Iterable[Difference]) -> list[Difference]:
    """Differences in path order, so two renders of the same finding are identical."""
    return sorted(differences, key=lambda d: (_path_key(d.path), str(d.op)))


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order, whatever order the engine produced them in."""
    return sorted(findings, key=finding_sort_key)


def sorted_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts by source, type, region and code."""
    return sorted(alerts, key=lambda a: (a.source, a.type or "", a.region or "", a.code, a.message))
