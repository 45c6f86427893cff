"""Reconciliation settings declared as data: identification rules, authority, staleness.

Everything a CMDB owner argues about lives here rather than in code: which identifiers
identify a CI of each class and in which order (ServiceNow's identification rules), which data
source may write which attribute with which priority (reconciliation rules), whether a null may
overwrite a value, how long a source's write stays authoritative (data refresh rules), how many
complete runs make a missing item stale and retired, how long a retired CI is kept, and the
circuit breaker. ``rules.load_config`` reads a YAML file (``cmdb sync --rules FILE``) over
these defaults.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from change_control.errors import ConfigError

#: CI-level fields that take part in the merge like attributes, under reserved names.
CI_FIELDS = ("ci.name", "ci.environment", "ci.drift_status")
#: Identifier kinds an identification rule may name, plus the CI columns it may match on.
IDENTIFIER_KINDS = frozenset(
    {"arn", "provider_id", "machine_id", "product_uuid", "fqdn", "tf_address", "ansible_host",
     "ansible_group", "module"}
)  # fmt: skip
CI_COLUMNS = frozenset({"name", "environment"})
#: Priority of a source no authority rule mentions: it writes only what nobody else wrote.
UNRULED_PRIORITY = 1000
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class AuthorityRule:
    """Which source may write which attributes of which classes, and how strongly.

    ``source`` is a data source kind (``tfstate``) or a name pattern (``tfstate:*prod*``).
    ``attributes`` lists attribute names, ``*`` (every attribute) or CI fields (``ci.name``,
    ``ci.*``). A smaller ``priority`` wins. After ``stale_after`` without a new write by this
    source, a lower-priority source may take the attribute over.
    """

    source: str
    priority: int
    attributes: tuple[str, ...] = ("*",)
    classes: tuple[str, ...] = ("*",)
    null_overwrites: bool = False
    stale_after: timedelta | None = None
    write: bool = True

    def matches_source(self, name: str, kind: str) -> bool:
        """Whether the rule is about the data source ``name`` of ``kind``."""
        if ":" in self.source:
            return fnmatchcase(name, self.source)
        return self.source == kind

    def specificity(self, attribute: str, ci_class: str) -> tuple[int, int] | None:
        """How precisely the rule names (attribute, class); ``None`` when it does not apply.

        A rule naming the attribute beats a wildcard, and a rule naming the class beats
        ``*``: the same order ServiceNow's reconciliation rules use.
        """
        if attribute in self.attributes:
            attr_rank = 2
        elif attribute.startswith("ci."):
            attr_rank = 1 if "ci.*" in self.attributes else -1
        else:
            attr_rank = 1 if "*" in self.attributes else -1
        if attr_rank < 0:
            return None
        if ci_class in self.classes:
            return attr_rank, 2
        return (attr_rank, 1) if "*" in self.classes else None


@dataclass(frozen=True)
class Authority:
    """What the rules say about one (source, class, attribute)."""

    priority: int = UNRULED_PRIORITY
    null_overwrites: bool = False
    stale_after: timedelta | None = None
    write: bool = True


@dataclass(frozen=True)
class Staleness:
    """How missing items age: only complete runs count (see ``staleness.py``)."""

    stale_after_runs: int = 1
    retire_after_runs: int = 3
    delete_after: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class RunsOn:
    """How a host finds the instance it runs on when its facts name no instance id."""

    classes: tuple[str, ...] = ("vm_instance",)
    ip_attributes: tuple[str, ...] = ("private_ip", "public_ip")


#: Terraform/AWS resource type -> CI class (ServiceNow's Terraform connector classes, short).
DEFAULT_CLASSES: Mapping[str, str] = {
    "aws_instance": "vm_instance",
    "aws_s3_bucket": "object_storage",
    "aws_vpc": "network",
    "aws_subnet": "subnet",
    "aws_security_group": "security_group",
    "aws_db_instance": "database",
    "aws_rds_cluster_instance": "database",
    "aws_rds_cluster": "db_cluster",
    "aws_dynamodb_table": "dynamodb_table",
    "aws_lambda_function": "function",
    "aws_lb": "load_balancer",
    "aws_alb": "load_balancer",
    "aws_ecs_cluster": "ecs_cluster",
    "aws_eks_cluster": "kubernetes_cluster",
    "aws_ebs_volume": "storage_volume",
    "aws_iam_role": "iam_role",
    "aws_iam_user": "iam_user",
}

_DAY = timedelta(days=1)
#: Live data outranks declared data but ages in a day; an audit alone decides drift status.
DEFAULT_AUTHORITY: tuple[AuthorityRule, ...] = (
    AuthorityRule("audit", 1, ("ci.drift_status",), stale_after=30 * _DAY),
    AuthorityRule("snapshot", 10, ("*",), stale_after=_DAY),
    AuthorityRule("ansible", 10, ("*", "ci.*"), ("host", "ansible_group"), stale_after=7 * _DAY),
    AuthorityRule("tfstate", 20, ("*", "ci.name", "ci.environment"), stale_after=30 * _DAY),
    AuthorityRule("snapshot", 30, ("ci.name", "ci.environment"), stale_after=_DAY),
)

DEFAULT_IDENTIFICATION: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "*": (("arn",), ("provider_id",)),
    "host": (("machine_id",), ("product_uuid",), ("fqdn",)),
    "terraform_module": (),
    "ansible_group": (),
}


@dataclass(frozen=True)
class CmdbConfig:
    """Every reconciliation setting, defaults filled in."""

    identification: Mapping[str, tuple[tuple[str, ...], ...]] = field(
        default_factory=lambda: dict(DEFAULT_IDENTIFICATION)
    )
    authority: tuple[AuthorityRule, ...] = DEFAULT_AUTHORITY
    staleness: Staleness = field(default_factory=Staleness)
    circuit_breaker: float = 0.5
    classes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CLASSES))
    environment_tags: tuple[str, ...] = ("Environment", "environment", "env", "Env")
    runs_on: RunsOn = field(default_factory=RunsOn)
    origin: str = "(defaults)"
    _memo: dict[tuple[str, str, str], Authority] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _tables: dict[tuple[str, str], dict[str, Authority]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def rules_for(self, ci_class: str) -> tuple[tuple[str, ...], ...]:
        """The ordered identifier entries for ``ci_class`` (the class's own, else ``*``)."""
        if ci_class in self.identification:
            return self.identification[ci_class]
        return self.identification.get("*", ())

    def class_of(self, resource_type: str) -> str:
        """The CI class of a Terraform/AWS resource type; unmapped types keep their name."""
        return self.classes.get(resource_type, resource_type)

    def authority_for(self, source: str, kind: str, ci_class: str, attribute: str) -> Authority:
        """The most specific rule about (source, class, attribute); ties go to the first.

        Memoized: a sync asks the same question for every item of a class.
        """
        key = (source, ci_class, attribute)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._authority(source, kind, ci_class, attribute)
        return found

    def authorities(self, source: str, ci_class: str) -> dict[str, Authority]:
        """The per-attribute answers already given for (source, class), to be filled by the
        caller through ``authority_for``: one plain dict look-up per attribute in hot loops."""
        key = (source, ci_class)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = {}
        return table

    def _authority(self, source: str, kind: str, ci_class: str, attribute: str) -> Authority:
        best: tuple[tuple[int, int], AuthorityRule] | None = None
        for rule in self.authority:
            if not rule.matches_source(source, kind):
                continue
            rank = rule.specificity(attribute, ci_class)
            if rank is not None and (best is None or rank > best[0]):
                best = (rank, rule)
        if best is None:
            return Authority()
        rule = best[1]
        return Authority(rule.priority, rule.null_overwrites, rule.stale_after, rule.write)

    def digest(self) -> str:
        """A short digest of the settings: a changed config re-reconciles unchanged inputs."""
        doc = {
            "identification": {k: [list(e) for e in v] for k, v in self.identification.items()},
            "authority": [repr(rule) for rule in self.authority],
            "staleness": repr(self.staleness),
            "breaker": self.circuit_breaker,
            "classes": dict(self.classes),
            "env": list(self.environment_tags),
            "runs_on": repr(self.runs_on),
        }
        text = json.dumps(doc, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_duration(value: Any, where: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` (or a number of seconds) as a timedelta."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(f"{where}: {value!r} is not a duration (use 30d, 12h, 90m, 45s or 2w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
