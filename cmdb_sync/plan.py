"""The reconciliation plan: every row a sync will write, decided before anything is written.

``planner.py`` builds a ``Plan`` from the inputs and the store; ``--dry-run`` prints it;
``apply.py`` writes exactly it in one transaction. A plan with no writes is the proof that a
second identical sync writes nothing. The counts here are what ``--format json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

INSERT = "insert"
UPDATE = "update"
DELETE = "delete"


@dataclass(frozen=True)
class ErrorItem:
    """An item the run could not reconcile (ambiguous match, duplicate key...)."""

    source: str
    native_key: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form (the ``errors`` list of ``cmdb sync --format json``)."""
        return {
            "source": self.source,
            "native_key": self.native_key,
            "code": self.code,
            "message": self.message,
        }


@dataclass(slots=True)
class CiWrite:
    """One CI to insert or update (``values`` are the columns to write)."""

    ci_id: str
    ci_class: str
    name: str
    is_new: bool
    version: int
    """The version read; the update is conditional on it (0 for a new CI)."""
    values: dict[str, Any]
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """field -> (old, new), for the plan's display."""
    status_change: tuple[str, str] | None = None


@dataclass(slots=True)
class JournalWrite:
    """One ``ci_history`` row."""

    ci_id: str
    source: str
    action: str
    changes: dict[str, Any]


@dataclass(slots=True)
class BindingWrite:
    """One ``cmdb_bindings`` row to insert, update or delete."""

    op: str
    id: int | None
    source: str
    native_key: str
    ci_id: str
    content_hash: str
    unseen_runs: int
    created_ci: bool
    due_at: datetime | None


@dataclass(slots=True)
class EdgeWrite:
    """One ``ci_relations`` row to insert, update (its sources) or delete."""

    op: str
    id: int | None
    parent_id: str
    child_id: str
    type: str
    sources: tuple[str, ...]
    version: int


@dataclass(slots=True)
class IdentifierWrite:
    """One ``ci_identifiers`` row to insert or delete."""

    op: str
    id: int | None
    ci_id: str
    kind: str
    value: str
    source: str


@dataclass(frozen=True)
class SourceWrite:
    """The new watermark of a data source (insert or update)."""

    name: str
    kind: str
    watermark: dict[str, Any]
    complete_runs: int
    exists: bool


@dataclass(frozen=True)
class DueWrite:
    """Ask other sources' bindings of a CI to recheck by ``due_at`` (they lost attributes)."""

    ci_id: str
    source: str
    due_at: datetime


@dataclass(frozen=True)
class DeletedCi:
    """A retired CI past its retention period, deleted with its edges and identifiers."""

    ci_id: str
    ci_class: str
    name: str


@dataclass(frozen=True)
class InputOutcome:
    """What happened to one input: reconciled, or skipped and why."""

    source: str
    kind: str
    items: int
    complete: bool
    skipped: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "kind": self.kind,
            "items": self.items,
            "complete": self.complete,
            "skipped": self.skipped,
            "notes": list(self.notes),
        }


@dataclass
class Plan:
    """Everything one sync decided."""

    run_id: str
    now: datetime
    forced: bool = False
    inputs: list[InputOutcome] = field(default_factory=list)
    cis: list[CiWrite] = field(default_factory=list)
    deletes: list[DeletedCi] = field(default_factory=list)
    journal: list[JournalWrite] = field(default_factory=list)
    bindings: list[BindingWrite] = field(default_factory=list)
    edges: list[EdgeWrite] = field(default_factory=list)
    identifiers: list[IdentifierWrite] = field(default_factory=list)
    sources: list[SourceWrite] = field(default_factory=list)
    dues: list[DueWrite] = field(default_factory=list)
    errors: list[ErrorItem] = field(default_factory=list)
    unchanged: int = 0

    @property
    def created(self) -> int:
        """New CIs."""
        return sum(1 for c in self.cis if c.is_new)

    @property
    def updated(self) -> int:
        """Existing CIs that change (once per CI, however many sources changed it)."""
        return sum(1 for c in self.cis if not c.is_new)

    @property
    def retired(self) -> int:
        """CIs this run retires."""
        return sum(1 for c in self.cis if c.status_change and c.status_change[1] == "retired")

    @property
    def relations_added(self) -> int:
        """New edges."""
        return sum(1 for e in self.edges if e.op == INSERT)

    @property
    def relations_removed(self) -> int:
        """Edges no source asserts any more (and edges of deleted CIs)."""
        return sum(1 for e in self.edges if e.op == DELETE)

    @property
    def empty(self) -> bool:
        """Nothing to write at all: the run is a no-op."""
        return not (
            self.cis or self.deletes or self.journal or self.bindings or self.edges
            or self.identifiers or self.sources or self.dues
        )  # fmt: skip

    def summary(self, writes: int) -> dict[str, Any]:
        """The ``--format json`` object of ``cmdb sync``, exactly these keys."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "retired": self.retired,
            "relations_added": self.relations_added,
            "relations_removed": self.relations_removed,
            "errors": [e.to_dict() for e in self.errors],
            "writes": writes,
        }
