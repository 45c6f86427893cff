"""Reads the reconciler needs, on one open connection, set-based and chunked.

Every look-up takes a whole set of keys (CI ids, identifier pairs, native keys) and runs one
query per chunk, so planning 100,000 items costs tens of statements, not 100,000. The writes
live in ``apply.py``; the read-only commands (show, history, export, impact) in ``query.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping, func, or_, select

from change_control.store.schema import (
    ci_identifiers,
    ci_relations,
    cis,
    cmdb_bindings,
    cmdb_sources,
)
from change_control.timeutil import isoformat, parse_instant
from cmdb_sync.merge import Writer
from cmdb_sync.model import DriftStatus, InstallStatus

#: Keys per ``IN (...)`` list: below SQLite's variable limit, few round trips.
CHUNK = 2000
#: Above this many look-ups of one identifier kind, reading the kind whole beats chunks.
FULL_SCAN = 5_000
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices of ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class SourceRow:
    """A data source's last reconciled watermark."""

    name: str
    kind: str
    watermark: Mapping[str, Any]
    complete_runs: int
    last_run_at: datetime


@dataclass(slots=True)
class Binding:
    """One (source, native key) -> CI binding with its ledger facts."""

    id: int | None
    source: str
    native_key: str
    ci_id: str
    content_hash: str
    unseen_runs: int = 0
    created_ci: bool = False
    due_at: datetime | None = None


@dataclass(slots=True)
class CiRow:
    """A CI as stored, with its writers expanded per field."""

    id: str
    ci_class: str
    name: str
    environment: str | None
    attributes: dict[str, Any]
    writers: dict[str, Writer]
    drift_status: str
    drift_findings: list[str]
    install_status: str
    created_by_tool: bool
    unseen_runs: int
    first_seen: datetime
    last_seen: datetime
    version: int
    retired_at: datetime | None = None

    def fields(self) -> dict[str, Any]:
        """The mergeable view of the CI (a fresh dict)."""
        return fields_of(
            self.name, self.environment, self.drift_status, self.drift_findings, self.attributes
        )


@dataclass(slots=True)
class RelRow:
    """An edge as stored."""

    id: int | None
    parent_id: str
    child_id: str
    type: str
    sources: list[str]
    version: int = 1


def fields_of(
    name: str,
    environment: str | None,
    drift_status: str,
    drift_findings: Sequence[str],
    attributes: Mapping[str, Any],
) -> dict[str, Any]:
    """The mergeable view of a CI: its attributes plus the ``ci.*`` fields."""
    out = dict(attributes)
    out["ci.name"] = name
    if environment is not None:
        out["ci.environment"] = environment
    out["ci.drift_status"] = [drift_status, list(drift_findings)]
    return out


@lru_cache(maxsize=4096)
def _instant(text: str) -> datetime:
    return parse_instant(text)


def expand_writers(doc: Any) -> dict[str, Writer]:
    """``{source: {at: [fields]}}`` (the stored, compact form) -> ``{field: Writer}``."""
    out: dict[str, Writer] = {}
    if not isinstance(doc, Mapping):
        return out
    for source, by_time in doc.items():
        if not isinstance(by_time, Mapping):
            continue
        for at, names in by_time.items():
            writer = Writer(str(source), _instant(str(at)))
            for name in names:
                out[str(name)] = writer
    return out


def compact_writers(writers: Mapping[str, Writer]) -> dict[str, dict[str, list[str]]]:
    """``{field: Writer}`` -> ``{source: {at: [fields]}}``: a CI written by one source in one
    run stores each timestamp once instead of once per attribute."""
    if not writers:
        return {}
    if len(set(map(id, writers.values()))) == 1:
        first = next(iter(writers.values()))
        # A CI one source wrote in one run (every new CI): one group, shared by every CI of
        # the same shape (the result is only serialized, never changed).
        return _uniform(first.source, _text(first.at), tuple(sorted(writers)))
    grouped: dict[str, dict[str, list[str]]] = {}
    for name in sorted(writers):
        writer = writers[name]
        by_time = grouped.get(writer.source)
        if by_time is None:
            by_time = grouped[writer.source] = {}
        at = _text(writer.at)
        names = by_time.get(at)
        if names is None:
            by_time[at] = [name]
        else:
            names.append(name)
    return grouped if len(grouped) < 2 else dict(sorted(grouped.items()))


