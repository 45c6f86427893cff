"""Bulk inserts at driver speed, through SQLAlchemy's own type processing.

An ``executemany`` through ``Connection.execute(insert(table), rows)`` builds a parameter
dictionary per row in Python, and the driver then runs the statement once per row; for the
first sync of 100,000 CIs with their identifiers, bindings, edges and journal (about 800,000
rows) that bookkeeping costs more than the database's own work. Here:

* every value goes through the bind processor SQLAlchemy would use (JSON, the UTC instants,
  booleans), applied column by column rather than row by row, and memoized for the columns
  whose values repeat (a run stamps every row with the same instant);
* on SQLite, rows go in multi-row ``INSERT ... VALUES (...), (...)`` statements of a few
  hundred rows, about twice as fast as one execution per row; on PostgreSQL, in ``COPY ...
  FROM STDIN`` (psycopg's copy protocol), four to five times as fast as ``executemany``. Both
  are announced to SQLAlchemy's ``before_cursor_execute`` listeners like any statement, so
  statement counters and fault injection see them;
* the statements run on a writer thread while the caller converts the next rows: both
  drivers release the GIL while the database works, so the Python half and the database half
  of a large write overlap on two cores instead of taking turns (``Pipeline``).

The rows in the database are identical to what ``conn.execute(insert(table), rows)`` writes.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from itertools import chain
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import DBAPIError

#: Bound parameters per SQLite statement: below its limit (32,766 since 3.32), and large
#: enough that statement overhead disappears.
PARAMETERS = 4_000
#: Rows per PostgreSQL ``COPY`` (each is one job of the writer thread).
COPY_ROWS = 5_000


#: Statements converted ahead of the writer thread (bounds the memory held in the queue).
AHEAD = 8
#: GIL switch interval while a pipeline runs, in seconds (Python's default is 0.005). The writer
#: needs the GIL only for a moment between two statements; with the default it can wait up to
#: 5 ms each time for the converting thread, which over a thousand statements adds seconds.
SWITCH_INTERVAL = 0.0005


class Pipeline:
    """Runs statements on one writer thread, in the order given, while the caller goes on.

    ``insert`` queues; ``execute`` (a statement whose result the caller needs: versioned
    updates, deletes) waits until the queue is empty and runs on the caller's thread. The
    first error of the writer thread is raised, as it was, by the next call or by ``close``;
    nothing queued after it runs. The connection is only ever used by one thread at a time.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._queue: queue.Queue[Callable[[], Any] | None] = queue.Queue(AHEAD)
        self._error: BaseException | None = None
        self._cancelled = False
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._work, name="changegate-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(raise_error=kind is None)

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Queue the insert of ``rows`` (see ``insert_rows``); return how many."""
        return insert_rows(self.conn, table, columns, rows, submit=self._submit)

    def execute(self, statement: Any, parameters: Any = None) -> Any:
        """Run ``statement`` after everything queued, on this thread; return its result."""
        self.flush()
        if parameters is None:
            return self.conn.execute(statement)
        return self.conn.execute(statement, parameters)

    def flush(self) -> None:
        """Wait until every queued statement ran; raise the writer's error if one failed."""
        self._queue.join()
        self._raise()

    def close(self, *, raise_error: bool = True) -> None:
        """Drain the queue and stop the thread, raising its error; ``raise_error=False`` (the
        caller failed, the transaction will roll back) drops what is still queued instead."""
        self._cancelled = not raise_error
        self._queue.put(None)
        self._thread.join()
        sys.setswitchinterval(self._interval)
        if raise_error:
            self._raise()

    def _submit(self, job: Callable[[], Any]) -> None:
        self._raise()
        self._queue.put(job)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if self._error is None and not self._cancelled:  # else: dropped
                    job()
            except BaseException as exc:  # handed to the caller's thread as it is
                self._error = exc
            finally:
                self._queue.task_done()


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    submit: Callable[[Callable[[], Any]], None] | None = None,
) -> int:
    """Insert ``rows`` (value sequences in ``columns`` order) into ``table``; return how many.

    ``columns`` must follow the table's column order and name every column that has a
    default, so the statement takes the values exactly as given. ``submit`` runs each
    statement (a ``Pipeline``'s queue); by default it runs at once on ``conn``.
    """
    if not rows:
        return 0
    run = submit or _now
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = list(compiled.positiontup or compiled.binds)
    if names != list(columns):
        raise ValueError(f"{table.name}: give columns in table order: {names}")
    processors = _processors(conn, table, names, rows[0], rows[-1])
    preparer = dialect.identifier_preparer
    target = f"{preparer.format_table(table)} ({', '.join(map(preparer.quote, names))})"
    per_statement = max(1, PARAMETERS // len(names))
    if dialect.name == "postgresql":
        copy = f"COPY {target} FROM STDIN"
        for start in range(0, len(rows), COPY_ROWS):
            part = _converted(rows[start : start + COPY_ROWS], processors)
            run(partial(_copy, conn, copy, part))
        return len(rows)
    head = f"INSERT INTO {target} VALUES "
    group = "(" + ", ".join(["?"] * len(names)) + ")"
    full = head + ", ".join([group] * per_statement)
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        values = tuple(chain.from_iterable(_converted(part, processors)))
        sql = full if len(part) == per_statement else head + ", ".join([group] * len(part))
        run(partial(conn.exec_driver_sql, sql, values))
    return len(rows)


def _now(job: Callable[[], Any]) -> None:
    job()


def _copy(conn: Connection, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """``COPY ... FROM STDIN`` of ``rows`` on the transaction's own psycopg connection."""
    driver: Any = conn.connection.driver_connection
    error = conn.dialect.loaded_dbapi.Error
    with driver.cursor() as cursor:
        # What SQLAlchemy does before any statement: listeners count and may refuse it.
        for listener in conn.dispatch.before_cursor_execute:
            listener(conn, cursor, statement, (), None, True)
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except error as exc:
            # As SQLAlchemy raises it: a unique violation is an IntegrityError (a lost race).
            raise DBAPIError.instance(statement, None, exc, error, dialect=conn.dialect) from exc


def _processors(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    first: Sequence[Any],
    last: Sequence[Any],
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column index, bind processor) for every column that has one."""
    dialect = conn.dialect
    out = []
    for index, name in enumerate(names):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            sample, other = first[index], last[index]
            out.append((index, _memoized(process) if _repeats(sample, other) else process))
    return out


def _converted(
    part: Sequence[Sequence[Any]], processors: list[tuple[int, Callable[[Any], Any]]]
) -> Sequence[Sequence[Any]]:
    """The rows with each column converted by its processor (column by column)."""
    if not processors:
        return part
    columns: list[Any] = list(zip(*part, strict=True))
    for index, process in processors:
        columns[index] = [None if v is None else process(v) for v in columns[index]]
    return list(zip(*columns, strict=True))


def _repeats(sample: Any, other: Any) -> bool:
    """Whether a column's values are worth memoizing: instants, flags, short lists, and
    documents shared by the rows (the first and last row hold the same object, as CIs written
    by one source in one run share their ``attribute_sources``); a column of distinct
    attribute documents is converted value by value."""
    return isinstance(sample, datetime | bool | list) or sample is None or sample is other


def _memoized(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Convert each distinct instant, flag and list of names once: a sync stamps every row with
    the same time, edges share their sources lists, and converting them 200,000 times is
    waste. Keys carry the type (``True`` is not ``1``); documents are keyed by identity."""
    seen: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        kind = type(value)
        if kind is dict:  # every row holds its document, so no id is reused meanwhile
            key: Any = (dict, id(value))
        elif kind is list:
            if not all(type(v) is str for v in value):
                return process(value)
            key = (list, *value)
        else:
            key = (kind, value)
        try:
            found = seen.get(key)
        except TypeError:  # not hashable (a tuple of lists): converted as it comes
            return process(value)
        if found is None:
            found = seen[key] = process(value)
        return found

    return run
