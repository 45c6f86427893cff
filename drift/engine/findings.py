"""Differences marked computed/sensitive, stable finding ids, the report order.

Sensitive values stop here: a difference whose path is sensitive is built with
``expected=None, actual=None, sensitive=True``, so the value never reaches a ``Finding`` and no
report, store or log downstream can print it (hashicorp/terraform#28635: say *that* it changed,
never *what* it is).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from drift.engine.diff import RawDifference
from drift.model import Difference, Finding, FindingKind, Op, Resource, Severity
from drift.normalize.types import computed_attributes, is_secret_name

AttrPath = tuple[str | int, ...]


def classify(
    resource_type: str, raw: Iterable[RawDifference], sensitive_paths: frozenset[AttrPath]
) -> list[Difference]:
    """``Difference`` objects with ``computed`` and ``sensitive`` set; sensitive ones lose values.

    Computed: the top-level attribute is provider-computed for the type (``types.COMPUTED``).
    Sensitive: the path is inside, or contains, one of ``sensitive_paths`` (list indices match
    any index, because normalization may re-order sets), or a path segment is a secret name,
    or a value holds a key with a secret name.
    """
    computed = computed_attributes(resource_type)
    out = []
    for path, op, expected, actual in raw:
        is_computed = bool(path) and path[0] in computed
        if is_sensitive(path, sensitive_paths) or _holds_secret(expected) or _holds_secret(actual):
            out.append(Difference(path, op, None, None, computed=is_computed, sensitive=True))
        else:
            out.append(Difference(path, op, expected, actual, computed=is_computed))
    return out


def is_sensitive(path: AttrPath, sensitive_paths: frozenset[AttrPath]) -> bool:
    """True when ``path`` touches a sensitive path or names a secret (see ``classify``)."""
    if any(isinstance(part, str) and is_secret_name(part) for part in path):
        return True
    return any(_overlaps(path, secret) for secret in sensitive_paths)


def _overlaps(path: AttrPath, secret: AttrPath) -> bool:
    for mine, theirs in zip(path, secret, strict=False):
        if isinstance(mine, int) and isinstance(theirs, int):
            continue
        if mine != theirs:
            return False
    return True


def _holds_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return any(is_secret_name(str(k)) or _holds_secret(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_secret(item) for item in value)
    return False


def finding_id(
    kind: FindingKind,
    resource_type: str,
    resource_id: str,
    differences: Sequence[Difference] = (),
    rule: str | None = None,
) -> str:
    """First 16 hex digits of SHA-256 over kind, type, id, rule and the sorted (path, op) pairs.

    Values and times are left out on purpose: the same drift seen again tomorrow, or with a
    value that moved on, keeps its id, which is what "new since the last audit" needs. The
    rule name is included so two rules breached on the same path stay two findings.
    """
    pairs = sorted(json.dumps([list(d.path), str(d.op)]) for d in differences)
    payload = json.dumps([str(kind), resource_type, resource_id, rule, pairs])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


_KIND_ORDER = {kind: index for index, kind in enumerate(FindingKind)}


def sort_key(finding: Finding) -> tuple[int, str, str, str, str, str]:
    """Report order: kind, type, address (or id when unaddressed), then id, rule, finding id."""
    return (
        _KIND_ORDER[finding.kind],
        finding.resource_type,
        finding.address or finding.resource_id,
        finding.resource_id,
        finding.rule or "",
        finding.id,
    )


def only_computed(differences: Sequence[Difference]) -> bool:
    """True when every difference is provider-computed (informational drift)."""
    return bool(differences) and all(d.computed for d in differences)


def removal(path: AttrPath = ()) -> Difference:
    """A value-less ``remove`` difference (a baselined resource that is gone)."""
    return Difference(path, Op.REMOVE)


@dataclass(frozen=True)
class Draft:
    """A finding before ignore rules, severity, id and attribution are applied to it.

    ``address`` is the address to report (a matched pair reports the declared one); ``rule``
    and ``rule_severity`` come from the policy-baseline rule or captured baseline behind it.
    """

    kind: FindingKind
    resource: Resource
    differences: tuple[Difference, ...] = ()
    address: str | None = None
    rule: str | None = None
    rule_severity: Severity | None = None
