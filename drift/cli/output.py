"""How every read command prints: a table for people or JSON for scripts, through one helper.

A command builds its JSON payload and, separately, a *view*: a list of blocks, each either a
plain line or a ``TableView``. ``emit`` prints one or the other for ``--format``, so a command
never formats output by hand and every table looks alike. The view is built only when a table is
asked for, and rich is imported only when a table is printed, so ``--help`` and ``--format json``
never pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.table import Table

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json")
#: Width of tables written to a pipe or file: wide enough that a row stays on one line.
PIPE_WIDTH = 160
#: What a table cell shows for "no value", so an empty cell is never mistaken for a blank one.
NONE = "-"


@dataclass(frozen=True)
class TableView:
    """A titled table: column headings and rows of already-formatted cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    empty: str = "(none)"


#: One block of a table-format view: a plain line, or a table.
Block = str | TableView


def format_option(func: F) -> F:
    """Attach ``--format table|json`` (default table); the value arrives as ``fmt``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people, json for scripts.",
    )(func)


def emit(fmt: str, data: Any, view: Callable[[], Iterable[Block]]) -> None:
    """Print ``data`` as JSON, or the blocks ``view()`` returns as text and tables."""
    if fmt == "json":
        print_json(data)
    else:
        render(view())


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON; instants and enums print in their canonical text form."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def render(blocks: Iterable[Block]) -> None:
    """Print plain lines as they are and tables through rich (imported here, not at startup)."""
    for block in blocks:
        if isinstance(block, str):
            click.echo(block)
            continue
        if block.title:
            click.echo(block.title)
        if block.rows:
            click.echo(table_text(block))
        else:
            click.echo(f"  {block.empty}")


def table_text(view: TableView) -> str:
    """The table as text: terminal width on a TTY, else wide enough that rows do not wrap.

    Rendered to a string first so trailing padding can be stripped: output that is piped to
    grep or diffed in a golden file should not end lines in spaces.
    """
    import io
    import shutil
    import sys

    from rich.console import Console

    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((PIPE_WIDTH, 24)).columns if tty else PIPE_WIDTH
    buffer = io.StringIO()
    # No highlighting and no markup: cells are data (ids, patterns with brackets).
    console = Console(file=buffer, width=width, force_terminal=tty, highlight=False)
    console.print(_rich_table(view))
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())


def fields(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Key/value lines aligned on the values (``label:  value``), one per pair."""
    width = max((len(label) for label, _ in pairs), default=0) + 1
    return [f"{label + ':':<{width}}  {value}" for label, value in pairs]


def cell(value: object) -> str:
    """A table cell for ``value``: ``-`` for None/empty, lists joined by commas."""
    if value is None or (isinstance(value, (str, list, tuple)) and not value):
        return NONE
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        from change_control.timeutil import isoformat

        return isoformat(value)
    return str(value)


def _rich_table(view: TableView) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for heading in view.columns:
        # fold, not ellipsis: an id or a pattern cut short would be wrong, not just ugly.
        table.add_column(heading, overflow="fold")
    for row in view.rows:
        table.add_row(*(Text(value) for value in row))
    return table


def _json_default(value: object) -> Any:
    if isinstance(value, datetime):
        from change_control.timeutil import isoformat

        return isoformat(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot print {type(value).__name__} as JSON")
