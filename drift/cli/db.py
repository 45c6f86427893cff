"""``changegate db``: create or upgrade the store's schema, and say which revision it is at.

Every command migrates the store on first use anyway; these exist for operators who upgrade a
shared PostgreSQL store deliberately (for example from a deploy job) and want to see the result.
"""

from __future__ import annotations

import click

from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.options import global_options
from drift.cli.output import emit, fields, format_option


@click.group()
@global_options
def db() -> None:
    """Create or upgrade the store's schema.

    \b
    Example:
      changegate db upgrade --db postgresql+psycopg://changegate@db.example.org/changegate
    """


@db.command("upgrade")
@global_options
@click.pass_context
def upgrade(ctx: click.Context) -> int:
    """Bring the store to the newest schema revision and print that revision.

    \b
    Example:
      changegate db upgrade
    """
    from change_control.store import migrate

    click.echo(migrate.upgrade(cli_context(ctx).store(migrate=False)))
    return exitcodes.OK


@db.command("current")
@format_option
@global_options
@click.pass_context
def current(ctx: click.Context, fmt: str) -> int:
    """Print the store's schema revision and the newest one this changegate ships.

    \b
    Example:
      changegate db current --format json
    """
    from change_control.store import migrate

    store = cli_context(ctx).store(migrate=False)
    now, newest = migrate.current(store), migrate.head()
    data = {"url": store.url, "current": now, "head": newest, "up_to_date": now == newest}
    status = "up to date" if now == newest else "behind: run changegate db upgrade"
    pairs = [
        ("store", store.url),
        ("current", now or "none (empty store)"),
        ("head", newest),
        ("status", status),
    ]
    emit(fmt, data, lambda: fields(pairs))
    return exitcodes.OK
