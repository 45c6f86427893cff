"""``changegate drift history``: stored audits over time, the trend a platform team reads.

One row per audit, newest first: the counts per finding kind and how many findings were new or
resolved since the previous audit of the same scope, so "is drift growing?" is one command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.options import global_options
from drift.cli.output import Block, TableView, cell, emit, format_option

if TYPE_CHECKING:
    from drift.persist.audits import StoredAudit

COLUMNS = (
    "audit", "finished", "scope", "managed", "changed", "missing", "unmanaged", "baseline",
    "new", "resolved", "exit",
)  # fmt: skip


#: Summary keys shown as columns, in ``COLUMNS`` order.
COUNTS = ("managed", "changed", "missing", "unmanaged", "baseline_violations", "new", "resolved")


@click.command("history")
@click.option("--scope", metavar="NAME", help="Only audits of this scope (as history shows it).")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many audits, newest first.",
)
@format_option
@global_options
@click.pass_context
def history(ctx: click.Context, scope: str | None, limit: int, fmt: str) -> int:
    """Show stored audits over time: counts per kind, new and resolved findings.

    \b
    Example:
      changegate drift history --scope prod --limit 10
      changegate drift history --format json
    """
    from drift.persist.audits import AuditRepository

    with cli_context(ctx).store().read() as conn:
        found = AuditRepository(conn).history(scope, limit)
    emit(fmt, [a.to_dict() for a in found], lambda: history_view(found, scope))
    return exitcodes.OK


def history_view(audits: Sequence[StoredAudit], scope: str | None) -> list[Block]:
    """The history table; counts missing from older rows show as ``-``."""
    rows = tuple(
        (
            a.id,
            cell(a.finished_at),
            a.scope_key,
            *(cell(a.summary.get(key)) for key in COUNTS),
            cell(a.exit_code),
        )
        for a in audits
    )
    empty = f"no audits of scope {scope!r}" if scope else "no audits stored yet"
    return [TableView(COLUMNS, rows, empty=empty)]
