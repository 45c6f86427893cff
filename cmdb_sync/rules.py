"""The rules file (``cmdb sync --rules FILE``): YAML over the defaults of ``config.py``.

Each top-level section replaces its default (``classes`` merges over the built-in map); every
mistake is one ``ConfigError`` line naming the file and the field (``rules.yml:
authority[2].priority: required, an integer``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from change_control.errors import ConfigError
from change_control.yamlfile import read_yaml
from cmdb_sync.config import (
    CI_COLUMNS,
    DEFAULT_CLASSES,
    DEFAULT_IDENTIFICATION,
    IDENTIFIER_KINDS,
    AuthorityRule,
    CmdbConfig,
    RunsOn,
    Staleness,
    parse_duration,
)

_TOP_KEYS = frozenset(
    {"identification", "authority", "staleness", "circuit_breaker", "classes",
     "environment_tags", "runs_on"}
)  # fmt: skip


def load_config(path: str | Path | None) -> CmdbConfig:
    """The settings of ``path`` (YAML) over the defaults; ``None`` gives the defaults."""
    if path is None:
        return CmdbConfig()
    origin = str(path)
    doc = read_yaml(Path(path))
    return config_from_mapping(doc or {}, origin)


def config_from_mapping(doc: Any, origin: str) -> CmdbConfig:
    """Build a ``CmdbConfig`` from a parsed document; each section replaces its default."""
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{origin}: the rules file must be a mapping")
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"{origin}: unknown key {unknown[0]!r} (valid: {', '.join(sorted(_TOP_KEYS))})"
        )
    config = CmdbConfig(origin=origin)
    if "identification" in doc:
        config = replace(config, identification=_identification(doc["identification"], origin))
    if "authority" in doc:
        config = replace(config, authority=_authority(doc["authority"], origin))
    if "staleness" in doc:
        config = replace(config, staleness=_staleness(doc["staleness"], origin))
    if "circuit_breaker" in doc:
        config = replace(config, circuit_breaker=_breaker(doc["circuit_breaker"], origin))
    if "classes" in doc:
        classes = _str_map(doc["classes"], f"{origin}: classes")
        config = replace(config, classes={**DEFAULT_CLASSES, **classes})
    if "environment_tags" in doc:
        tags = _str_list(doc["environment_tags"], f"{origin}: environment_tags")
        config = replace(config, environment_tags=tags)
    if "runs_on" in doc:
        config = replace(config, runs_on=_runs_on(doc["runs_on"], origin))
    return config


def _identification(value: Any, origin: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    where = f"{origin}: identification"
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must map a class (or '*') to a list of identifier entries")
    out = dict(DEFAULT_IDENTIFICATION)
    for ci_class, entries in value.items():
        here = f"{where}.{ci_class}"
        if not isinstance(entries, list):
            raise ConfigError(f"{here}: must be a list of entries such as [arn] or [name, env]")
        parsed: list[tuple[str, ...]] = []
        for number, entry in enumerate(entries):
            names = _str_list(entry, f"{here}[{number}]")
            bad = [n for n in names if n not in IDENTIFIER_KINDS | CI_COLUMNS]
            if bad or not names:
                valid = ", ".join(sorted(IDENTIFIER_KINDS | CI_COLUMNS))
                raise ConfigError(
                    f"{here}[{number}]: unknown identifier {bad[0] if bad else '(empty)'!r} "
                    f"(valid: {valid})"
                )
            parsed.append(names)
        out[str(ci_class)] = tuple(parsed)
    return out


def _authority(value: Any, origin: str) -> tuple[AuthorityRule, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{origin}: authority: must be a list of rules")
    return tuple(_rule(item, f"{origin}: authority[{n}]") for n, item in enumerate(value))


_RULE_KEYS = frozenset(
    {"source", "priority", "attributes", "classes", "null_overwrites", "stale_after", "write"}
)


def _rule(item: Any, where: str) -> AuthorityRule:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: must be a mapping with source and priority")
    unknown = sorted(set(item) - _RULE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (valid: {', '.join(sorted(_RULE_KEYS))})"
        )
    source = item.get("source")
    if not isinstance(source, str) or not source:
        raise ConfigError(f"{where}.source: required (a source kind such as tfstate, or a name)")
    priority = item.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise ConfigError(f"{where}.priority: required, an integer (smaller wins)")
    stale = item.get("stale_after")
    return AuthorityRule(
        source=source,
        priority=priority,
        attributes=_str_list(item.get("attributes", ["*"]), f"{where}.attributes"),
        classes=_str_list(item.get("classes", ["*"]), f"{where}.classes"),
        null_overwrites=_bool(item.get("null_overwrites", False), f"{where}.null_overwrites"),
        stale_after=None if stale is None else parse_duration(stale, f"{where}.stale_after"),
        write=_bool(item.get("write", True), f"{where}.write"),
    )


def _staleness(value: Any, origin: str) -> Staleness:
    where = f"{origin}: staleness"
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must be a mapping")
    base = Staleness()
    stale = _count(
        value.get("stale_after_runs", base.stale_after_runs), f"{where}.stale_after_runs"
    )
    retire = _count(
        value.get("retire_after_runs", base.retire_after_runs), f"{where}.retire_after_runs"
    )
    if retire < stale:
        raise ConfigError(f"{where}.retire_after_runs: must be >= stale_after_runs ({stale})")
    delete = parse_duration(value.get("delete_after", "90d"), f"{where}.delete_after")
    return Staleness(stale, retire, delete)


def _breaker(value: Any, origin: str) -> float:
    where = f"{origin}: circuit_breaker"
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1]) / 100
        except ValueError:
            raise ConfigError(f"{where}: {value!r} is not a percentage") from None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: give a fraction between 0 and 1 or a percentage like 50%")
    return float(value)


def _runs_on(value: Any, origin: str) -> RunsOn:
    where = f"{origin}: runs_on"
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must be a mapping with classes and ip_attributes")
    base = RunsOn()
    return RunsOn(
        classes=_str_list(value.get("classes", list(base.classes)), f"{where}.classes"),
        ip_attributes=_str_list(
            value.get("ip_attributes", list(base.ip_attributes)), f"{where}.ip_attributes"
        ),
    )


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: must be a whole number of runs, at least 1")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: must be true or false")
    return value


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: must be a list of names")
    return tuple(value)


def _str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise ConfigError(f"{where}: must map resource types to class names")
    return dict(value)
