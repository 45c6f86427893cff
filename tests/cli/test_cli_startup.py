"""``changegate --help`` stays fast: no heavy library is imported before a command runs.

Timing is measured in ``benchmarks/cli_startup.py``, never asserted here (the machines are
shared); what is asserted is the cause of slowness, which is deterministic: what gets imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "alembic", "boto3", "botocore", "ansible", "rich", "yaml", "jsonschema")

PROBE = """
import json, sys
{setup}
heavy = {heavy!r}
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}})))
"""


def heavy_modules_after(setup: str) -> list[str]:
    """Heavy top-level packages in ``sys.modules`` after running ``setup`` in a fresh Python."""
    code = PROBE.format(setup=setup, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_cli_imports_nothing_heavy() -> None:
    assert heavy_modules_after("import drift.cli.main") == []


def test_top_level_help_imports_nothing_heavy() -> None:
    setup = (
        "import contextlib, io\n"
        "from drift.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0\n"
    )
    assert heavy_modules_after(setup) == []


@pytest.mark.parametrize(
    "module",
    [
        "drift.cli.change",
        "drift.cli.freeze",
        "drift.cli.policy",
        "drift.cli.db",
        "drift.cli.context",
        "drift.cli.output",
        "drift.cli.views",
    ],
)
def test_a_command_module_imports_nothing_heavy_so_its_help_is_fast(module: str) -> None:
    assert heavy_modules_after(f"import {module}") == []
