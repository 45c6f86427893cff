"""How bad a finding is: defaults per kind, security-relevant attributes, overrides as data.

Order of precedence, first that applies:

1. an override from configuration (the last one matching type glob and kind);
2. the severity of the policy-baseline rule that produced the finding;
3. ``computed_only`` (low) for a change made only of provider-computed attributes (kept only
   when the engine is asked to keep them);
4. ``security_severity`` (high) for a ``changed`` or captured-baseline finding touching a
   security-relevant attribute of its type (``SECURITY_ATTRIBUTES``), and for an ``unmanaged``
   resource of a type that is security-relevant as a whole (an empty attribute list: a rule
   someone opened in the console is the drift a security team most wants to see);
5. the default of the kind: missing high, unmanaged medium, changed medium, baseline medium.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from change_control.errors import ConfigError
from drift.model import Difference, FindingKind, Severity

K = FindingKind
DEFAULT_SEVERITIES: Mapping[FindingKind, Severity] = {
    K.MISSING: Severity.HIGH,
    K.UNMANAGED: Severity.MEDIUM,
    K.CHANGED: Severity.MEDIUM,
    K.BASELINE_VIOLATION: Severity.MEDIUM,
}

#: Type glob -> top-level attributes whose change is security-relevant; () = all of them.
SECURITY_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "aws_security_group": ("ingress", "egress"),
    "aws_security_group_rule": (),
    "aws_network_acl": ("ingress", "egress"),
    "aws_network_acl_rule": (),
    "aws_iam_*": (
        "policy",
        "assume_role_policy",
        "policy_arn",
        "inline_policy",
        "managed_policy_arns",
        "permissions_boundary",
    ),
    "aws_s3_bucket": ("policy", "acl", "grant"),
    "aws_s3_bucket_policy": ("policy",),
    "aws_s3_bucket_acl": (),
    "aws_s3_bucket_public_access_block": (),
    "aws_s3_account_public_access_block": (),
    "aws_kms_key": ("policy", "enable_key_rotation", "is_enabled"),
    "aws_sqs_queue": ("policy",),
    "aws_sqs_queue_policy": ("policy",),
    "aws_sns_topic": ("policy",),
    "aws_sns_topic_policy": ("policy",),
}


@dataclass(frozen=True)
class SeverityOverride:
    """Configuration: findings of types matching ``type`` (and of ``kind``, if set) get this."""

    severity: Severity
    type: str = "*"
    kind: FindingKind | None = None

    def applies(self, kind: FindingKind, resource_type: str) -> bool:
        """True when this override covers the finding."""
        return (self.kind is None or self.kind is kind) and fnmatchcase(resource_type, self.type)


@dataclass(frozen=True)
class SeverityPolicy:
    """Severity rules; ``SeverityPolicy()`` is the documented default (module doc)."""

    defaults: Mapping[FindingKind, Severity] = field(default_factory=lambda: DEFAULT_SEVERITIES)
    security: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SECURITY_ATTRIBUTES)
    security_severity: Severity = Severity.HIGH
    computed_only: Severity = Severity.LOW
    overrides: tuple[SeverityOverride, ...] = ()

    def rate(
        self,
        kind: FindingKind,
        resource_type: str,
        differences: Sequence[Difference] = (),
        rule_severity: Severity | None = None,
    ) -> Severity:
        """The severity of one finding (precedence in the module doc)."""
        for override in reversed(self.overrides):
            if override.applies(kind, resource_type):
                return override.severity
        if rule_severity is not None:
            return rule_severity
        if differences and all(d.computed for d in differences):
            return self.computed_only
        if self._security_relevant(kind, resource_type, differences):
            return self.security_severity
        return self.defaults.get(kind, Severity.MEDIUM)

    def _security_relevant(
        self, kind: FindingKind, resource_type: str, differences: Sequence[Difference]
    ) -> bool:
        for pattern, attributes in self.security.items():
            if not fnmatchcase(resource_type, pattern):
                continue
            if kind is FindingKind.UNMANAGED and not attributes:
                return True
            if kind in (FindingKind.CHANGED, FindingKind.BASELINE_VIOLATION) and any(
                not attributes or (d.path and d.path[0] in attributes) for d in differences
            ):
                return True
        return False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, source: str = "severity") -> SeverityPolicy:
        """From configuration data::

            {"defaults": {"unmanaged": "high"},
             "overrides": [{"type": "aws_iam_*", "kind": "changed", "severity": "critical"}]}

        Unknown kinds or severities raise a one-line ``ConfigError`` naming ``source``.
        """
        data = data or {}
        unknown = sorted(set(data) - {"defaults", "overrides"})
        if unknown:
            raise ConfigError(
                f"{source}: unknown key {unknown[0]!r} (allowed: defaults, overrides)"
            )
        defaults = dict(DEFAULT_SEVERITIES)
        for kind, severity in (data.get("defaults") or {}).items():
            where = f"{source}: defaults.{kind}"
            defaults[_enum(FindingKind, kind, where)] = _enum(Severity, severity, where)
        overrides = []
        for index, item in enumerate(data.get("overrides") or ()):
            where = f"{source}: overrides[{index}]"
            if not isinstance(item, Mapping) or "severity" not in item:
                raise ConfigError(f"{where}: expected a mapping with a 'severity'")
            kind = item.get("kind")
            overrides.append(
                SeverityOverride(
                    severity=_enum(Severity, item["severity"], f"{where}.severity"),
                    type=str(item.get("type", "*")),
                    kind=_enum(FindingKind, kind, f"{where}.kind") if kind else None,
                )
            )
        return cls(defaults=defaults, overrides=tuple(overrides))


E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], value: Any, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        valid = ", ".join(str(v) for v in kind)
        raise ConfigError(f"{where}: {value!r} is not one of {valid}") from None
