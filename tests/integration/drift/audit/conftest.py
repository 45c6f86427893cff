"""An open, migrated store per test (SQLite, and PostgreSQL where the session has one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from change_control.store.engine import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store, disposed after the test."""
    opened = open_store(store_url)
    yield opened
    opened.dispose()
