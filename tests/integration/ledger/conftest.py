"""Fixtures for the ledger's store tests: an open store and the known two-run ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from change_control.ledger.store_sink import StoreSink
from change_control.store.engine import Store, open_store
from tests.integration.ledger.ledger_support import KnownLedger, known_events


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store on SQLite or PostgreSQL, disposed after the test."""
    opened = open_store(store_url)
    yield opened
    opened.dispose()


@pytest.fixture
def known(store: Store) -> KnownLedger:
    """``store`` holding the ten known events, appended in two batches."""
    events = known_events()
    sink = StoreSink(store)
    sink.write(events[:6])
    sink.write(events[6:])
    return KnownLedger(events)
