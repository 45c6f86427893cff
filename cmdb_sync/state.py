"""The planner's working memory: CIs being changed, bindings, edges, journal, in one place.

``planner.py`` fills it batch by batch and ``finish.py`` turns it into a ``Plan``. Nothing here
writes to the store; the repository is only read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cmdb_sync.config import CmdbConfig
from cmdb_sync.identify import IdentityIndex
from cmdb_sync.merge import Writer
from cmdb_sync.model import Ref
from cmdb_sync.plan import DueWrite, ErrorItem, IdentifierWrite, InputOutcome
from cmdb_sync.repository import Binding, CiRow, Repository, SourceRow


@dataclass(slots=True)
class Work:
    """A CI the run touches: the stored row and the merged values so far."""

    row: CiRow
    is_new: bool
    fields: dict[str, Any]
    writers: dict[str, Writer]
    install_status: str
    unseen_runs: int
    retired_at: datetime | None
    journal: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(source, action) -> changes, merged when one source touches the CI twice."""
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, row: CiRow) -> Work:
        """Start from a stored CI."""
        return cls(
            row=row,
            is_new=False,
            fields=row.fields(),
            writers=dict(row.writers),
            install_status=row.install_status,
            unseen_runs=row.unseen_runs,
            retired_at=row.retired_at,
        )

    def note(self, source: str, action: str, changes: dict[str, Any]) -> None:
        """Add ``changes`` to the journal entry of (source, action)."""
        entry = self.journal.setdefault((source, action), {})
        for key, value in changes.items():
            if isinstance(value, dict) and isinstance(entry.get(key), dict):
                entry[key].update(value)
            else:
                entry[key] = value


@dataclass(slots=True)
class RelationJob:
    """Edges one item asserts (``refs``), or ``None``: its source asserts nothing any more."""

    source: str
    owner: str
    refs: tuple[Ref, ...] | None
    binding_key: str | None
    content_hash: str | None


@dataclass
class PlanState:
    """Shared by ``planner.py`` and ``finish.py``."""

    repo: Repository
    config: CmdbConfig
    now: datetime
    new_id: Callable[[], str]
    force: bool
    sources: dict[str, SourceRow]
    index: IdentityIndex
    work: dict[str, Work] = field(default_factory=dict)
    bindings: dict[str, dict[str, Binding]] = field(default_factory=dict)
    """Per source, native key -> binding, as the run leaves it (loaded ones are mutated)."""
    original: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    """Binding id -> the stored binding's values, to write only what changed."""
    touched: dict[int, Binding] = field(default_factory=dict)
    """Bindings the run may change (by object id): only these can become writes, so a no-op
    re-sync of 100,000 items never walks its 100,000 untouched bindings again."""
    ci_bindings: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    """CI id -> bindings of other sources (for freshness and status)."""
    rechecks: dict[tuple[str, str], datetime | None] = field(default_factory=dict)
    """(source, key) -> when a blocked write becomes possible, for processed items."""
    relation_jobs: list[RelationJob] = field(default_factory=list)
    status_checks: set[str] = field(default_factory=set)
    identifier_writes: list[IdentifierWrite] = field(default_factory=list)
    identifiers_of: dict[str, list[tuple[int, str, str, str]]] = field(default_factory=dict)
    """CI id -> (row id, kind, value, source) of its stored identifiers."""
    dues: list[DueWrite] = field(default_factory=list)
    errors: list[ErrorItem] = field(default_factory=list)
    inputs: list[InputOutcome] = field(default_factory=list)
    unchanged: int = 0
    new_names: dict[tuple[str, str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )
    """(class, column, value) -> CIs created in this run (for name/environment rules)."""

    def touch(self, binding: Binding) -> Binding:
        """Record ``binding`` as possibly changed (its stored values first); returns it."""
        if id(binding) not in self.touched:
            self.touched[id(binding)] = binding
            if binding.id is not None:
                self.original[binding.id] = self.binding_snapshot(binding)
        return binding

    def binding_snapshot(self, binding: Binding) -> tuple[Any, ...]:
        """The values of a binding that a write would change."""
        return (
            binding.native_key, binding.ci_id, binding.content_hash, binding.unseen_runs,
            binding.due_at,
        )  # fmt: skip

    def load_work(self, ci_ids: set[str]) -> None:
        """Read the CIs (and their other bindings and identifiers) not loaded yet."""
        missing = {c for c in ci_ids if c not in self.work}
        if not missing:
            return
        rows = self.repo.cis(missing)
        for ci_id, row in rows.items():
            self.work[ci_id] = Work.of(row)
        for binding in self.repo.bindings_of(rows):
            self.ci_bindings[binding.ci_id].append(binding)
        for row_id, ci_id, kind, value, source in self.repo.identifiers_of(rows):
            self.identifiers_of.setdefault(ci_id, []).append((row_id, kind, value, source))

    def fresh(self, ci_id: str) -> Callable[[str], datetime | None]:
        """When each other source last confirmed this CI: its latest run, if it still saw it."""

        def seen(source: str) -> datetime | None:
            row = self.sources.get(source)
            if row is None:
                return None
            for binding in self.ci_bindings.get(ci_id, ()):
                if binding.source == source and binding.unseen_runs == 0:
                    return row.last_run_at
            return None

        return seen
