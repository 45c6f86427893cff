"""Open the one store: an SQLAlchemy engine tuned for SQLite or PostgreSQL, migrated on first use.

Everything that touches the database goes through a ``Store``: ``begin()`` is the unit of work
(commit on success, roll back on any exception), ``read()`` a consistent read-only snapshot.
Failures to reach or open the database become one-line ``StoreError``s that name the URL with
its password masked, because a traceback with a DSN in it helps nobody and leaks secrets.

This module imports SQLAlchemy at import time; the CLI imports it lazily, inside commands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from change_control.errors import StoreError
from change_control.store.jsoncodec import dumps

#: (dialect, driver) pairs the suite is tested with.
SUPPORTED = frozenset({("sqlite", "pysqlite"), ("postgresql", "psycopg")})
POSTGRES_EXTRA = "pip install 'changegate[postgres]'"
#: How long a writer waits for another writer's lock before giving up (SQLite), in ms.
BUSY_TIMEOUT_MS = 10_000
#: How long to wait for a PostgreSQL server before calling it unreachable, in seconds.
CONNECT_TIMEOUT_S = 10
#: Page size of a new SQLite store (an existing one keeps its own). Larger pages than SQLite's
#: 4 KiB default mean fewer, shallower B-tree pages for the CMDB's long text keys and fewer
#: pages to copy in the WAL checkpoint after a large sync; PostgreSQL uses 8 KiB.
SQLITE_PAGE_SIZE = 16_384
#: Execution option that selects how a SQLite transaction begins (see ``_sqlite_begin``).
_BEGIN_MODE = "changegate_sqlite_begin"


@dataclass
class Store:
    """An open store: the engine plus the unit-of-work entry points every repository uses."""

    engine: Engine
    url: str
    """The URL with its password masked, safe to print."""

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction: commits when the block ends, rolls back on any exception.

        On SQLite it starts with ``BEGIN IMMEDIATE`` so the write lock is taken up front and the
        busy timeout applies; a deferred transaction that reads and then writes would fail at
        once with "database is locked" when another writer got in between.
        """
        with self._translated(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot that takes no write lock (gate look-ups, listings)."""
        with self._translated(), self.engine.connect() as conn:
            conn.execution_options(**{_BEGIN_MODE: "DEFERRED"})
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close every pooled connection (end of a CLI command, test teardown)."""
        self.engine.dispose()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        # Only "cannot talk to the database" is translated; constraint violations and the like
        # are bugs or conflicts the repositories handle themselves.
        try:
            yield
        except DBAPIError as exc:
            if not _is_operational(exc):
                raise
            raise StoreError(f"cannot use the store {self.url}: {describe(exc)}") from exc


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open (and unless ``migrate=False``, bring to the current schema) the store at ``url``.

    ``postgresql://`` means ``postgresql+psycopg://``, the driver the ``postgres`` extra
    installs. SQLite's parent directory is created (mode 0700: the store holds approvals).
    """
    parsed = parse_url(url)
    shown = mask(parsed)
    try:
        engine = _create_engine(parsed)
    except (ImportError, NoSuchModuleError):
        raise StoreError(
            f"cannot open the store {shown}: the PostgreSQL driver is missing ({POSTGRES_EXTRA})"
        ) from None
    store = Store(engine, shown)
    try:
        _prepare(store, parsed, migrate=migrate)
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store {shown}: {describe(exc)}") from exc
    except StoreError as exc:
        engine.dispose()
        if isinstance(exc.__cause__, DBAPIError):
            raise StoreError(f"cannot open the store {shown}: {describe(exc.__cause__)}") from exc
        raise
    return store


def parse_url(url: str) -> URL:
    """Parse and normalize a store URL, or raise ``StoreError`` naming what is supported."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"cannot open the store {mask_text(url)}: not a database URL "
            "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)"
        ) from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if (parsed.get_backend_name(), parsed.get_driver_name()) not in SUPPORTED:
        raise StoreError(
            f"cannot open the store {mask(parsed)}: unsupported database "
            f"{parsed.drivername!r} (use sqlite:///PATH, or postgresql+psycopg://USER@HOST/DB "
            f"after {POSTGRES_EXTRA})"
        )
    return parsed


def mask(url: URL) -> str:
    """The URL as text with its password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def mask_text(text: str) -> str:
    """Mask ``user:password@`` in a string that did not even parse as a URL."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def describe(exc: BaseException) -> str:
    """One line saying why the database refused: the driver's message without its preamble."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, OSError) and orig.strerror:
        text = f"{orig.strerror}: {orig.filename}" if orig.filename else orig.strerror
    else:
        text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    text = re.sub(r"^\(\S+\)\s*", "", text)
    text = re.sub(r"^connection failed:\s*", "", text)
    text = re.sub(r"^connection to server (at|on) .*? failed:\s*", "", text)
    text = re.sub(r"^FATAL:\s*", "", text)
    # "Connection refused" reads better mid-sentence as "connection refused"; keep "SSL ...".
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[0].lower() + text[1:]
    return text


def _is_operational(exc: DBAPIError) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url, json_serializer=dumps, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url,
        json_serializer=dumps,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (see ``Store.begin``) and set
        # the pragmas every connection needs: WAL lets readers and one writer work at once.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Takes effect only while the file is still empty, so it comes before WAL mode.
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _prepare(store: Store, url: URL, *, migrate: bool) -> None:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).expanduser().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if migrate:
        from change_control.store import migrate as migrations

        migrations.ensure_current(store)
    else:
        with store.engine.connect():
            pass
