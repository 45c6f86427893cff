"""Schema migrations, driven through Alembic's API: no ``alembic.ini`` is needed at runtime.

``open_store`` calls ``ensure_current`` once: one cheap read of the schema revision, and an
upgrade only when it differs from the newest revision shipped with this version of changegate.
``changegate db upgrade|current`` call ``upgrade`` and ``current``.

Maintainers add a revision with ``python -m change_control.store.migrate revision "message"``:
it autogenerates the difference between ``schema.py`` and a scratch SQLite store at head.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from change_control.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from change_control.store.engine import Store

#: The Alembic script directory (``env.py``, ``script.py.mako``, ``versions/``).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Alembic keeps its running context in module globals (``alembic.context``, ``alembic.op``), so
#: two threads of one process must not run it at once. Other processes are kept apart by the
#: database (advisory lock, ``BEGIN IMMEDIATE``); this lock is taken before any of those.
_ALEMBIC_LOCK = threading.Lock()


def head() -> str:
    """The newest revision this version of changegate ships."""
    revision = _scripts().get_current_head()
    if revision is None:  # pragma: no cover - the package always ships 0001_initial
        raise StoreError(f"no migrations found under {MIGRATIONS}")
    return revision


def current(store: Store) -> str | None:
    """The store's schema revision; ``None`` for an empty database."""
    with store.read() as conn:
        return _current_on(conn)


def upgrade(store: Store) -> str:
    """Bring the store to ``head()`` in one transaction and return the revision it is now at.

    Idempotent: a store already at head is left alone. A store at a revision this version does
    not know (written by a newer changegate) is refused rather than guessed at.
    """
    from alembic import command

    with _ALEMBIC_LOCK, store.begin() as conn:
        _check_known(store, _current_on(conn))
        command.upgrade(_config(conn), "head")
        now = _current_on(conn)
    return now or head()


def ensure_current(store: Store) -> None:
    """Upgrade the store when it is not at head (first use, or after a changegate upgrade).

    The fast path reads ``alembic_version`` with plain SQL and compares it with the newest
    shipped revision file, without importing Alembic: every CLI call and every Ansible run opens
    the store, and Alembic's import and script scan cost about 0.6 s each time.
    """
    if _stored_version(store) == _shipped_head():
        return
    if current(store) != head():
        upgrade(store)


def _shipped_head() -> str | None:
    """The newest revision id by file name (revision ids are the numeric file prefixes)."""
    ids = [path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py")]
    return max(ids, default=None)


def _stored_version(store: Store) -> str | None:
    """``alembic_version.version_num``, or ``None`` when the table is absent or unreadable."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with store.read() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (DBAPIError, StoreError):
        return None
    return str(value) if value is not None else None


def revision(store: Store, message: str, rev_id: str | None = None) -> Path:
    """Autogenerate a new revision from the difference between ``schema.py`` and ``store``."""
    from alembic import command

    with _ALEMBIC_LOCK, store.begin() as conn:
        script = command.revision(
            _config(conn), message=message, autogenerate=True, rev_id=rev_id or _next_id()
        )
    if script is None or isinstance(script, list):  # pragma: no cover - single-head history
        raise StoreError("alembic did not write exactly one revision")
    return Path(script.path)


def _current_on(conn: Connection) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _check_known(store: Store, revision_id: str | None) -> None:
    if revision_id is None:
        return
    if revision_id not in {script.revision for script in _scripts().walk_revisions()}:
        raise StoreError(
            f"the store {store.url} is at schema revision {revision_id}, which this version of "
            "changegate does not know (upgrade changegate)"
        )


def _config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    # Config values go through configparser interpolation: a '%' in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def _next_id() -> str:
    known = [s.revision for s in _scripts().walk_revisions() if s.revision.isdigit()]
    return f"{max((int(r) for r in known), default=0) + 1:04d}"


def _main(argv: list[str]) -> int:
    """``python -m change_control.store.migrate revision MESSAGE``: maintainers only."""
    if len(argv) != 2 or argv[0] != "revision":
        print('usage: python -m change_control.store.migrate revision "message"', file=sys.stderr)
        return 1
    from change_control.store.engine import open_store

    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(f"sqlite:///{scratch}/scratch.db", migrate=False)
        try:
            if _scripts().get_current_head() is not None:
                upgrade(store)
            print(revision(store, argv[1]))
        finally:
            store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
