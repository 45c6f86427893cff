"""The store's JSON encoder: orjson, compact, with the standard library as the fallback.

Every document column (CI attributes, journal entries, edges' sources, audit findings) is
serialized here. The standard library's encoder costs about five times as much per document,
which at 100,000 CIs a sync was the largest single cost of the CMDB's first sync after the
database itself. orjson rejects what JSON cannot carry exactly (integers beyond 64 bits, for
one); those documents fall back to ``json.dumps``, so nothing that was storable before fails.
Output is compact (no spaces after separators) either way; readers parse it, never compare it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
_SORTED = orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS


def dumps(value: Any) -> str:
    """``value`` as compact JSON text (the store's ``json_serializer``)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode("utf-8")
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(value: Any) -> bytes:
    """``value`` as compact JSON with sorted keys, for digests: named tuples are arrays, and
    anything else JSON cannot hold is written as its ``str()``."""
    try:
        return orjson.dumps(value, default=_plain, option=_SORTED)
    except TypeError:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        return text.encode("utf-8")


def _plain(value: Any) -> Any:
    """What orjson does not encode itself: tuple subclasses (named tuples) as arrays."""
    if isinstance(value, tuple):
        return list(value)
    return str(value)
