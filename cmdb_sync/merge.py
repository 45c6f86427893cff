"""Merge one source's view of a CI into the CMDB's, attribute by attribute, by authority.

Per attribute (and per CI field ``ci.name``, ``ci.environment``, ``ci.drift_status``) the
authority rules of ``config.py`` decide, in the order ServiceNow's reconciliation engine uses:

1. a source with no write right, or a null from a source that may not null, has no opinion;
2. the last writer, or a source at least as strong (smaller priority number), may write;
3. a weaker source may take over once the last writer's staleness window has passed since it
   last confirmed the value (its own write, or its latest run that still reported the CI);
4. otherwise the write is blocked, and the time it would become possible is returned so the
   item is looked at again then, even if its input does not change.

A stronger source that confirms a value takes it over without changing it, so a later change
by the weaker source is refused. The result says which writer lost an attribute, so that
source rechecks when the winner's window runs out. Pure: no I/O, the clock is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cmdb_sync.config import CmdbConfig

#: When did ``source`` last confirm what it says about this CI (its latest run that saw it)?
Freshness = Callable[[str], datetime | None]


@dataclass(frozen=True, slots=True)
class Writer:
    """Who last wrote an attribute, and when."""

    source: str
    at: datetime


@dataclass
class MergeOutcome:
    """What merging one item changed, and what it could not change yet."""

    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """field -> (old, new) for every value that changes."""
    writers: dict[str, Writer] = field(default_factory=dict)
    """field -> the new last writer (changed values, and values a stronger source took over)."""
    recheck_at: datetime | None = None
    """The earliest moment a blocked write would be allowed (a window running out)."""
    overtaken: dict[str, datetime] = field(default_factory=dict)
    """Source that lost an attribute -> when it may take it back if this source goes quiet."""


def kind_of(source: str) -> str:
    """The kind of a data source from its name (``tfstate:/x`` -> ``tfstate``)."""
    return source.split(":", 1)[0]


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values (``True`` is not ``1``; ``1`` is ``1.0``)."""
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


_ABSENT = object()


def merge(
    current: Mapping[str, Any],
    writers: Mapping[str, Writer],
    incoming: Mapping[str, Any],
    *,
    source: str,
    ci_class: str,
    config: CmdbConfig,
    now: datetime,
    fresh: Freshness | None = None,
) -> MergeOutcome:
    """Decide every field ``incoming`` has an opinion on; see the module docstring."""
    out = MergeOutcome()
    kind = kind_of(source)
    me = Writer(source, now)
    if not writers and not current:
        return _first(out, incoming, me, kind, ci_class, config)
    for name, value in incoming.items():
        mine = config.authority_for(source, kind, ci_class, name)
        if not mine.write or (value is None and not mine.null_overwrites):
            continue
        held = current.get(name, _ABSENT)
        writer = writers.get(name)
        if writer is None:
            # Nobody wrote it yet (a new attribute): decided at once.
            out.writers[name] = me
            if held is _ABSENT or not same(held, value):
                out.changes[name] = (None if held is _ABSENT else held, value)
            continue
        verdict, until = _may_write(
            writer, mine.priority, source, ci_class, name, config, now, fresh
        )
        _decide(out, name, held, value, writer, me, verdict, until, mine.stale_after)
    return out


def _decide(
    out: MergeOutcome,
    name: str,
    held: Any,
    value: Any,
    writer: Writer,
    me: Writer,
    verdict: str,
    until: datetime | None,
    window: timedelta | None,
) -> None:
    """Record what ``verdict`` means for one attribute another source wrote last."""
    unchanged = held is not _ABSENT and same(held, value)
    if verdict == "blocked":
        if not unchanged and until is not None:
            out.recheck_at = until if out.recheck_at is None else min(out.recheck_at, until)
        return
    if unchanged and verdict != "stronger":
        return
    out.writers[name] = me
    if not unchanged:
        out.changes[name] = (None if held is _ABSENT else held, value)
    if writer.source != me.source and window is not None:
        back = me.at + window
        out.overtaken[writer.source] = min(out.overtaken.get(writer.source, back), back)


def _first(
    out: MergeOutcome,
    incoming: Mapping[str, Any],
    me: Writer,
    kind: str,
    ci_class: str,
    config: CmdbConfig,
) -> MergeOutcome:
    """A CI nobody wrote yet (every new CI): each allowed, non-null value is written as is."""
    for name, value in first_values(incoming, me.source, kind, ci_class, config).items():
        out.writers[name] = me
        out.changes[name] = (None, value)
    return out


def first_values(
    incoming: Mapping[str, Any], source: str, kind: str, ci_class: str, config: CmdbConfig
) -> dict[str, Any]:
    """What a CI's first writer writes of ``incoming``: every value the source may write,
    nulls only where it may write nulls (one dict look-up per attribute in the hot loop)."""
    table = config.authorities(source, ci_class)
    out: dict[str, Any] = {}
    for name, value in incoming.items():
        mine = table.get(name)
        if mine is None:
            mine = table[name] = config.authority_for(source, kind, ci_class, name)
        if mine.write and (value is not None or mine.null_overwrites):
            out[name] = value
    return out


def _may_write(
    writer: Writer | None,
    priority: int,
    source: str,
    ci_class: str,
    name: str,
    config: CmdbConfig,
    now: datetime,
    fresh: Freshness | None,
) -> tuple[str, datetime | None]:
    """``own`` (no other writer), ``stronger`` (outranks the writer), ``takeover`` (the
    writer went stale) or ``blocked`` with the moment that changes."""
    if writer is None or writer.source == source:
        return "own", None
    theirs = config.authority_for(writer.source, kind_of(writer.source), ci_class, name)
    if priority < theirs.priority:
        return "stronger", None
    if priority == theirs.priority:
        return "own", None
    if theirs.stale_after is None:
        return "blocked", None
    confirmed = writer.at
    seen = fresh(writer.source) if fresh is not None else None
    if seen is not None and seen > confirmed:
        confirmed = seen
    until = confirmed + theirs.stale_after
    return ("takeover", None) if now >= until else ("blocked", until)
