"""The approved view: captured baselines and policy-baseline rules, as ``baseline_violation``.

A captured baseline is a set of resources recorded when a change was approved or closed. For
each resource the newest baseline that holds it is the approved state; live departing from it
is a violation, and a baselined resource that is gone from live is one too (a single
value-less ``remove`` at the empty path). The rule of such a finding is ``baseline:<id>``.

Policy-baseline rules (``drift.baseline_rules``) are checked on one view: live when the audit
has a live view, else declared (policy as code on Terraform state alone). One finding per
(rule, resource), its differences the failed constraints: ``remove`` when the attribute is
missing, ``add`` when it should be absent but is set, else ``change``; ``expected`` is the
value for ``equals`` and ``{"<kind>": operand}`` for the other constraints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drift.baseline_rules import BaselineRule, Constraint, lookup
from drift.engine.diff import RawDifference, diff
from drift.engine.findings import Draft, classify, removal
from drift.model import FindingKind, Op, Resource

_K = FindingKind.BASELINE_VIOLATION


@dataclass(frozen=True)
class CapturedBaseline:
    """Resources captured from a view and bound to an approved change."""

    id: str
    change_id: str
    captured_at: datetime
    resources: tuple[Resource, ...]


def newest_per_resource(
    baselines: Iterable[CapturedBaseline],
) -> dict[tuple[str, str], tuple[CapturedBaseline, Resource]]:
    """For each ``(type, id)``, the newest baseline holding it and its resource there.

    Resources must already be normalized (so their keys use canonical types and ids).
    """
    newest: dict[tuple[str, str], tuple[CapturedBaseline, Resource]] = {}
    for baseline in sorted(baselines, key=lambda b: (b.captured_at, b.id)):
        for resource in baseline.resources:
            newest[resource.key] = (baseline, resource)
    return newest


def baseline_drafts(
    newest: dict[tuple[str, str], tuple[CapturedBaseline, Resource]],
    live: dict[tuple[str, str], Resource],
    *,
    keep_computed: bool = False,
) -> list[Draft]:
    """Violations of the newest captured baselines by the (normalized, indexed) live view."""
    drafts = []
    for key, (baseline, approved) in newest.items():
        rule = f"baseline:{baseline.id}"
        current = live.get(key)
        if current is None:
            drafts.append(Draft(_K, approved, (removal(),), approved.address, rule))
            continue
        if approved.attributes == current.attributes:
            continue
        secrets = approved.sensitive_paths | current.sensitive_paths
        differences = classify(key[0], diff(approved.attributes, current.attributes), secrets)
        if not keep_computed:
            differences = [d for d in differences if not d.computed]
        if differences:
            address = approved.address or current.address
            drafts.append(Draft(_K, current, tuple(differences), address, rule))
    return drafts


def rule_drafts(rules: Sequence[BaselineRule], resources: Iterable[Resource]) -> list[Draft]:
    """Violations of policy-baseline ``rules`` by normalized ``resources``."""
    drafts = []
    for resource in resources:
        for rule in rules:
            if not rule.selects(resource):
                continue
            raw = [
                failure
                for constraint in rule.constraints
                if (failure := _check(constraint, resource.attributes)) is not None
            ]
            if raw:
                differences = classify(resource.type, raw, resource.sensitive_paths)
                drafts.append(
                    Draft(
                        _K,
                        resource,
                        tuple(differences),
                        resource.address,
                        rule.name,
                        rule.severity,
                    )
                )
    return drafts


def _check(constraint: Constraint, attributes: Any) -> RawDifference | None:
    present, value = lookup(attributes, constraint.path)
    failed = constraint.failure(present, value)
    if failed is None:
        return None
    kind, operand = failed
    expected: Any = operand if kind == "equals" else {kind: operand}
    if kind == "absent":
        op = Op.ADD if operand else Op.REMOVE
    else:
        op = Op.CHANGE if present else Op.REMOVE
    return constraint.path, op, expected, value if present else None
