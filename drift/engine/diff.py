"""The attribute diff: plain JSON in, CloudFormation-style differences out.

A hand-written recursive walk rather than DeepDiff: normalized attributes are plain JSON
(dict, list, str, int, float, bool), the engine calls it only for the few resources whose
attributes are not ``==``, and it yields exactly the report's shape (path, op, expected,
actual) with no translation. Rules:

- dict keys only in the expected side are ``remove``, only in the actual side ``add``; a
  removed or added mapping is reported key by key (down to non-mapping values), so a field-level
  ignore such as ``aws_s3_bucket.b.tags.env`` can silence one tag of a tag set that vanished;
- lists of mappings of equal length are compared element by element (a statement of a
  policy, one block of a set after normalization sorted it);
- other lists are compared as multisets: each element missing on one side is a ``remove`` at
  its expected index or an ``add`` at its actual index; a list holding the same elements in
  another order is one ``change`` of the whole list (only ordered lists get there: sets are
  sorted by the normalizers);
- anything else that is not ``==`` is a ``change`` (so, as in Python and JSON, ``1 == 1.0``).

Paths and the order of differences are deterministic: keys sorted, indices ascending.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from drift.model import Op

RawDifference = tuple[tuple[str | int, ...], Op, Any, Any]


def diff(expected: Any, actual: Any) -> list[RawDifference]:
    """The differences between two JSON values, as ``(path, op, expected, actual)``."""
    out: list[RawDifference] = []
    _walk(expected, actual, (), out)
    return out


def _walk(
    expected: Any, actual: Any, path: tuple[str | int, ...], out: list[RawDifference]
) -> None:
    if type(expected) is dict and type(actual) is dict:
        _walk_dict(expected, actual, path, out)
    elif type(expected) is list and type(actual) is list:
        _walk_list(expected, actual, path, out)
    elif expected != actual:
        out.append((path, Op.CHANGE, expected, actual))


def _walk_dict(
    expected: dict[str, Any],
    actual: dict[str, Any],
    path: tuple[str | int, ...],
    out: list[RawDifference],
) -> None:
    for key in sorted(expected.keys() | actual.keys()):
        here = (*path, key)
        if key not in actual:
            _one_side(expected[key], here, Op.REMOVE, out)
        elif key not in expected:
            _one_side(actual[key], here, Op.ADD, out)
        elif expected[key] != actual[key]:
            _walk(expected[key], actual[key], here, out)


def _one_side(value: Any, path: tuple[str | int, ...], op: Op, out: list[RawDifference]) -> None:
    if type(value) is dict and value:
        for key in sorted(value):
            _one_side(value[key], (*path, key), op, out)
    elif op is Op.REMOVE:
        out.append((path, op, value, None))
    else:
        out.append((path, op, None, value))


def _walk_list(
    expected: list[Any], actual: list[Any], path: tuple[str | int, ...], out: list[RawDifference]
) -> None:
    if len(expected) == len(actual) and all(
        type(e) is dict and type(a) is dict for e, a in zip(expected, actual, strict=True)
    ):
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            if e != a:
                _walk(e, a, (*path, index), out)
        return
    expected_keys = [_key(item) for item in expected]
    actual_keys = [_key(item) for item in actual]
    missing = Counter(expected_keys) - Counter(actual_keys)
    extra = Counter(actual_keys) - Counter(expected_keys)
    if not missing and not extra:
        out.append((path, Op.CHANGE, expected, actual))
        return
    for index, key in enumerate(expected_keys):
        if missing[key] > 0:
            missing[key] -= 1
            out.append(((*path, index), Op.REMOVE, expected[index], None))
    for index, key in enumerate(actual_keys):
        if extra[key] > 0:
            extra[key] -= 1
            out.append(((*path, index), Op.ADD, None, actual[index]))


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
