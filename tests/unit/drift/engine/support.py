"""Builders shared by the engine tests: resources of each view and a one-call audit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from drift.engine import compare
from drift.model import AuditResult, Resource, View

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
STATE = "states/prod.tfstate"


def declared(kind: str, ident: str, attributes: dict[str, Any], **extra: Any) -> Resource:
    """A resource from Terraform state, addressed ``<kind>.r_<ident>`` unless told otherwise."""
    extra.setdefault("address", f"{kind}.r_{ident}".replace("-", "_"))
    extra.setdefault("source", STATE)
    return Resource(kind, ident, attributes, View.DECLARED, **extra)


def live(kind: str, ident: str, attributes: dict[str, Any], **extra: Any) -> Resource:
    """A resource from a live snapshot."""
    extra.setdefault("source", "live.json")
    extra.setdefault("region", "eu-west-3")
    return Resource(kind, ident, attributes, View.LIVE, **extra)


def audit(decl: list[Resource], current: list[Resource] | None, **options: Any) -> AuditResult:
    """``compare`` at ``NOW`` with audit id ``a1``."""
    return compare(decl, current, now=NOW, audit_id="a1", **options)


def kinds(result: AuditResult) -> list[tuple[str, str, str]]:
    """``(kind, type, id)`` of every finding, in report order."""
    return [(str(f.kind), f.resource_type, f.resource_id) for f in result.findings]
