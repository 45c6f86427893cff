"""The normalization rules: small functions over plain JSON attributes, one lesson each.

Every rule takes attributes that ``prune`` has already cleaned and returns them still clean (no
null, "", [] or {} anywhere), so the pipeline prunes once. Rules may change the dictionary
they are given: ``normalize`` hands them a fresh copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def prune(value: Any) -> Any:
    """A copy of ``value`` without null, ``""``, empty lists and empty maps, recursively.

    Terraform writes ``null``, ``""``, ``[]`` and ``{}`` for unset attributes depending on the
    provider version and the attribute's type, and the AWS APIs simply omit them: all four mean
    "not set". ``0`` and ``false`` are values and stay.
    """
    if type(value) is dict:
        return _prune_dict(value)
    if type(value) is list:
        return _prune_list(value)
    return value


def _prune_dict(value: dict[str, Any]) -> dict[str, Any]:
    # Hot path of the whole audit (every attribute of every resource): type checks by
    # identity, the commonest types first.
    out: dict[str, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            if item:
                out[key] = item
        elif kind is dict:
            cleaned = _prune_dict(item)
            if cleaned:
                out[key] = cleaned
        elif kind is list:
            pruned = _prune_list(item)
            if pruned:
                out[key] = pruned
        elif item is not None:
            out[key] = item
    return out


def _prune_list(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        kind = type(item)
        if kind is str:
            if item:
                out.append(item)
        elif kind is dict:
            cleaned = _prune_dict(item)
            if cleaned:
                out.append(cleaned)
        elif kind is list:
            pruned = _prune_list(item)
            if pruned:
                out.append(pruned)
        elif item is not None:
            out.append(item)
    return out


def fold_tags(attributes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``tags_all`` into ``tags`` and drop ``tags_all``.

    ``tags_all`` is ``tags`` plus the provider's ``default_tags``; the API returns one tag set.
    Folding both sides the same way compares the tags the resource really carries, whichever
    side filled which attribute (snyk/driftctl#530, #635). A tag set in ``tags`` wins over the
    same key from the defaults, as in the provider.
    """
    tags_all = attributes.pop("tags_all", None)
    if isinstance(tags_all, dict):
        tags = attributes.get("tags")
        merged = dict(tags_all)
        if isinstance(tags, dict):
            merged.update(tags)
        attributes["tags"] = merged
    return attributes


def drop_fields(attributes: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Remove the top-level ``names``: write-only, create-time or timing fields."""
    for name in names:
        attributes.pop(name, None)
    return attributes


def drop_prefix_hints(attributes: dict[str, Any]) -> dict[str, Any]:
    """Remove ``X_prefix`` when ``X`` is also an attribute (``name_prefix`` next to ``name``).

    Such a prefix only told Terraform how to generate ``X`` at creation; the API knows ``X``
    alone. Requiring ``X`` keeps real settings such as ``s3_key_prefix`` or ``target_prefix``.
    """
    hints = [
        key
        for key in attributes
        if key.endswith("_prefix") and key[: -len("_prefix")] in attributes
    ]
    for key in hints:
        del attributes[key]
    return attributes


def sort_sets(attributes: dict[str, Any], paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    """Sort the lists at ``paths`` by canonical JSON: they are sets, their order means nothing.

    Deeper paths are sorted first, so a set of blocks is ordered by its already-sorted members.
    """
    for path in sorted(paths, key=len, reverse=True):
        _sort_at(attributes, path)
    return attributes


def sort_named_sets(attributes: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Sort the top-level lists called ``names`` (attributes that are sets on every type)."""
    for name in names:
        value = attributes.get(name)
        if type(value) is list:
            attributes[name] = _sorted(value)
    return attributes


def _sort_at(node: Any, path: tuple[str, ...]) -> None:
    if not path or type(node) is not dict:
        return
    head, rest = path[0], path[1:]
    value = node.get(head)
    if type(value) is not list:
        return
    if not rest:
        node[head] = _sorted(value)
        return
    if rest[0] == "*":
        for item in value:
            _sort_at(item, rest[1:])


def _sorted(items: list[Any]) -> list[Any]:
    if all(type(item) is str for item in items):
        return sorted(items)
    return sorted(items, key=_canonical)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
