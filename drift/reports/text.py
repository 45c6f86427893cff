"""Plain-text phrasing shared by every human-readable format (table, Markdown, HTML, JUnit).

One wording for a difference, a resource and a finding keeps the formats consistent, and one
place decides how a sensitive difference reads: it says that the value changed, never what it
was or became.
"""

from __future__ import annotations

import json
from typing import Any

from drift.model import AttributionStatus, Difference, Finding, FindingKind, Op, Summary

SENSITIVE_TEXT = "(sensitive value changed)"
ABSENT_TEXT = "(absent)"

KIND_TITLES: dict[FindingKind, str] = {
    FindingKind.CHANGED: "Changed",
    FindingKind.MISSING: "Missing",
    FindingKind.UNMANAGED: "Unmanaged",
    FindingKind.BASELINE_VIOLATION: "Baseline violations",
}

KIND_LABELS: dict[FindingKind, str] = {
    FindingKind.CHANGED: "Changed",
    FindingKind.MISSING: "Missing",
    FindingKind.UNMANAGED: "Unmanaged",
    FindingKind.BASELINE_VIOLATION: "Baseline violation",
}

EXIT_CODE_HINT = (
    "Exit codes: 0 no drift, 2 drift found (--fail-on SEVERITY counts only findings at or "
    "above it), 1 error."
)


def format_path(path: tuple[str | int, ...]) -> str:
    """``("tags", "env")`` -> ``tags.env``; ``("ingress", 0, "cidr")`` -> ``ingress[0].cidr``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(resource)"


def format_value(value: Any, limit: int = 80) -> str:
    """A value as compact JSON (strings quoted), cut to ``limit`` characters with an ellipsis."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def describe_difference(difference: Difference, limit: int = 80) -> str:
    """``tags.env: "staging" -> "prod"``; a sensitive difference never shows its values."""
    path = format_path(difference.path)
    if difference.sensitive:
        body = SENSITIVE_TEXT
    else:
        before = (
            ABSENT_TEXT if difference.op is Op.ADD else format_value(difference.expected, limit)
        )
        after = (
            ABSENT_TEXT if difference.op is Op.REMOVE else format_value(difference.actual, limit)
        )
        body = f"{before} -> {after}"
    suffix = " (computed)" if difference.computed else ""
    return f"{path}: {body}{suffix}"


def resource_label(finding: Finding) -> str:
    """The address users know, or ``type id`` for a resource no state declares."""
    return finding.address or f"{finding.resource_type} {finding.resource_id}"


def finding_message(finding: Finding) -> str:
    """One sentence saying what is wrong with the resource."""
    label = resource_label(finding)
    count = len(finding.differences)
    attrs = f"{count} attribute{'s' if count != 1 else ''}"
    if finding.kind is FindingKind.CHANGED:
        return f"{label} differs from its declared state: {attrs} changed."
    if finding.kind is FindingKind.MISSING:
        return f"{label} is declared in {finding.source or 'a state'} but no longer exists."
    if finding.kind is FindingKind.UNMANAGED:
        return f"{label} exists but no Terraform state manages it."
    rule = f"baseline rule {finding.rule!r}" if finding.rule else "its approved baseline"
    return f"{label} departs from {rule}: {attrs} differ."


def attribution_text(finding: Finding) -> str:
    """``authorized by CHG0000123``, ``unauthorized`` or ``unknown``."""
    attribution = finding.attribution
    if attribution.status is AttributionStatus.AUTHORIZED and attribution.change_id:
        return f"authorized by {attribution.change_id}"
    return str(attribution.status)


def summary_pairs(summary: Summary) -> list[tuple[str, str]]:
    """The header counts, in the order every format shows them."""
    return [
        ("Resources", str(summary.total)),
        ("Managed", str(summary.managed)),
        ("In sync", str(summary.in_sync)),
        ("Changed", str(summary.changed)),
        ("Missing", str(summary.missing)),
        ("Unmanaged", str(summary.unmanaged)),
        ("Baseline violations", str(summary.baseline_violations)),
        ("Coverage", f"{summary.coverage_percent:.2f}%"),
    ]
