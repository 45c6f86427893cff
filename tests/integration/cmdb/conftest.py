"""Fixtures of the CMDB integration tests: an opened store per test, a real Terraform project."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from change_control.store.engine import Store, open_store
from tests.integration.cmdb.cmdb_support import Project, make_project


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty, migrated store (SQLite, and PostgreSQL where the session started one)."""
    opened = open_store(store_url)
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A Terraform project applied once per module (terraform_data: no provider needed)."""
    return make_project(tmp_path_factory.mktemp("tfproject"))


@pytest.fixture
def snapshot_path(tmp_path: Path) -> Path:
    """Where a test writes its live snapshot."""
    return tmp_path / "live.json"
