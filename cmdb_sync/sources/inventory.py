"""Static Ansible inventories without Ansible: INI, YAML and ``ansible-inventory --list`` JSON.

``ansible-core`` is not a dependency of the pip package, so ``cmdb sync --from ansible=...``
reads the three static formats itself: INI (``[group]``, ``[group:vars]``,
``[group:children]``, host ranges such as ``web[01:03]``), the YAML layout (``all: {hosts,
children, vars}``) and the JSON that ``ansible-inventory -i ANY --list`` prints, which is how a
dynamic inventory (a script, a cloud plugin) is brought in.
"""

from __future__ import annotations

import json
import re
import shlex
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from change_control.errors import InputError

#: Groups every inventory has implicitly; they do not become CIs.
IMPLICIT_GROUPS = frozenset({"all", "ungrouped"})
_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]")
_SECTION = re.compile(r"^\[([^\]:]+)(?::(vars|children))?\]\s*$")


@dataclass
class Group:
    """One inventory group: its own hosts, child groups and variables."""

    name: str
    hosts: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass
class Inventory:
    """Hosts with their own variables, and groups."""

    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    def group(self, name: str) -> Group:
        """The group ``name``, created on first mention."""
        return self.groups.setdefault(name, Group(name))

    def add_host(self, name: str, variables: Mapping[str, Any], group: str | None) -> None:
        """Record a host (variables merge when it appears twice) and its group."""
        self.hosts.setdefault(name, {}).update(variables)
        if group is not None:
            self.group(group).hosts.add(name)

    def groups_of(self, host: str) -> list[str]:
        """The groups that list ``host`` directly, sorted, without the implicit ones."""
        return sorted(
            g.name
            for g in self.groups.values()
            if host in g.hosts and g.name not in IMPLICIT_GROUPS
        )

    def parents_of(self, group: str) -> list[str]:
        """The groups that list ``group`` as a child, sorted, without the implicit ones."""
        return sorted(
            g.name
            for g in self.groups.values()
            if group in g.children and g.name not in IMPLICIT_GROUPS
        )

    def ancestors(self, host: str) -> list[str]:
        """Every group of ``host``, nearest first (for variable precedence)."""
        order: list[str] = []
        frontier = self.groups_of(host)
        while frontier:
            order.extend(g for g in frontier if g not in order)
            frontier = [p for g in frontier for p in self.parents_of(g) if p not in order]
        return order

    def effective_vars(self, host: str) -> dict[str, Any]:
        """``all`` vars < farther groups < nearer groups < the host's own vars."""
        merged: dict[str, Any] = dict(self.groups.get("all", Group("all")).vars)
        for name in reversed(self.ancestors(host)):
            merged.update(self.groups[name].vars)
        merged.update(self.hosts.get(host, {}))
        return merged


def parse_inventory(text: str, origin: str) -> Inventory:
    """Recognise the format by content and parse it; errors name the file and the line."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{origin}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
        return _from_list_json(doc, origin)
    if _looks_like_yaml(stripped):
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError(f"{origin}: invalid YAML inventory") from None
        return _from_yaml(doc, origin)
    return _from_ini(text, origin)


def _looks_like_yaml(text: str) -> bool:
    first = next(
        (ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), ""
    )
    return first.startswith("---") or (first.rstrip().endswith(":") and not first.startswith("["))


def _from_ini(text: str, origin: str) -> Inventory:
    inventory = Inventory()
    section, mode = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = _SECTION.match(line)
        if header:
            section, mode = header.group(1), header.group(2) or "hosts"
            inventory.group(section)
            continue
        where = f"{origin}:{number}"
        if mode == "vars":
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise InputError(f"{where}: expected KEY=VALUE in [{section}:vars]")
            inventory.group(section).vars[key.strip()] = _scalar(value.strip())
        elif mode == "children":
            child = line.split()[0]
            inventory.group(section).children.add(child)
            inventory.group(child)
        else:
            _ini_host(inventory, line, section, where)
    return inventory


def _ini_host(inventory: Inventory, line: str, group: str, where: str) -> None:
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    if not words:
        return
    variables: dict[str, Any] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise InputError(f"{where}: expected KEY=VALUE after the host name, got {word!r}")
        variables[key] = _scalar(value)
    for host in expand_range(words[0], where):
        inventory.add_host(host, variables, group)


def expand_range(pattern: str, where: str) -> Iterator[str]:
    """``web[01:03]`` -> web01, web02, web03; ``db-[a:c]`` -> db-a, db-b, db-c."""
    match = _RANGE.search(pattern)
    if match is None:
        yield pattern
        return
    start, end, step_text = match.groups()
    step = int(step_text) if step_text else 1
    head, tail = pattern[: match.start()], pattern[match.end() :]
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(n).zfill(width) for n in range(int(start), int(end) + 1, step)]
    elif len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha():
        letters = string.ascii_letters
        values = list(letters[letters.index(start) : letters.index(end) + 1 : step])
    else:
        raise InputError(f"{where}: bad host range {match.group(0)!r} (use [01:10] or [a:f])")
    for value in values:
        yield from expand_range(head + value + tail, where)


def _scalar(text: str) -> Any:
    """INI values: numbers and booleans become typed (as Ansible's INI parser does)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _from_yaml(doc: Any, origin: str) -> Inventory:
    if not isinstance(doc, Mapping):
        raise InputError(f"{origin}: a YAML inventory must be a mapping of groups")
    inventory = Inventory()
    for name, body in doc.items():
        _yaml_group(inventory, str(name), body, origin)
    return inventory


def _yaml_group(inventory: Inventory, name: str, body: Any, origin: str) -> None:
    group = inventory.group(name)
    if body is None:
        return
    if not isinstance(body, Mapping):
        raise InputError(f"{origin}: group {name!r} must be a mapping (hosts, children, vars)")
    hosts = body.get("hosts") or {}
    if not isinstance(hosts, Mapping):
        raise InputError(f"{origin}: {name}.hosts must be a mapping of host names")
    for host, variables in hosts.items():
        for expanded in expand_range(str(host), f"{origin}: {name}.hosts"):
            inventory.add_host(expanded, dict(variables or {}), name)
    variables = body.get("vars") or {}
    if not isinstance(variables, Mapping):
        raise InputError(f"{origin}: {name}.vars must be a mapping")
    group.vars.update(variables)
    children = body.get("children") or {}
    if not isinstance(children, Mapping):
        raise InputError(f"{origin}: {name}.children must be a mapping of groups")
    for child, child_body in children.items():
        group.children.add(str(child))
        _yaml_group(inventory, str(child), child_body, origin)


def _from_list_json(doc: Any, origin: str) -> Inventory:
    if not isinstance(doc, Mapping):
        raise InputError(f"{origin}: not an `ansible-inventory --list` document")
    meta = doc.get("_meta", {})
    hostvars = meta.get("hostvars", {}) if isinstance(meta, Mapping) else {}
    inventory = Inventory()
    for name, body in doc.items():
        if name == "_meta" or not isinstance(body, Mapping):
            continue
        group = inventory.group(str(name))
        group.vars.update(body.get("vars") or {})
        group.children.update(str(c) for c in body.get("children") or ())
        for host in body.get("hosts") or ():
            inventory.add_host(str(host), dict(hostvars.get(host) or {}), str(name))
    return inventory