@lru_cache(maxsize=1024)
def _uniform(source: str, at: str, names: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    return {source: {at: list(names)}}


@lru_cache(maxsize=4096)
def _text(moment: datetime) -> str:
    return isoformat(moment)


class Repository:
    """Set-based reads on one connection (inside the sync's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def source_rows(self) -> dict[str, SourceRow]:
        """Every data source's row (a small table: one row per source)."""
        rows = self.conn.execute(select(cmdb_sources))
        return {
            r.name: SourceRow(r.name, r.kind, r.watermark or {}, r.complete_runs, r.last_run_at)
            for r in rows
        }

    def bindings(self, source: str) -> dict[str, Binding]:
        """Every binding of ``source`` by native key."""
        b = cmdb_bindings.c
        query = select(
            b.id, b.native_key, b.ci_id, b.content_hash, b.unseen_runs, b.created_ci, b.due_at
        ).where(b.source == source)
        rows = self.conn.execute(query).all()
        return {r[1]: Binding(r[0], source, r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}

    def seen_count(self, source: str) -> int:
        """How many items the last run of ``source`` reported (what a skip leaves unchanged)."""
        b = cmdb_bindings.c
        query = select(func.count()).where(b.source == source, b.unseen_runs == 0)
        return int(self.conn.execute(query).scalar() or 0)

    def has_due(self, source: str, now: datetime) -> bool:
        """Whether ``source`` must be looked at even if its input did not change: a time-based
        decision is due, or an edge of one of its items still waits for its target."""
        b = cmdb_bindings.c
        query = select(func.min(b.due_at)).where(b.source == source, b.due_at.is_not(None))
        due = self.conn.execute(query).scalar()
        if due is not None and due <= now:
            return True
        pending = select(b.id).where(b.source == source, b.content_hash.like("?%")).limit(1)
        return self.conn.execute(pending).first() is not None

    def bindings_of(self, ci_ids: Iterable[str]) -> list[Binding]:
        """Every binding (of any source) of the given CIs."""
        b = cmdb_bindings.c
        out: list[Binding] = []
        for part in chunks(sorted(set(ci_ids))):
            query = select(
                b.id, b.source, b.native_key, b.ci_id, b.content_hash, b.unseen_runs,
                b.created_ci, b.due_at,
            ).where(b.ci_id.in_(part))  # fmt: skip
            out.extend(Binding(*row) for row in self.conn.execute(query))
        return out

    def cis(self, ci_ids: Iterable[str]) -> dict[str, CiRow]:
        """The CIs with these ids (missing ids are simply absent)."""
        out: dict[str, CiRow] = {}
        for part in chunks(sorted(set(ci_ids))):
            for row in self.conn.execute(select(cis).where(cis.c.id.in_(part))):
                out[row.id] = _ci_row(row._mapping)
        return out

    def owners(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """``(kind, value) -> ci_id`` for the identifiers that exist."""
        wanted = set(pairs)
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, value in wanted:
            by_kind[kind].append(value)
        c = ci_identifiers.c
        out: dict[tuple[str, str], str] = {}
        for kind, values in by_kind.items():
            if len(values) > FULL_SCAN:
                query = select(c.value, c.ci_id).where(c.kind == kind)
                out.update(
                    {(kind, v): ci for v, ci in self.conn.execute(query) if (kind, v) in wanted}
                )
                continue
            for part in chunks(values):
                query = select(c.value, c.ci_id).where(c.kind == kind, c.value.in_(part))
                out.update({(kind, v): ci for v, ci in self.conn.execute(query)})
        return out

    def identifiers_of(self, ci_ids: Iterable[str]) -> list[tuple[int, str, str, str, str]]:
        """``(row id, ci_id, kind, value, source)`` of every identifier of these CIs."""
        c = ci_identifiers.c
        out: list[tuple[int, str, str, str, str]] = []
        for part in chunks(sorted(set(ci_ids))):
            query = select(c.id, c.ci_id, c.kind, c.value, c.source).where(c.ci_id.in_(part))
            out.extend((r[0], r[1], r[2], r[3], r[4]) for r in self.conn.execute(query))
        return out

    def cis_by(self, ci_class: str, column: str, value: str) -> set[str]:
        """Ids of the CIs of ``ci_class`` whose ``name``/``environment`` equals ``value``."""
        query = select(cis.c.id).where(cis.c.ci_class == ci_class, cis.c[column] == value)
        return {row[0] for row in self.conn.execute(query)}

    def relations_touching(self, ci_ids: Iterable[str]) -> list[RelRow]:
        """Every edge with one of these CIs at either end."""
        r = ci_relations.c
        out: dict[int, RelRow] = {}
        for part in chunks(sorted(set(ci_ids)), CHUNK // 2):
            query = select(r.id, r.parent_id, r.child_id, r.type, r.sources, r.version).where(
                or_(r.parent_id.in_(part), r.child_id.in_(part))
            )
            for row in self.conn.execute(query):
                out[row[0]] = RelRow(row[0], row[1], row[2], row[3], list(row[4] or []), row[5])
        return list(out.values())

    def addresses(self, classes: Sequence[str], attributes: Sequence[str]) -> dict[str, set[str]]:
        """IP address -> ids of the compute CIs holding it (``runs_on`` by IP)."""
        out: dict[str, set[str]] = defaultdict(set)
        query = select(cis.c.id, cis.c.attributes).where(cis.c.ci_class.in_(list(classes)))
        for ci_id, attrs in self.conn.execute(query):
            for name in attributes:
                value = (attrs or {}).get(name)
                if isinstance(value, str) and value:
                    out[value].add(ci_id)
        return out


def _ci_row(row: RowMapping) -> CiRow:
    return CiRow(
        id=row["id"],
        ci_class=row["ci_class"],
        name=row["name"],
        environment=row["environment"],
        attributes=dict(row["attributes"] or {}),
        writers=expand_writers(row["attribute_sources"]),
        drift_status=row["drift_status"] or str(DriftStatus.UNKNOWN),
        drift_findings=list(row["drift_findings"] or []),
        install_status=row["install_status"] or str(InstallStatus.INSTALLED),
        created_by_tool=bool(row["created_by_tool"]),
        unseen_runs=int(row["unseen_runs"] or 0),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        version=int(row["version"]),
        retired_at=row["retired_at"],
    )
