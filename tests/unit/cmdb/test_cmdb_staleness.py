"""Stale after N complete runs unseen, retired after M, deleted after retention if ours;
the circuit breaker refuses runs that would retire too much."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cmdb_sync.config import Staleness
from cmdb_sync.model import InstallStatus
from cmdb_sync.staleness import BreakerCheck, deletable, install_status

RULES = Staleness(stale_after_runs=1, retire_after_runs=3, delete_after=timedelta(days=90))
NOW = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], InstallStatus.INSTALLED),
        ([0], InstallStatus.INSTALLED),
        ([1], InstallStatus.STALE),
        ([2], InstallStatus.STALE),
        ([3], InstallStatus.RETIRED),
        ([3, 0], InstallStatus.INSTALLED),  # another source still sees it
        ([3, 2], InstallStatus.STALE),
        ([5, 3], InstallStatus.RETIRED),
    ],
)
def test_the_freshest_binding_decides_the_status(
    counts: list[int], expected: InstallStatus
) -> None:
    assert install_status(counts, RULES) is expected


@pytest.mark.parametrize(
    ("status", "retired_days_ago", "ours", "expected"),
    [
        (InstallStatus.RETIRED, 91, True, True),
        (InstallStatus.RETIRED, 90, True, True),
        (InstallStatus.RETIRED, 89, True, False),
        (InstallStatus.RETIRED, 365, False, False),  # not created by this tool: never deleted
        (InstallStatus.STALE, 365, True, False),
        (InstallStatus.RETIRED, None, True, False),
    ],
)
def test_only_our_own_retired_cis_are_deleted_after_retention(
    status: InstallStatus, retired_days_ago: int | None, ours: bool, expected: bool
) -> None:
    retired = None if retired_days_ago is None else NOW - timedelta(days=retired_days_ago)
    assert deletable(status, retired, ours, NOW, RULES) is expected


@pytest.mark.parametrize(
    ("present", "vanishing", "active", "retiring", "threshold", "trips"),
    [
        (10, 5, 10, 0, 0.5, False),  # exactly half: allowed
        (10, 6, 10, 0, 0.5, True),
        (10, 0, 10, 6, 0.5, True),  # retiring too many at once
        (10, 10, 10, 0, 1.0, True),  # everything vanished: refused whatever the threshold
        (0, 0, 4, 1, 0.5, False),  # nothing was present: nothing vanishes
        (100, 20, 100, 0, 0.1, True),
        (100, 20, 100, 0, 0.25, False),
    ],
)
def test_the_circuit_breaker_refuses_runs_that_retire_too_much(
    present: int, vanishing: int, active: int, retiring: int, threshold: float, trips: bool
) -> None:
    check = BreakerCheck("tfstate:x", present, vanishing, active, retiring)
    assert check.trips(threshold) is trips
    if trips:
        assert "--force" in check.message(threshold)
        assert "\n" not in check.message(threshold)
