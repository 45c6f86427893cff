"""Where a plan is written: the ``backends`` registry and the interface every backend meets.

The SQL backend writes the plan on the sync's own transaction (the store is the CMDB). A
ServiceNow backend (a later issue) sends the same plan through the Identification and
Reconciliation Engine instead: ``cmdb_sync.backends.ire`` already renders a plan as the
``identifyreconcile`` payload (items with ``className``/``values``/``lookup``, relations by item
index), so that backend only adds the HTTP calls, paging and rate limiting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from change_control.registry import Registry

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cmdb_sync.plan import Plan


class Backend(Protocol):
    """A CMDB a plan can be written to."""

    @property
    def name(self) -> str:
        """The registry name (``sql``)."""
        ...

    def write(self, plan: Plan) -> int:
        """Write every row/item of ``plan``; return how many were written.

        Raise ``ConflictError`` when the target changed underneath the plan: the caller plans
        again. A backend that cannot be transactional must make every call idempotent by the
        CI's native key so that a retried plan does no harm.
        """
        ...


#: A factory takes the open connection of the sync's transaction (SQL) and builds a backend.
BackendFactory = Callable[["Connection"], Backend]

backends: Registry[BackendFactory] = Registry("cmdb backend", "changegate.cmdb_backends")
