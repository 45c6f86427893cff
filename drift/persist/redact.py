"""Keeping secrets out of stored baselines, and comparing around the holes that leaves.

A captured baseline is a copy of a resource's attributes, and a state holds database passwords,
tokens and keys in clear text. The store must never hold them (the issue's canary), so before a
resource is stored every sensitive path is cut out of its attributes and the path itself is
kept instead: the state's ``sensitive_attributes`` and every key with a secret name
(``password``, ``*_token``...), wherever it sits.

At audit time a withheld value cannot be compared, so ``fill_withheld`` copies the live value
into the same path of the baseline: a secret never counts as baseline drift (the declared-vs-live
comparison still reports that it changed, without its value), and any other difference at such a
path stays sensitive because the baseline resource carries the withheld paths as
``sensitive_paths``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from drift.model import Resource
from drift.normalize import is_secret_name

AttrPath = tuple[str | int, ...]


def secret_key_paths(value: Any, prefix: AttrPath = ()) -> list[AttrPath]:
    """Paths of every mapping key with a secret name, at any depth (``db.auth_token``)."""
    found: list[AttrPath] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = (*prefix, str(key))
            if is_secret_name(str(key)):
                found.append(here)
            else:
                found.extend(secret_key_paths(item, here))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(secret_key_paths(item, (*prefix, index)))
    return found


def withhold_secrets(resource: Resource) -> tuple[dict[str, Any], list[AttrPath]]:
    """The attributes without any sensitive value, and the sorted paths that were withheld.

    Every path of the resource's ``sensitive_paths`` is listed even when absent, so a value
    that appears there later (live) is still treated as sensitive. The empty path means the
    whole object is sensitive: nothing of it is kept.
    """
    attributes: dict[str, Any] = copy.deepcopy(dict(resource.attributes))
    paths = set(resource.sensitive_paths) | set(secret_key_paths(attributes))
    if () in paths:
        return {}, [()]
    for path in sorted(paths, key=_sort_key, reverse=True):
        _delete(attributes, path)
    return attributes, sorted(paths, key=_sort_key)


def fill_withheld(baseline: Resource, live: Resource | None) -> Resource:
    """``baseline`` with each withheld path set to the live value there (see module doc)."""
    if not baseline.sensitive_paths or live is None:
        return baseline
    attributes: dict[str, Any] = copy.deepcopy(dict(baseline.attributes))
    if () in baseline.sensitive_paths:
        attributes = copy.deepcopy(dict(live.attributes))
    else:
        for path in sorted(baseline.sensitive_paths, key=_sort_key):
            found, value = _lookup(live.attributes, path)
            if found:
                _set(attributes, path, copy.deepcopy(value))
    return dataclasses.replace(baseline, attributes=attributes)


def paths_to_json(paths: Iterable[AttrPath]) -> list[list[str | int]]:
    """The JSON form stored in ``baselines.sensitive_paths``."""
    return [list(path) for path in paths]


def paths_from_json(data: Any) -> frozenset[AttrPath]:
    """Inverse of ``paths_to_json``; anything malformed is skipped (it can only hide more)."""
    if not isinstance(data, list):
        return frozenset()
    out: set[AttrPath] = set()
    for item in data:
        if isinstance(item, list) and all(isinstance(p, str | int) for p in item):
            out.add(tuple(item))
    return frozenset(out)


def _sort_key(path: AttrPath) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:012d}") if isinstance(p, int) else (1, p) for p in path)


def _holds(node: Any, part: str | int) -> bool:
    """True when ``node[part]`` exists (a key of a mapping, an index of a list)."""
    if isinstance(node, Mapping):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _lookup(node: Any, path: AttrPath) -> tuple[bool, Any]:
    for part in path:
        if not _holds(node, part):
            return False, None
        node = node[part]
    return True, node


def _delete(attributes: dict[str, Any], path: AttrPath) -> None:
    found, parent = _lookup(attributes, path[:-1])
    if not found or not _holds(parent, path[-1]):
        return
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:
        # Keep the positions of the other elements: a list index may be sensitive on its own.
        parent[path[-1]] = None


def _set(attributes: dict[str, Any], path: AttrPath, value: Any) -> None:
    found, parent = _lookup(attributes, path[:-1])
    last = path[-1]
    if not found:
        return
    if (isinstance(parent, dict) and isinstance(last, str)) or _holds(parent, last):
        parent[last] = value
