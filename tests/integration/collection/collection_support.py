"""Helpers for the collection-standards checks (Galaxy / Automation Hub bar).

These tests run the same commands as ``make -f mk/collection.mk collection-check``: ansible-test
sanity on the built tarball, ansible-lint with the production profile, the docs and changelog
checks, ansible-builder, and an install of ``make build``'s output into a fresh venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
VENV = BIN.parent
COLLECTIONS = ROOT / "collections"
#: What a copy of the source tree leaves out: the dev link (a loop), venvs, caches, build output.
NOT_SOURCE = shutil.ignore_patterns(
    "collections",
    ".venv",
    ".git",
    "output",
    "build",
    "dist",
    "*.egg-info",
    ".*_cache",
    "__pycache__",
)


def tool_env(**extra: str) -> dict[str, str]:
    """The environment the tools run with: this venv first on PATH, the dev collection path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        ANSIBLE_NOCOLOR="1",
        SSL_CERT_FILE=os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
    )
    env.update(extra)
    return env


def run(
    args: Sequence[str | Path],
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    expect: int | None = 0,
) -> subprocess.CompletedProcess[str]:
    """Run a command; with ``expect`` set, fail with its output when the exit status differs."""
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=dict(env) if env is not None else tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if expect is not None and proc.returncode != expect:
        output = (proc.stdout + proc.stderr)[-12000:]
        pytest.fail(f"{' '.join(map(str, args))} exited {proc.returncode}:\n{output}")
    return proc


def source_copy(dest: Path) -> Path:
    """A copy of the repo's source tree (for tests that break something on purpose)."""
    shutil.copytree(ROOT, dest, ignore=NOT_SOURCE, symlinks=True)
    return dest
