"""Captured baselines in the store: one row per resource version, grouped by capture.

A capture (``changegate drift baseline capture``) writes one row per resource, all sharing a
``capture_id`` (``CHG0000001-b2``: the change and its capture number) and a ``captured_at``.
Versions count per resource (``(type, id)``), so the newest approved state of a resource is
the row with its highest version, whichever change captured it. Attributes are stored with
their secrets withheld (``drift.persist.redact``).

The repository works on the connection of its caller's unit of work (``Store.begin()``/
``read()``), like the change register's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, insert, select

from change_control.errors import NotFoundError
from change_control.store.schema import baselines
from drift.engine import CapturedBaseline
from drift.model import Resource, View
from drift.normalize import canonical_type
from drift.persist.redact import paths_from_json, paths_to_json, withhold_secrets


@dataclass(frozen=True)
class CaptureInfo:
    """One capture as ``baseline list`` shows it."""

    capture_id: str
    change_id: str
    captured_at: datetime
    captured_by: str | None
    source: str
    resources: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--format json``)."""
        from change_control.timeutil import isoformat

        return {
            "id": self.capture_id,
            "change_id": self.change_id,
            "captured_at": isoformat(self.captured_at),
            "captured_by": self.captured_by,
            "source": self.source,
            "resources": self.resources,
        }


