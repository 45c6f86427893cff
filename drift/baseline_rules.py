"""Policy baselines: what an attribute must be, per resource type, written in YAML.

Where a captured baseline says "exactly as approved", a policy baseline says "whatever else
changes, these hold": buckets stay private, prod instances stay in one of three sizes, nothing
opens SSH. A file looks like::

    version: 1
    rules:
      - name: s3-private
        type: aws_s3_bucket            # a glob, or a list of globs
        severity: high                 # low | medium (default) | high | critical
        select:                        # optional: which resources of that type
          tags: {env: prod}            #   every tag must match (values are globs)
          address: "module.prod.*"     #   a glob or a list of globs
        expect:                        # attribute path -> constraints (all must hold)
          acl: {one_of: [private]}
          versioning[0].enabled: {equals: true}
          tags.owner: {regex: "team-.*"}          # full match on the text form
          website: {absent: true}                 # absent: false means "must be set"
          'tags["kubernetes.io/role"]': {absent: true}
          min_size: {min: 1, max: 10}

Paths are dotted, with ``[n]`` for list elements and ``["key"]`` for keys that contain dots;
they address the normalized attributes (``tags`` already include ``tags_all``, policy
documents are parsed), so a rule sees what the comparison sees. Errors are one line naming the
file and the key path (``rules.yml: rules[0].expect.acl.one_of: must not be empty``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from change_control.errors import ConfigError
from change_control.policy.build import key_path
from change_control.yamlfile import read_yaml
from drift.model import Resource, Severity

AttrPath = tuple[str | int, ...]

_STRINGS = {"type": ["string", "array"], "items": {"type": "string", "minLength": 1}}
SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["rules"],
    "properties": {
        "version": {"const": 1},
        "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
    },
    "$defs": {
        "rule": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "type", "expect"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
                "type": _STRINGS,
                "severity": {"enum": [str(s) for s in Severity]},
                "select": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "tags": {
                            "type": "object",
                            "additionalProperties": {"type": ["string", "number", "boolean"]},
                        },
                        "address": _STRINGS,
                    },
                },
                "expect": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {"$ref": "#/$defs/constraint"},
                },
            },
        },
        "constraint": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "equals": {},
                "one_of": {"type": "array", "minItems": 1},
                "regex": {"type": "string"},
                "absent": {"type": "boolean"},
                "min": {"type": "number"},
                "max": {"type": "number"},
            },
        },
    },
}


@dataclass(frozen=True)
class Constraint:
    """The checks on one attribute path, in file order: ``(kind, operand)`` pairs."""

    path: AttrPath
    text: str
    checks: tuple[tuple[str, Any], ...]

    def failure(self, present: bool, value: Any) -> tuple[str, Any] | None:
        """The first check the value fails, or ``None`` when all hold."""
        for kind, operand in self.checks:
            if not _holds(kind, operand, present, value):
                return kind, operand
        return None


@dataclass(frozen=True)
class BaselineRule:
    """One named rule: which resources, what must hold, how bad a breach is."""

    name: str
    types: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    severity: Severity = Severity.MEDIUM
    description: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    addresses: tuple[str, ...] = ()
    source: str = ""

    def selects(self, resource: Resource) -> bool:
        """True when the rule applies to ``resource`` (type, address and tag selectors)."""
        if not any(fnmatchcase(resource.type, t) for t in self.types):
            return False
        if self.addresses and not (
            resource.address and any(fnmatchcase(resource.address, a) for a in self.addresses)
        ):
            return False
        tags = resource.attributes.get("tags")
        tags = tags if isinstance(tags, Mapping) else {}
        return all(k in tags and fnmatchcase(str(tags[k]), v) for k, v in self.tags)


def lookup(attributes: Mapping[str, Any], path: AttrPath) -> tuple[bool, Any]:
    """``(present, value)`` at ``path``; a missing key or index is "not present"."""
    node: Any = attributes
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                return False, None
        elif not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return node is not None, node


def _holds(kind: str, operand: Any, present: bool, value: Any) -> bool:
    if kind == "absent":
        return present is not operand
    return present and _CHECKS[kind](operand, value)


def _in_range(value: Any, low: float, high: float) -> bool:
    number = _number(value)
    return number is not None and low <= number <= high


_CHECKS: Mapping[str, Callable[[Any, Any], bool]] = {
    "equals": lambda operand, value: bool(value == operand),
    "one_of": lambda operand, value: value in operand,
    "regex": lambda operand, value: re.fullmatch(operand, _text(value)) is not None,
    "min": lambda operand, value: _in_range(value, float(operand), math.inf),
    "max": lambda operand, value: _in_range(value, -math.inf, float(operand)),
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


_PATH_TOKEN = re.compile(
    r"""\[(?P<index>-?\d+)\]|\[(?P<q>["'])(?P<quoted>.*?)(?P=q)\]|(?P<key>[^.\[\]]+)"""
)


def parse_path(text: str) -> AttrPath:
    """``a.b[0]["c.d"]`` -> ``("a", "b", 0, "c.d")``; ``ValueError`` when malformed."""
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        if parts and text[position] == ".":
            position += 1
        match = _PATH_TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read the path {text!r} at character {position + 1}")
        if match.group("index") is not None:
            parts.append(int(match.group("index")))
        else:
            parts.append(match.group("quoted") if match.group("q") else match.group("key"))
        position = match.end()
    if not parts:
        raise ValueError("the path is empty")
    return tuple(parts)


def load_rules(path: Path) -> tuple[BaselineRule, ...]:
    """The rules in a policy-baseline YAML file, or a one-line ``ConfigError``."""
    return parse_rules(read_yaml(path), str(path))


def parse_rules(data: object, source: str) -> tuple[BaselineRule, ...]:
    """Validate parsed YAML and build the rules; ``source`` names the file in errors."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with a 'rules' list")
    _validate(data, source)
    rules: list[BaselineRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["rules"]):
        if raw["name"] in seen:
            where = key_path(["rules", index, "name"])
            raise ConfigError(f"{source}: {where}: duplicate rule name {raw['name']!r}")
        seen.add(raw["name"])
        rules.append(_build_rule(raw, source, ["rules", index]))
    return tuple(rules)


def _build_rule(raw: Mapping[str, Any], source: str, where: list[str | int]) -> BaselineRule:
    select = raw.get("select") or {}
    constraints = tuple(
        _build_constraint(text, checks, source, [*where, "expect", text])
        for text, checks in raw["expect"].items()
    )
    return BaselineRule(
        name=raw["name"],
        types=_strings(raw["type"]),
        constraints=constraints,
        severity=Severity(raw.get("severity", "medium")),
        description=raw.get("description", ""),
        tags=tuple((str(k), _text(v)) for k, v in (select.get("tags") or {}).items()),
        addresses=_strings(select.get("address", ())),
        source=source,
    )


def _build_constraint(
    text: str, checks: Mapping[str, Any], source: str, where: list[str | int]
) -> Constraint:
    try:
        path = parse_path(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: {key_path(where)}: {exc}") from None
    if "regex" in checks:
        try:
            re.compile(checks["regex"])
        except re.error as exc:
            raise ConfigError(
                f"{source}: {key_path([*where, 'regex'])}: invalid regular expression ({exc})"
            ) from None
    if "min" in checks and "max" in checks and checks["min"] > checks["max"]:
        raise ConfigError(f"{source}: {key_path(where)}: min is greater than max")
    return Constraint(path, text, tuple(checks.items()))


def _strings(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _validate(document: Mapping[str, Any], source: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from change_control.policy.loader import render_error

    error = best_match(Draft202012Validator(SCHEMA).iter_errors(document))
    if error is not None:
        raise ConfigError(render_error(error, source))
