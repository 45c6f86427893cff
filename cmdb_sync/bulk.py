"""Bulk inserts at driver speed, through SQLAlchemy's own type processing.

An ``executemany`` through ``Connection.execute(insert(table), rows)`` builds a parameter
dictionary per row in Python before the driver sees it; for the first sync of 100,000 CIs with
their identifiers, bindings, edges and journal (about 800,000 rows) that bookkeeping costs more
than SQLite's own work. Here the statement is compiled once, every value goes through the same
bind processor SQLAlchemy would use (JSON, the UTC instants, booleans), and the rows go to the
driver's ``executemany`` in one call: identical rows in the database, a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert

#: Rows converted and sent to the driver per ``executemany``.
SLICE = 20_000


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Insert ``rows`` (value sequences in ``columns`` order) into ``table``; return how many.

    ``columns`` must follow the table's column order and name every column that has a
    default, so the compiled statement takes the values exactly as given.
    """
    if not rows:
        return 0
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = list(compiled.positiontup or compiled.binds)
    if names != list(columns):
        raise ValueError(f"{table.name}: give columns in table order: {names}")
    first = rows[0]
    processors = [
        (index, _memoized(process) if _repeats(first[index]) else process)
        for index, name in enumerate(names)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    sql = str(compiled)

    def converted(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for index, process in processors:
            if values[index] is not None:
                values[index] = process(values[index])
        return tuple(values)

    positional = compiled.positiontup is not None
    # In slices: the converted rows (JSON text and all) never exist for the whole table at once.
    for start in range(0, len(rows), SLICE):
        part = rows[start : start + SLICE]
        if positional:
            conn.exec_driver_sql(sql, [converted(row) for row in part])
        else:
            conn.exec_driver_sql(
                sql, [dict(zip(names, converted(row), strict=True)) for row in part]
            )
    return len(rows)


def _repeats(sample: Any) -> bool:
    """Whether a column's values are worth memoizing (instants, flags, short lists); a
    column of attribute documents is converted value by value."""
    return isinstance(sample, datetime | bool | list) or sample is None


def _memoized(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Convert each distinct instant and small list once: a sync stamps every row with the
    same time, edges share their sources lists, and converting them 200,000 times is waste."""
    seen: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        key: Any = value
        if type(value) is list:
            try:
                key = ("list", *value)
                found = seen.get(key)
            except TypeError:  # a list of mappings: not worth a key
                return process(value)
        else:
            found = seen.get(key)
        if found is None:
            found = seen[key] = process(value)
        return found

    return run
