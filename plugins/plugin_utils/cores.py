# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guarded import of changegate's Python cores.

The collection ships only thin adapters; the logic lives in the ``changegate`` pip package,
which must be installed into the Python that runs ``ansible-playbook`` (the controller's, not
the managed nodes'). When it is missing, every plugin fails with one line that says exactly
that, instead of an ImportError traceback from deep inside a worker process.
"""

from __future__ import annotations

import importlib
import sys

try:
    # A presence check (the plugins import what they use): importing the gatekeeper also proves
    # the package is complete and importable, not just that a directory of that name exists.
    importlib.import_module("change_control.gatekeeper")
except ImportError as exc:  # pragma: no cover - exercised by the missing-package test
    IMPORT_ERROR: ImportError | None = exc
else:
    IMPORT_ERROR = None

ERROR_CODE = "changegate.not_installed"


def missing_message() -> str:
    """What to do when the cores cannot be imported (names the controller's interpreter)."""
    return (
        "the changegate Python package is not importable by the controller's Python "
        f"({sys.executable}): install it there with '{sys.executable} -m pip install changegate'"
        f" ({IMPORT_ERROR})"
    )


def available() -> bool:
    """True when the cores imported."""
    return IMPORT_ERROR is None
