"""Helpers of the audit-service tests: resources, fake sources, fixed instants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from drift.model import Resource, View
from drift.sources import SourceResult

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def res(
    rid: str,
    view: View,
    *,
    rtype: str = "terraform_data",
    address: str | None = None,
    sensitive: frozenset[tuple[str | int, ...]] = frozenset(),
    **attributes: Any,
) -> Resource:
    """A resource with ``attributes`` (``id`` added)."""
    return Resource(
        type=rtype,
        id=rid,
        attributes={"id": rid, **attributes},
        view=view,
        address=address,
        source="test",
        sensitive_paths=sensitive,
    )


@dataclass(frozen=True)
class FakeSource:
    """A ``drift.sources.Source`` that returns a prepared result (no file, no network)."""

    name: str
    resources: tuple[Resource, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> SourceResult:
        """The prepared resources."""
        return SourceResult(
            self.resources, origin=self.name, meta={"sha256": "0" * 64, **self.meta}
        )