@dataclass(frozen=True)
class BaselineEntry:
    """One stored resource version (``baseline show``)."""

    capture_id: str
    change_id: str
    version: int
    resource: Resource
    captured_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; withheld paths are listed, their values were never stored."""
        from change_control.timeutil import isoformat

        return {
            "capture_id": self.capture_id,
            "change_id": self.change_id,
            "version": self.version,
            "type": self.resource.type,
            "id": self.resource.id,
            "address": self.resource.address,
            "source": self.resource.source,
            "captured_at": isoformat(self.captured_at),
            "attributes": dict(self.resource.attributes),
            "withheld": sorted(list(p) for p in self.resource.sensitive_paths),
        }


class BaselineRepository:
    """Captures and their resource versions, on one open connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_capture(
        self,
        change_id: str,
        resources: Sequence[Resource],
        *,
        source: str,
        at: datetime,
        by: str | None = None,
    ) -> CaptureInfo:
        """Store ``resources`` as the next capture of ``change_id``; secrets are withheld."""
        capture_id = f"{change_id}-b{self._capture_count(change_id) + 1}"
        versions = self._versions({(canonical_type(r.type), r.id) for r in resources})
        rows = []
        for resource in resources:
            key = (canonical_type(resource.type), resource.id)
            versions[key] = versions.get(key, 0) + 1
            attributes, withheld = withhold_secrets(resource)
            rows.append(
                {
                    "change_id": change_id,
                    "capture_id": capture_id,
                    "version": versions[key],
                    "resource_type": key[0],
                    "resource_id": resource.id,
                    "address": resource.address,
                    "attributes": attributes,
                    "sensitive_paths": paths_to_json(withheld),
                    "source": resource.source or source,
                    "captured_at": at,
                    "captured_by": by,
                }
            )
        if rows:
            self.conn.execute(insert(baselines), rows)
        return CaptureInfo(capture_id, change_id, at, by, source, len(rows))

    def captures(self, change_id: str | None = None, limit: int = 100) -> list[CaptureInfo]:
        """Captures, newest first, optionally of one change."""
        query = (
            select(
                baselines.c.capture_id,
                baselines.c.change_id,
                func.max(baselines.c.captured_at).label("captured_at"),
                func.max(baselines.c.captured_by).label("captured_by"),
                func.min(baselines.c.source).label("source"),
                func.count().label("resources"),
            )
            .group_by(baselines.c.capture_id, baselines.c.change_id)
            .order_by(func.max(baselines.c.captured_at).desc(), baselines.c.capture_id.desc())
            .limit(limit)
        )
        if change_id is not None:
            query = query.where(baselines.c.change_id == change_id)
        return [
            CaptureInfo(
                row.capture_id or "",
                row.change_id,
                row.captured_at,
                row.captured_by,
                row.source,
                int(row.resources),
            )
            for row in self.conn.execute(query)
        ]

    def entries(self, capture_or_change: str) -> list[BaselineEntry]:
        """The rows of a capture id, or of every capture of a change id (newest first)."""
        query = select(baselines).order_by(
            baselines.c.captured_at.desc(),
            baselines.c.resource_type,
            baselines.c.resource_id,
        )
        rows = list(self.conn.execute(query.where(baselines.c.capture_id == capture_or_change)))
        if not rows:
            rows = list(self.conn.execute(query.where(baselines.c.change_id == capture_or_change)))
        if not rows:
            raise NotFoundError(
                f"no baseline {capture_or_change!r} (give a capture id such as CHG0000001-b1, "
                "or a change id; `changegate drift baseline list` shows them)"
            )
        return [_entry(row._mapping) for row in rows]

    def newest(self) -> list[CapturedBaseline]:
        """The newest version of every baselined resource, grouped back into captures."""
        top = (
            select(
                baselines.c.resource_type,
                baselines.c.resource_id,
                func.max(baselines.c.version).label("version"),
            )
            .group_by(baselines.c.resource_type, baselines.c.resource_id)
            .subquery()
        )
        query = select(baselines).join(
            top,
            and_(
                baselines.c.resource_type == top.c.resource_type,
                baselines.c.resource_id == top.c.resource_id,
                baselines.c.version == top.c.version,
            ),
        )
        return _group(_entry(row._mapping) for row in self.conn.execute(query))

    def of(self, capture_or_change: str) -> list[CapturedBaseline]:
        """One capture, or every capture of a change (the engine keeps the newest per resource)."""
        return _group(self.entries(capture_or_change))

    def previous_versions(self, entries: Sequence[BaselineEntry]) -> list[CapturedBaseline]:
        """For each entry, the version before it (entries at version 1 have none)."""
        wanted = {(e.resource.type, e.resource.id, e.version - 1) for e in entries if e.version > 1}
        if not wanted:
            return []
        query = select(baselines).where(
            baselines.c.resource_type.in_(sorted({w[0] for w in wanted})),
            baselines.c.resource_id.in_(sorted({w[1] for w in wanted})),
        )
        rows = (_entry(row._mapping) for row in self.conn.execute(query))
        return _group(e for e in rows if (e.resource.type, e.resource.id, e.version) in wanted)

    def _capture_count(self, change_id: str) -> int:
        query = select(func.count(func.distinct(baselines.c.capture_id))).where(
            baselines.c.change_id == change_id
        )
        return int(self.conn.execute(query).scalar_one())

    def _versions(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Current highest version per key (absent keys are at version 0)."""
        found: dict[tuple[str, str], int] = {}
        types = sorted({k[0] for k in keys})
        if not types:
            return found
        query = (
            select(
                baselines.c.resource_type,
                baselines.c.resource_id,
                func.max(baselines.c.version),
            )
            .where(baselines.c.resource_type.in_(types))
            .group_by(baselines.c.resource_type, baselines.c.resource_id)
        )
        for resource_type, resource_id, version in self.conn.execute(query):
            if (resource_type, resource_id) in keys:
                found[(resource_type, resource_id)] = int(version)
        return found


def _entry(row: RowMapping) -> BaselineEntry:
    resource = Resource(
        type=row["resource_type"],
        id=row["resource_id"],
        attributes=row["attributes"] or {},
        view=View.APPROVED,
        address=row["address"],
        source=row["source"],
        sensitive_paths=paths_from_json(row["sensitive_paths"]),
    )
    capture_id = row["capture_id"] or f"{row['change_id']}-row{row['id']}"
    return BaselineEntry(capture_id, row["change_id"], row["version"], resource, row["captured_at"])


def _group(entries: Iterable[BaselineEntry]) -> list[CapturedBaseline]:
    ordered = sorted(entries, key=lambda e: (e.captured_at, e.capture_id))
    return [
        CapturedBaseline(
            id=capture_id,
            change_id=group[0].change_id,
            captured_at=group[0].captured_at,
            resources=tuple(e.resource for e in group),
        )
        for capture_id, items in groupby(ordered, key=lambda e: e.capture_id)
        for group in [list(items)]
    ]
