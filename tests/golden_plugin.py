"""Golden files with an update switch: ``pytest --update-golden`` rewrites them.

Golden files live under ``tests/golden/``; their diffs are reviewed like code. Loaded for the
whole suite through ``-p tests.golden_plugin`` in pyproject.toml.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files under tests/golden/ from the current output",
    )


class Golden:
    """Compares text with ``tests/golden/<name>``, or rewrites it under ``--update-golden``."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, name: str, actual: str) -> None:
        """Assert ``actual`` equals the golden file ``name`` (a path relative to tests/golden)."""
        path = GOLDEN_DIR / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.is_file(), f"golden file {path} is missing: run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"golden/{name}",
                    tofile="actual",
                )
            )
            pytest.fail(f"output differs from golden/{name} (pytest --update-golden):\n{diff}")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """The golden-file checker for this test."""
    return Golden(bool(request.config.getoption("--update-golden")))
