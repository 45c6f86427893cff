"""From a schema-valid ``changegate.yml`` document to ``Policy``, with the semantic checks.

The JSON Schema checks shape and types; what it cannot express is checked here: time zones
exist, times parse, a freeze ends after it starts, weekly ranges are well formed, template
modules are module names and regexes compile. Errors name the same key paths as schema errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from change_control.errors import ConfigError, InputError
from change_control.model import ChangeType, Risk
from change_control.policy.freeze import parse_weekly
from change_control.policy.matching import is_module_name
from change_control.policy.model import (
    DEFAULT_READ_ONLY_MODULES,
    ApprovalRule,
    ArgConstraint,
    EmergencyRules,
    FreezeWindow,
    GateScope,
    Policy,
    SodRules,
    StandardTemplate,
)
from change_control.timeutil import isoformat, parse_instant, zone

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
Doc = Mapping[str, Any]
T = TypeVar("T")


def key_path(path: Sequence[str | int]) -> str:
    """Render a key path as people write it: ``freeze[1].tz``, ``standard_changes.x.args``."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def _fail(source: str, path: Sequence[str | int], what: str) -> NoReturn:
    raise ConfigError(f"{source}: {key_path(path)}: {what}")


def build_policy(doc: Doc, source: str) -> Policy:
    """The ``Policy`` a schema-valid document describes; absent sections keep their defaults."""
    defaults = Policy()
    gate: Doc = doc.get("gate", {})
    return Policy(
        gate=_gate(gate),
        approvals=_approvals(doc["approvals"], source)
        if "approvals" in doc
        else defaults.approvals,
        sod=SodRules(**doc.get("sod", {})),
        freezes=tuple(
            _freeze(entry, source, index) for index, entry in enumerate(doc.get("freeze", []))
        ),
        standard_changes={
            name: _template(name, body, source)
            for name, body in doc.get("standard_changes", {}).items()
        },
        emergency=EmergencyRules(**doc.get("emergency", {})),
        fail_closed=gate.get("fail_closed", defaults.fail_closed),
        redact=tuple(doc.get("redact", ())),
        store_url=doc.get("store", {}).get("url"),
        source=source,
    )


def _gate(gate: Doc) -> GateScope:
    defaults = GateScope()
    return GateScope(
        hosts=tuple(gate.get("hosts", defaults.hosts)),
        exempt_hosts=tuple(gate.get("exempt_hosts", defaults.exempt_hosts)),
        environments=tuple(gate.get("environments", defaults.environments)),
        modules=tuple(gate.get("modules", defaults.modules)),
        read_only_modules=DEFAULT_READ_ONLY_MODULES + tuple(gate.get("read_only", ())),
    )


def _approvals(rules: Sequence[Doc], source: str) -> tuple[ApprovalRule, ...]:
    built: list[ApprovalRule] = []
    for index, rule in enumerate(rules):
        count = rule.get("count", 1)
        groups = tuple(rule.get("groups", ()))
        if count < len(groups):
            # One approval carries one group, so fewer approvals than groups can never pass.
            _fail(
                source,
                ["approvals", index, "count"],
                f"{count} approval(s) cannot cover {len(groups)} groups ({', '.join(groups)}); "
                f"set count to at least {len(groups)}",
            )
        built.append(ApprovalRule(tuple(Risk(r) for r in rule["risk"]), count, groups))
    return tuple(built)


def _freeze(entry: Doc, source: str, index: int) -> FreezeWindow:
    path: list[str | int] = ["freeze", index]
    tz: str = entry.get("tz", "UTC")
    _converted(lambda: zone(tz, field=_field(source, [*path, "tz"])))
    has_range = "start" in entry or "end" in entry
    start: datetime | None = None
    end: datetime | None = None
    weekly: str | None = entry.get("weekly")
    if has_range and weekly is not None:
        _fail(source, path, "give either start and end (an absolute freeze) or weekly, not both")
    if weekly is not None:
        text = weekly
        _converted(lambda: parse_weekly(text, field=_field(source, [*path, "weekly"])))
    elif has_range:
        start, end = _freeze_range(entry, source, path, tz)
    else:
        _fail(source, path, "give start and end (an absolute freeze) or weekly (a recurring one)")
    return FreezeWindow(
        reason=entry["reason"],
        name=entry.get("name", ""),
        start=start,
        end=end,
        weekly=weekly,
        tz=tz,
        environments=tuple(entry.get("environments", ())),
        exempt_types=tuple(ChangeType(t) for t in entry.get("exempt_types", ())),
    )


def _freeze_range(
    entry: Doc, source: str, path: list[str | int], tz: str
) -> tuple[datetime, datetime]:
    for key, other in (("start", "end"), ("end", "start")):
        if key not in entry:
            _fail(source, path, f"{other} without {key}: an absolute freeze needs both")
    start = _instant(entry["start"], source, [*path, "start"], tz)
    end = _instant(entry["end"], source, [*path, "end"], tz)
    if end <= start:
        _fail(source, [*path, "end"], f"{isoformat(end)} is not after start {isoformat(start)}")
    return start, end


def _instant(text: str, source: str, path: list[str | int], tz: str) -> datetime:
    """An ISO instant; a naive one is read in the freeze's own zone, not in UTC."""
    return _converted(lambda: parse_instant(text, field=_field(source, path), default_tz=zone(tz)))


def _template(name: str, body: Doc, source: str) -> StandardTemplate:
    path: list[str | int] = ["standard_changes", name]
    for index, module in enumerate(body["modules"]):
        if not is_module_name(module):
            _fail(
                source,
                [*path, "modules", index],
                f"{module!r} is not a module name (use a short name such as service or a "
                "fully-qualified one such as ansible.builtin.service)",
            )
    args = {
        arg: _constraint(rule, source, [*path, "args", arg])
        for arg, rule in body.get("args", {}).items()
    }
    return StandardTemplate(
        name=name,
        modules=tuple(body["modules"]),
        args=args,
        description=body.get("description", ""),
    )


def _constraint(rule: Doc, source: str, path: list[str | int]) -> ArgConstraint:
    if rule.get("absent") and len(rule) > 1:
        others = ", ".join(key for key in rule if key != "absent")
        _fail(source, path, f"absent: true cannot be combined with {others}")
    regex = rule.get("regex")
    if regex is not None:
        try:
            re.compile(regex)
        except re.error as exc:
            _fail(source, [*path, "regex"], f"invalid regular expression {regex!r} ({exc})")
    one_of = rule.get("one_of")
    return ArgConstraint(
        equals=rule.get("equals"),
        one_of=tuple(one_of) if one_of is not None else None,
        regex=regex,
        absent=bool(rule.get("absent", False)),
    )


def _field(source: str, path: Sequence[str | int]) -> str:
    """The ``field`` prefix for shared parsers, so their messages carry file and key path."""
    return f"{source}: {key_path(path)}"


def _converted(parse: Callable[[], T]) -> T:
    """Run a shared parser; its ``InputError`` (already naming file and key) becomes config."""
    try:
        return parse()
    except InputError as exc:
        raise ConfigError(exc.message) from None
