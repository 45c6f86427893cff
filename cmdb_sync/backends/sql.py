"""The ``sql`` backend: the plan written into the store's own tables (the default CMDB)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cmdb_sync.backends.base import backends

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cmdb_sync.plan import Plan


@dataclass(frozen=True)
class SqlBackend:
    """Writes on the connection of the sync's transaction: all or nothing."""

    conn: Connection
    name: str = "sql"

    def write(self, plan: Plan) -> int:
        """Bulk inserts and versioned updates (see ``cmdb_sync.apply``)."""
        from cmdb_sync.apply import apply_plan

        return apply_plan(self.conn, plan)


@backends.register(
    "sql",
    help="the changegate store itself (SQLite or PostgreSQL), written in one transaction",
    example="--db sqlite:///cmdb.db",
)
def _sql(conn: Connection) -> SqlBackend:
    return SqlBackend(conn)
