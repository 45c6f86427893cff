"""Reading ``changegate.yml``: YAML, then the JSON Schema, then semantic checks, then ``Policy``.

Every failure is a ``ConfigError`` with ONE line naming the file, the key path and what is
wrong (``changegate.yml: freeze[1].tz: unknown time zone 'Europe/Berln' ...``), because the
people who read it are on-call engineers looking at a failed playbook, not at a stack trace.
PyYAML and jsonschema are imported only when a file is read, so importing the policy package
(for ``evaluate``) stays cheap for the CLI and the Ansible plugins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from change_control.errors import ConfigError
from change_control.policy.build import build_policy, key_path
from change_control.policy.model import Policy
from change_control.yamlfile import read_yaml

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_SECTIONS = frozenset(
    ("version", "store", "gate", "approvals", "sod", "freeze", "standard_changes", "emergency")
) | {"redact"}
_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``changegate.yml``, shipped as package data."""
    text = files("change_control.policy").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_policy(path: Path | None) -> Policy:
    """The policy in ``path``; ``None`` gives the documented safe default ``Policy()``."""
    if path is None:
        return Policy()
    return parse_policy(read_yaml(path), str(path))


def parse_policy(data: object, source: str) -> Policy:
    """Validate already-parsed YAML ``data`` and build the ``Policy``; ``source`` names the file.

    An empty document is the default policy. A top-level section with no value (``gate:`` with
    everything below commented out) counts as absent. YAML timestamps are read back as ISO text
    so that quoting a freeze time or not makes no difference.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: the policy must be a mapping of sections (got {_describe(data)})"
        )
    cleaned = {key: value for key, value in data.items() if not _empty_section(key, value)}
    document = _plain(cleaned)
    _validate(document, source)
    return build_policy(document, source)


def _empty_section(key: object, value: object) -> bool:
    return key in _SECTIONS and value is None


def _plain(value: Any) -> Any:
    """Copy of ``value`` with YAML dates and timestamps turned into ISO 8601 text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _validate(document: Mapping[str, Any], source: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(policy_schema())
    error = best_match(validator.iter_errors(document))
    if error is not None:
        raise ConfigError(render_error(error, source))


def render_error(error: ValidationError, source: str) -> str:
    """One line for a jsonschema error: ``<file>: <key path>: <what is wrong>``."""
    path = list(error.absolute_path)
    what = _explain(error, path)
    where = key_path(path)
    return f"{source}: {where}: {what}" if where else f"{source}: {what}"


def _explain(error: ValidationError, path: list[str | int]) -> str:
    """What is wrong, in words; may extend ``path`` (an unknown key names itself)."""
    instance = error.instance
    if "propertyNames" in error.relative_schema_path:
        return f"key {instance!r} must be non-empty text"
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = _properties(error)
        extra = [key for key in instance if key not in allowed]
        path.append(extra[0] if extra else "?")
        return f"unknown key (allowed: {', '.join(allowed)})"
    explain = _EXPLAIN.get(str(error.validator))
    return explain(error) if explain is not None else error.message


def _properties(error: ValidationError) -> list[str]:
    schema = error.schema
    return list(schema.get("properties", {})) if isinstance(schema, Mapping) else []


def _expected(error: ValidationError) -> list[Any]:
    value = error.validator_value
    return list(value) if isinstance(value, list | tuple) else [value]


def _explain_required(error: ValidationError) -> str:
    instance = error.instance if isinstance(error.instance, dict) else {}
    missing = [key for key in _expected(error) if key not in instance]
    return f"missing required key {missing[0]!r}" if missing else error.message


def _explain_type(error: ValidationError) -> str:
    wanted = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in _expected(error))
    return f"expected {wanted} (got {_describe(error.instance)})"


_EXPLAIN: dict[str, Callable[[ValidationError], str]] = {
    "required": _explain_required,
    "type": _explain_type,
    "enum": lambda e: f"{e.instance!r} is not one of {', '.join(map(str, _expected(e)))}",
    "const": lambda e: f"must be {e.validator_value!r} (got {e.instance!r})",
    "minimum": lambda e: f"must be at least {e.validator_value} (got {e.instance!r})",
    "minProperties": lambda e: f"must set at least one of {', '.join(_properties(e))}",
    "minItems": lambda e: "must not be empty",
    "minLength": lambda e: "must not be empty",
}


def _describe(value: object) -> str:
    """A value as a reader of the YAML file would name it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "a mapping"
