"""Alembic environment: run migrations on the connection ``migrate.py`` hands over.

``migrate.upgrade`` passes an open connection inside a transaction (``config.attributes``), so
the whole upgrade commits or rolls back as one. On PostgreSQL a transaction-scoped advisory lock
serializes concurrent first uses (two controllers starting at once); the second waiter then
finds the schema at head and does nothing. On SQLite the write transaction (``BEGIN
IMMEDIATE``) plus the busy timeout does the same job.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import JSON, Connection, DateTime

from change_control.store.schema import UTCDateTime, metadata

#: Arbitrary but fixed key of the advisory lock that guards migrations ("cgmigr" in ASCII).
ADVISORY_LOCK_KEY = 0x63676D696772


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Render the store's own column types as plain SQLAlchemy types in new revisions.

    A revision must keep working when ``schema.py`` evolves, so it may not import it.
    """
    if kind != "type":
        return False
    if isinstance(obj, UTCDateTime | DateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, JSON):
        autogen.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


def run_on(connection: Connection) -> None:
    """Configure the migration context on ``connection`` and run the pending revisions."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_item=render_item,
        # SQLite cannot ALTER most things; batch mode rebuilds tables in future revisions.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        context.run_migrations()


def run_offline(url: str) -> None:
    """Emit the migration SQL for a DBA to review (``alembic upgrade --sql``)."""
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Entry point Alembic calls when it loads this file."""
    given = context.config.attributes.get("connection")
    if isinstance(given, Connection):
        run_on(given)
        return
    # Stand-alone use (a maintainer running Alembic by hand against a URL).
    url = context.config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        run_offline(url)
        return
    from change_control.store.engine import open_store

    store = open_store(url, migrate=False)
    try:
        with store.begin() as connection:
            run_on(connection)
    finally:
        store.dispose()


main()
