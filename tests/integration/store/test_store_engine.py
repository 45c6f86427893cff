"""Opening the store: migrations on first use, SQLite tuning, concurrency and error messages."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, inspect, make_url, select, text

from change_control.errors import StoreError
from change_control.store import migrate
from change_control.store.engine import SQLITE_PAGE_SIZE, Store, open_store
from change_control.store.schema import freeze_windows, metadata
from tests.integration.store.store_support import JOIN_TIMEOUT_S, T0, run_together


def _count_freezes(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(freeze_windows)).scalar_one())


def _add_freeze(store: Store, reason: str) -> None:
    with store.begin() as conn:
        conn.execute(
            insert(freeze_windows).values(
                reason=reason, name="", tz="UTC", environments=[], exempt_types=[], created_at=T0
            )
        )


def test_open_store_migrates_an_empty_database_to_head(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert migrate.current(store) == migrate.head()
        with store.read() as conn:
            tables = set(inspect(conn).get_table_names())
        assert set(metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        store.dispose()


def test_without_migrate_the_store_is_left_empty(store_url: str) -> None:
    store = open_store(store_url, migrate=False)
    try:
        assert migrate.current(store) is None
        assert migrate.upgrade(store) == migrate.head()
        assert migrate.current(store) == migrate.head()
    finally:
        store.dispose()


def test_upgrading_twice_is_a_no_op_that_keeps_the_data(store: Store) -> None:
    _add_freeze(store, "sales event")

    assert migrate.upgrade(store) == migrate.head()
    assert migrate.upgrade(store) == migrate.head()

    assert _count_freezes(store) == 1


def test_opening_a_store_twice_changes_nothing(store_url: str) -> None:
    first = open_store(store_url)
    _add_freeze(first, "kept")
    second = open_store(store_url)
    try:
        assert migrate.current(second) == migrate.head()
        assert _count_freezes(second) == 1
    finally:
        first.dispose()
        second.dispose()


def test_the_migrated_schema_matches_the_metadata_exactly(store: Store) -> None:
    with store.read() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)

    assert diffs == []


def test_a_store_at_an_unknown_revision_is_refused(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))

    with pytest.raises(StoreError, match="schema revision ffff, which this version"):
        migrate.upgrade(store)


def test_the_unit_of_work_rolls_back_on_any_exception(store: Store) -> None:
    with pytest.raises(RuntimeError, match="boom"), store.begin() as conn:
        conn.execute(
            insert(freeze_windows).values(
                reason="x", name="", tz="UTC", environments=[], exempt_types=[], created_at=T0
            )
        )
        raise RuntimeError("boom")

    assert _count_freezes(store) == 0


def test_two_writers_can_write_at_once_and_none_is_lost(store_url: str) -> None:
    writers = [open_store(store_url), open_store(store_url)]

    def write(store: Store, name: str) -> None:
        for n in range(25):
            _add_freeze(store, f"{name}-{n}")

    try:
        errors = run_together(lambda: write(writers[0], "w0"), lambda: write(writers[1], "w1"))

        assert errors == []
        assert _count_freezes(writers[0]) == 50
    finally:
        for store in writers:
            store.dispose()


def test_a_writer_waits_for_another_writers_lock_instead_of_failing(store_url: str) -> None:
    holder, waiter = open_store(store_url), open_store(store_url)
    holding = threading.Event()
    moments: dict[str, float] = {}

    def hold_the_write_lock() -> None:
        with holder.begin() as conn:
            conn.execute(
                insert(freeze_windows).values(
                    reason="first",
                    name="",
                    tz="UTC",
                    environments=[],
                    exempt_types=[],
                    created_at=T0,
                )
            )
            holding.set()
            time.sleep(0.5)
        moments["released"] = time.perf_counter()

    def write_while_locked() -> None:
        assert holding.wait(JOIN_TIMEOUT_S)
        _add_freeze(waiter, "second")  # blocks on SQLite until the holder commits
        moments["written"] = time.perf_counter()

    try:
        errors = run_together(hold_the_write_lock, write_while_locked)

        assert errors == []
        assert _count_freezes(waiter) == 2
        if waiter.engine.dialect.name == "sqlite":
            assert moments["written"] >= moments["released"]
    finally:
        holder.dispose()
        waiter.dispose()


def test_concurrent_first_uses_migrate_the_store_exactly_once(store_url: str) -> None:
    opened: list[Store] = []

    def first_use() -> None:
        opened.append(open_store(store_url))

    try:
        errors = run_together(first_use, first_use, first_use)

        assert errors == []
        assert [migrate.current(store) for store in opened] == [migrate.head()] * 3
    finally:
        for store in opened:
            store.dispose()


def test_losing_the_database_mid_use_is_a_one_line_store_error() -> None:
    url = make_url("postgresql+psycopg://u:s3cret@127.0.0.1:1/x")
    store = Store(create_engine(url), url.render_as_string(hide_password=True))

    with pytest.raises(StoreError) as raised, store.read():
        pass

    assert str(raised.value) == (
        "cannot use the store postgresql+psycopg://u:***@127.0.0.1:1/x: connection refused"
    )


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        store.dispose()


def test_a_new_sqlite_store_gets_large_pages_and_an_existing_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    import sqlite3

    old = tmp_path / "old.db"
    with sqlite3.connect(old) as made:  # a store file from before, with SQLite's 4 KiB pages
        made.execute("CREATE TABLE kept (x)")
    for path, expected in [(tmp_path / "new.db", SQLITE_PAGE_SIZE), (old, 4096)]:
        store = open_store(f"sqlite:///{path}")
        try:
            with store.read() as conn:
                assert conn.exec_driver_sql("PRAGMA page_size").scalar() == expected
        finally:
            store.dispose()


def test_documents_are_stored_as_compact_json(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with store.begin() as conn:
            conn.execute(
                insert(freeze_windows).values(
                    reason="r", environments=["prod", "stage"], exempt_types=[], created_at=T0
                )
            )
        with store.read() as conn:
            raw = conn.exec_driver_sql("SELECT environments FROM freeze_windows").scalar()
        assert raw == '["prod","stage"]'
    finally:
        store.dispose()


def test_sqlite_creates_its_directory_private_to_the_user(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "state"
    store = open_store(f"sqlite:///{directory / 'changegate.db'}")
    store.dispose()

    assert (directory / "changegate.db").is_file()
    assert directory.stat().st_mode & 0o777 == 0o700


def test_the_display_url_masks_the_password(postgres_db_url: str) -> None:
    with_password = postgres_db_url.replace("postgres@", "postgres:s3cret@")
    store = open_store(with_password)
    try:
        assert "s3cret" not in store.url
        assert "postgres:***@" in store.url
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://u:s3cret@127.0.0.1:1/x",
            "cannot open the store postgresql+psycopg://u:***@127.0.0.1:1/x: connection refused",
        ),
        (
            "postgresql://u:s3cret@127.0.0.1:1/x",
            "cannot open the store postgresql+psycopg://u:***@127.0.0.1:1/x: connection refused",
        ),
        (
            "sqlite:////proc/changegate/store.db",
            "cannot open the store sqlite:////proc/changegate/store.db: ",
        ),
        (
            "mysql://u:s3cret@db/x",
            "cannot open the store mysql://u:***@db/x: unsupported database 'mysql' "
            "(use sqlite:///PATH, or postgresql+psycopg://USER@HOST/DB after "
            "pip install 'changegate[postgres]')",
        ),
        (
            "not a url at all",
            "cannot open the store not a url at all: not a database URL",
        ),
    ],
    ids=[
        "postgres-closed-port",
        "postgres-default-driver",
        "sqlite-unwritable",
        "mysql",
        "garbage",
    ],
)
def test_an_unusable_url_gives_one_line_naming_the_masked_url(url: str, expected: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(url)

    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert "s3cret" not in message
    assert raised.value.code == "store.unavailable"


def test_a_missing_database_on_a_live_server_is_named(postgres_url: str) -> None:
    url = postgres_url.rsplit("/", 1)[0] + "/no_such_db"

    with pytest.raises(
        StoreError, match=r'^cannot open the store .*: database "no_such_db" does not exist$'
    ):
        open_store(url)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)

    with pytest.raises(
        StoreError, match=r"^cannot open the store sqlite:///.*junk\.db: file is not a database$"
    ):
        open_store(f"sqlite:///{junk}")


def test_a_missing_postgres_driver_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what an install without the extra sees

    with pytest.raises(StoreError) as raised:
        open_store("postgresql+psycopg://u:s3cret@db.example.com/changegate")

    assert str(raised.value) == (
        "cannot open the store postgresql+psycopg://u:***@db.example.com/changegate: "
        "the PostgreSQL driver is missing (pip install 'changegate[postgres]')"
    )


def test_the_fast_schema_check_agrees_with_alembic_about_the_head() -> None:
    from change_control.store import migrate

    assert migrate._shipped_head() == migrate.head()
