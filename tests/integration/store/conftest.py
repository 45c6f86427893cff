"""Fixtures for the store suite: an open store on each backend and policies to approve under."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from change_control.providers.local import LocalProvider
from change_control.store.engine import Store, open_store
from tests.integration.store.store_support import CAB_POLICY


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store on SQLite or PostgreSQL, disposed after the test."""
    opened = open_store(store_url)
    yield opened
    opened.dispose()


@pytest.fixture
def provider(store: Store) -> LocalProvider:
    """The local provider under ``CAB_POLICY``."""
    return LocalProvider(store, CAB_POLICY)
