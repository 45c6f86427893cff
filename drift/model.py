"""The drift auditor's vocabulary: resources, differences, findings, the audit result.

Sources produce ``Resource``; the engine produces ``Finding``; reports render an ``AuditResult``.
The JSON forms are the versioned contracts in DESIGN.md (live snapshot
``changegate/live-snapshot@1``, audit report ``schema_version: 1``): change them only with a new
version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

SNAPSHOT_FORMAT = "changegate/live-snapshot@1"
REPORT_SCHEMA_VERSION = 1


class View(StrEnum):
    """Which of the three views a resource comes from."""

    DECLARED = "declared"
    LIVE = "live"
    APPROVED = "approved"


class FindingKind(StrEnum):
    """What kind of drift a finding reports."""

    CHANGED = "changed"
    MISSING = "missing"
    UNMANAGED = "unmanaged"
    BASELINE_VIOLATION = "baseline_violation"


class Severity(StrEnum):
    """Finding severity, ordered low < medium < high < critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order, for ``--fail-on`` thresholds."""
        return list(Severity).index(self)


class Op(StrEnum):
    """How an attribute differs (CloudFormation's ADD/REMOVE/NOT_EQUAL)."""

    ADD = "add"
    REMOVE = "remove"
    CHANGE = "change"


class AttributionStatus(StrEnum):
    """Whether an approved change covers a finding."""

    AUTHORIZED = "authorized"
    UNAUTHORIZED = "unauthorized"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Resource:
    """One resource as one view sees it, with attributes in the Terraform provider's layout."""

    type: str
    id: str
    attributes: Mapping[str, Any]
    view: View
    address: str | None = None
    source: str = ""
    region: str | None = None
    account: str | None = None
    provider: str | None = None
    module: str | None = None
    sensitive_paths: frozenset[tuple[str | int, ...]] = frozenset()
    # Terraform's recorded dependencies (config addresses), kept for CMDB relations.
    dependencies: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """Identity used for matching across views."""
        return (self.type, self.id)


@dataclass(frozen=True)
class Difference:
    """One attribute that differs. A sensitive difference carries no values."""

    path: tuple[str | int, ...]
    op: Op
    expected: Any = None
    actual: Any = None
    computed: bool = False
    sensitive: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The report's difference object; values are omitted when sensitive."""
        out: dict[str, Any] = {"path": list(self.path), "op": str(self.op)}
        if not self.sensitive:
            out["expected"] = self.expected
            out["actual"] = self.actual
        out["computed"] = self.computed
        out["sensitive"] = self.sensitive
        return out


@dataclass(frozen=True)
class Attribution:
    """The change (if any) that authorizes a finding."""

    status: AttributionStatus = AttributionStatus.UNKNOWN
    change_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"status": str(self.status), "change_id": self.change_id}


@dataclass(frozen=True)
class Finding:
    """One drift finding with a stable id (same resource + kind + differences => same id)."""

    id: str
    kind: FindingKind
    severity: Severity
    resource_type: str
    resource_id: str
    address: str | None
    source: str
    differences: tuple[Difference, ...] = ()
    attribution: Attribution = field(default_factory=Attribution)
    region: str | None = None
    account: str | None = None
    rule: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report's finding object (DESIGN.md contract)."""
        resource: dict[str, Any] = {
            "type": self.resource_type,
            "id": self.resource_id,
            "address": self.address,
            "source": self.source,
        }
        if self.region:
            resource["region"] = self.region
        if self.account:
            resource["account"] = self.account
        out: dict[str, Any] = {
            "id": self.id,
            "kind": str(self.kind),
            "severity": str(self.severity),
            "resource": resource,
            "differences": [d.to_dict() for d in self.differences],
            "attribution": self.attribution.to_dict(),
        }
        if self.rule:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True)
class Alert:
    """A source that could not be (fully) read: partial failure is data, not a crash."""

    source: str
    code: str
    message: str
    type: str | None = None
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The snapshot/report alert object."""
        return {
            "source": self.source,
            "type": self.type,
            "region": self.region,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Summary:
    """Counts for the report header."""

    total: int = 0
    managed: int = 0
    in_sync: int = 0
    changed: int = 0
    missing: int = 0
    unmanaged: int = 0
    baseline_violations: int = 0

    @property
    def coverage_percent(self) -> float:
        """Share of live resources that are managed, as terraform/driftctl users read it."""
        live = self.managed - self.missing + self.unmanaged
        return round(100.0 * (self.managed - self.missing) / live, 2) if live > 0 else 100.0

    def to_dict(self) -> dict[str, Any]:
        """The report's summary object."""
        return {
            "total": self.total,
            "managed": self.managed,
            "in_sync": self.in_sync,
            "changed": self.changed,
            "missing": self.missing,
            "unmanaged": self.unmanaged,
            "baseline_violations": self.baseline_violations,
            "coverage_percent": self.coverage_percent,
        }


@dataclass(frozen=True)
class AuditResult:
    """Everything a report renders; findings are sorted (kind, type, address/id) first."""

    audit_id: str
    generated_at: datetime
    summary: Summary
    findings: tuple[Finding, ...]
    alerts: tuple[Alert, ...] = ()
    sources: tuple[str, ...] = ()
    new_finding_ids: frozenset[str] = frozenset()
    resolved_finding_ids: frozenset[str] = frozenset()
