# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plugins' one error translator: a ``ChangegateError`` becomes a failed task result.

Every action plugin returns ``failed_result(err)`` for the errors of the cores, so operators see
one line (``msg``) and scripts match a stable ``changegate_error_code``, never a traceback.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.changegate.itsm.plugins.plugin_utils import cores

if cores.available():
    from change_control.errors import ChangegateError
else:  # pragma: no cover - only without the pip package

    class ChangegateError(Exception):  # type: ignore[no-redef]
        """Stand-in so ``except ChangegateError`` stays valid when the cores are missing."""

        code = "changegate.error"
        message = ""


def failed_result(err: ChangegateError, **extra: Any) -> dict[str, Any]:
    """A failed task result naming the error's code."""
    return {
        "failed": True,
        "changed": False,
        "msg": err.message or str(err),
        "changegate_error_code": err.code,
        **extra,
    }


def missing_cores_result() -> dict[str, Any]:
    """The failed task result when the pip package is not installed on the controller."""
    return {
        "failed": True,
        "changed": False,
        "msg": cores.missing_message(),
        "changegate_error_code": cores.ERROR_CODE,
    }
