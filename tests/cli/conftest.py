"""Fixtures for the CLI tests: a private store per test and two ways to run ``changegate``.

``cli`` runs ``main(argv)`` in-process inside click's ``CliRunner`` isolation (fast; stdout and
stderr captured apart). ``shell`` runs the installed ``changegate`` entry point in a subprocess,
for the tests where what the user's shell sees (exit code, one stderr line) is the point. Both
use a store under ``tmp_path`` and an ``XDG_STATE_HOME`` there, never the user's default store,
and both clear ``CHANGEGATE_DB``/``CHANGEGATE_CONFIG`` so the developer's environment cannot leak.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from drift.cli.main import main

from .support import ENTRY_POINT, Outcome, Runner, Workspace


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A private store and state dir; the working directory has no changegate.yml."""
    monkeypatch.chdir(tmp_path)
    env: dict[str, str | None] = {
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "CHANGEGATE_DB": None,
        "CHANGEGATE_CONFIG": None,
    }
    return Workspace(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", env)


@pytest.fixture
def cli(workspace: Workspace) -> Runner:
    """``cli("change", "list", db=True)``: run ``main`` in-process; ``--db`` goes first."""

    def run(*args: str, db: bool = True) -> Outcome:
        argv = ["--db", workspace.db_url, *args] if db else list(args)
        with CliRunner().isolation(env=dict(workspace.env)) as (out, err, _):
            code = main(argv)
            stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
        return Outcome(code, stdout, stderr)

    return run


@pytest.fixture
def shell(workspace: Workspace) -> Runner:
    """``shell("change", "list")``: run the installed entry point in a subprocess."""
    if not ENTRY_POINT.exists():
        pytest.skip(f"the changegate entry point is not installed at {ENTRY_POINT}")
    env = {k: v for k, v in os.environ.items() if k not in workspace.env}
    env.update({k: v for k, v in workspace.env.items() if v is not None})

    def run(*args: str, db: bool = True) -> Outcome:
        argv = ["--db", workspace.db_url, *args] if db else list(args)
        done = subprocess.run(
            [str(ENTRY_POINT), *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=workspace.root,
            timeout=60,
            check=False,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    return run
