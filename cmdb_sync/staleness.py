"""How CIs age out: stale, then retired, then (much later, and only our own) deleted.

Only a *complete* input counts: when a complete run of a data source misses one of its items,
that source's binding gets one more unseen run. A CI's status follows its bindings: installed
while any source saw it within ``stale_after_runs`` runs, stale while any saw it within
``retire_after_runs``, retired once every source that knows it has missed it that long. A
retired CI is deleted only after ``delete_after`` and only if this tool created it (iTop's
rule: reconciled pre-existing objects are never deleted). The circuit breaker refuses a run that
would start retiring more than a share of a source's items (iTop's ``synchro_prevent_delete_all``:
a source that suddenly returns nothing is broken, not empty). Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cmdb_sync.config import Staleness
from cmdb_sync.model import InstallStatus


def install_status(unseen_runs: Iterable[int], staleness: Staleness) -> InstallStatus:
    """The status the bindings' unseen-run counts imply (no binding: installed)."""
    counts = list(unseen_runs)
    freshest = min(counts) if counts else 0
    if freshest < staleness.stale_after_runs:
        return InstallStatus.INSTALLED
    if freshest < staleness.retire_after_runs:
        return InstallStatus.STALE
    return InstallStatus.RETIRED


def deletable(
    status: InstallStatus,
    retired_at: datetime | None,
    created_by_tool: bool,
    now: datetime,
    staleness: Staleness,
) -> bool:
    """Retired for longer than the retention period, and created by this tool."""
    return (
        status is InstallStatus.RETIRED
        and created_by_tool
        and retired_at is not None
        and now - retired_at >= staleness.delete_after
    )


@dataclass(frozen=True)
class BreakerCheck:
    """The circuit breaker's view of one complete input."""

    source: str
    present_before: int
    """Items the previous run of the source saw."""
    vanishing: int
    """Of those, how many this run no longer has."""
    active_before: int
    """Items not yet retired."""
    retiring: int
    """How many this run would retire."""

    @property
    def ratio(self) -> float:
        """The larger of the two shares: items starting to vanish, items being retired."""
        vanish = self.vanishing / self.present_before if self.present_before else 0.0
        retire = self.retiring / self.active_before if self.active_before else 0.0
        return max(vanish, retire)

    def trips(self, threshold: float) -> bool:
        """True when the run must be refused (above the threshold; 0 items left always trips)."""
        if self.present_before and self.vanishing == self.present_before:
            return True
        return self.ratio > threshold

    def message(self, threshold: float) -> str:
        """One line for the refusal."""
        return (
            f"{self.source}: refused: this run would retire or start retiring "
            f"{self.ratio:.0%} of its items ({self.vanishing} of {self.present_before} "
            f"no longer reported, {self.retiring} to retire), above the circuit breaker's "
            f"{threshold:.0%}; check the input, or pass --force if they are really gone"
        )
