"""The sync pauses the cyclic garbage collector for a run and leaves it as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cmdb_sync import sync as sync_module
from cmdb_sync.sync import paused_gc


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """Each test starts and ends with the collector enabled and nothing frozen by a sync."""
    gc.enable()
    yield
    with paused_gc():  # hands back whatever a test's run froze
        pass
    gc.enable()


def test_the_collector_is_paused_during_a_run_and_back_after() -> None:
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_a_large_run_is_frozen_out_of_sight_until_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync_module, "LARGE_RUN", 1_000)
    with paused_gc():
        kept = [[n] for n in range(5_000)]  # alive at the end of the run
    assert gc.get_freeze_count() >= len(kept)
    with paused_gc():
        assert gc.get_freeze_count() == 0  # handed back before the next run
    assert gc.get_freeze_count() == 0  # a small run freezes nothing


def test_a_small_run_freezes_nothing() -> None:
    frozen = gc.get_freeze_count()
    with paused_gc():
        kept = [[n] for n in range(10)]
    assert gc.get_freeze_count() == frozen
    assert kept
