"""Name matching for the gate: modules, hosts and environments.

Ansible lets one module go by several names (``service``, ``ansible.builtin.service``,
``ansible.legacy.service``). If the gate compared raw names, writing a task with a different
spelling would be a way around it, so every comparison goes through ``canonical_module``.
Host names are compared case-insensitively because DNS and inventories are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase

from change_control.policy.model import Policy

BUILTIN = "ansible.builtin."
_LEGACY = "ansible.legacy."
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){2,}$|^[A-Za-z_]\w*$")


def canonical_module(name: str) -> str:
    """The fully-qualified name Ansible would run: short and ``ansible.legacy`` names are builtin.

    >>> canonical_module("service"), canonical_module("ansible.legacy.service")
    ('ansible.builtin.service', 'ansible.builtin.service')
    """
    clean = name.strip().casefold()
    if clean.startswith(_LEGACY):
        return BUILTIN + clean.removeprefix(_LEGACY)
    if "." not in clean:
        return BUILTIN + clean
    return clean


def short_module(name: str) -> str:
    """The last component of a module name (``ansible.builtin.service`` -> ``service``)."""
    return canonical_module(name).rsplit(".", 1)[-1]


def is_module_name(name: str) -> bool:
    """True for a short module name or a fully-qualified ``namespace.collection.name``."""
    return _MODULE_NAME.match(name.strip()) is not None


def module_matches(module: str, patterns: Iterable[str]) -> bool:
    """True when ``module`` matches any fnmatch pattern, by its FQCN or by its short name.

    A pattern is canonicalised like a module (``ansible.legacy.x`` means ``ansible.builtin.x``).
    A pattern without a dot (``service``, ``*_info``) is compared with the short name as well,
    so it matches that name in any collection; write an FQCN to be exact.
    """
    fqcn = canonical_module(module)
    short = short_module(module)
    for pattern in patterns:
        canonical = canonical_pattern(pattern)
        if fnmatchcase(fqcn, canonical) or ("." not in canonical and fnmatchcase(short, canonical)):
            return True
    return False


def canonical_pattern(pattern: str) -> str:
    """A module pattern in canonical form: ``ansible.legacy.`` becomes ``ansible.builtin.``."""
    folded = pattern.strip().casefold()
    if folded.startswith(_LEGACY):
        return BUILTIN + folded.removeprefix(_LEGACY)
    return folded


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """True when ``host`` matches any shell-style pattern, ignoring case."""
    name = host.strip().casefold()
    return any(fnmatchcase(name, pattern.strip().casefold()) for pattern in patterns)


def environment_in(environment: str | None, environments: Iterable[str]) -> bool:
    """True when ``environment`` is one of ``environments`` (case-insensitive)."""
    if environment is None:
        return False
    wanted = environment.strip().casefold()
    return any(env.strip().casefold() == wanted for env in environments)


def module_is_gated(policy: Policy, module: str) -> bool:
    """True when ``module`` needs a change: it matches ``gate.modules`` and is not read-only."""
    gate = policy.gate
    return module_matches(module, gate.modules) and not module_matches(
        module, gate.read_only_modules
    )


def host_is_gated(policy: Policy, host: str, environment: str | None) -> bool:
    """True when tasks on ``host`` in ``environment`` are guarded by the gate.

    The host must match ``gate.hosts`` and no ``gate.exempt_hosts`` pattern. When
    ``gate.environments`` is non-empty the environment must be one of them; an unknown
    environment (``None``) counts as gated, because the gate cannot prove it is not production.
    """
    gate = policy.gate
    if not host_matches(host, gate.hosts) or host_matches(host, gate.exempt_hosts):
        return False
    if not gate.environments or environment is None:
        return True
    return environment_in(environment, gate.environments)
