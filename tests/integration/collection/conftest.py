"""Fixtures for the collection-standards checks: ``make build``'s output, installed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integration.collection.collection_support import BIN, VENV, run, tool_env


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make build``'s output: the collection tarball, the wheel and the sdist."""
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH (make test installs it); `make build` needs it")
    out = tmp_path_factory.mktemp("dist")
    run(
        [
            "make",
            "--no-print-directory",
            "-f",
            "mk/collection.mk",
            "build",
            f"DIST={out}",
            f"VENV={VENV}",
            "STAMP=",
        ]
    )
    return out


@pytest.fixture(scope="session")
def installed_collection(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built tarball installed with ``ansible-galaxy``; returns the collections path."""
    where = tmp_path_factory.mktemp("installed")
    (tarball,) = dist.glob("changegate-itsm-*.tar.gz")
    run(
        [BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", where, tarball],
        env=tool_env(ANSIBLE_COLLECTIONS_PATH=str(where)),
    )
    return where
