"""``changegate freeze``: change-freeze windows kept in the store.

Freezes written here join the policy file's own freezes when the gate evaluates a request, so a
release manager can declare a freeze without editing (and re-deploying) ``changegate.yml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from change_control.errors import InputError
from change_control.model import ChangeType
from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.options import global_options
from drift.cli.output import TableView, cell, emit, format_option

if TYPE_CHECKING:
    from change_control.policy.model import FreezeWindow

FORMS = "give either --start and --end, or --weekly (with --tz)"


@click.group()
@global_options
def freeze() -> None:
    """Manage change-freeze windows (absolute or weekly recurring).

    \b
    Example:
      changegate freeze add --weekly "Fri 18:00-Mon 06:00" --tz Europe/Berlin --reason weekend
      changegate freeze list
    """


@freeze.command("add")
@click.option("--start", metavar="ISO", help="Start of an absolute freeze.")
@click.option("--end", metavar="ISO", help="End of an absolute freeze (excluded).")
@click.option(
    "--weekly", metavar="SPEC", help='Weekly recurring range, e.g. "Fri 18:00-Mon 06:00".'
)
@click.option(
    "--tz",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="IANA zone of --weekly (follows DST) and of --start/--end given without an offset.",
)
@click.option("--reason", required=True, metavar="TEXT", help="Why changes are frozen.")
@click.option("--name", default="", metavar="N", help="Short name shown in reasons.")
@click.option("--env", "environments", multiple=True, metavar="E", help="Only these environments.")
@click.option(
    "--exempt-type",
    "exempt_types",
    multiple=True,
    type=click.Choice([t.value for t in ChangeType]),
    help="Change type the freeze does not stop (repeat).",
)
@format_option
@global_options
@click.pass_context
def add(
    ctx: click.Context,
    start: str | None,
    end: str | None,
    weekly: str | None,
    tz: str,
    reason: str,
    name: str,
    environments: tuple[str, ...],
    exempt_types: tuple[str, ...],
    fmt: str,
) -> int:
    """Add a freeze window; print its id (or, with --format json, the record).

    \b
    Examples:
      changegate freeze add --start 2026-12-20T00:00 --end 2027-01-04T00:00 \\
          --tz Europe/Berlin --reason "year-end freeze" --exempt-type emergency
      changegate freeze add --weekly "Fri 18:00-Mon 06:00" --tz Europe/Berlin \\
          --reason "no weekend changes" --env production
    """
    from change_control.policy.model import FreezeWindow
    from change_control.store.freezes import FreezeRepository
    from change_control.timeutil import utcnow

    if not reason.strip():
        raise InputError("--reason: must not be empty")
    common: dict[str, Any] = {
        "reason": reason.strip(),
        "name": name.strip(),
        "tz": tz,
        "environments": environments,
        "exempt_types": tuple(ChangeType(t) for t in exempt_types),
    }
    window = FreezeWindow(**common, **_when(start, end, weekly, tz))
    with cli_context(ctx).store().begin() as conn:
        stored = FreezeRepository(conn).add(window, at=utcnow())
    emit(fmt, freeze_to_dict(stored, "store"), lambda: [str(stored.id)])
    return exitcodes.OK


@freeze.command("list")
@format_option
@global_options
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> int:
    """List freeze windows: those in the store and those in the policy file.

    \b
    Example:
      changegate freeze list --format json
    """
    cli = cli_context(ctx)
    rows = [freeze_to_dict(f, "store") for f in cli.store_freezes()]
    rows += [freeze_to_dict(f, "policy") for f in cli.policy().freezes]
    columns = ("id", "source", "name", "when", "tz", "environments", "exempt", "reason")
    table = tuple(
        (
            cell(r["id"]),
            r["source"],
            cell(r["name"]),
            _describe(r),
            r["tz"],
            cell(r["environments"]) if r["environments"] else "all",
            cell(r["exempt_types"]),
            r["reason"],
        )
        for r in rows
    )
    emit(fmt, rows, lambda: [TableView(columns, table, empty="no freeze windows")])
    return exitcodes.OK


@freeze.command("remove")
@click.argument("freeze_id", metavar="ID")
@global_options
@click.pass_context
def remove(ctx: click.Context, freeze_id: str) -> int:
    """Remove a freeze window added with ``freeze add`` (policy-file freezes stay).

    \b
    Example:
      changegate freeze remove 3
    """
    from change_control.store.freezes import FreezeRepository

    if not freeze_id.strip().isdigit():
        raise InputError(f"freeze id: {freeze_id!r} is not a number (see changegate freeze list)")
    cli = cli_context(ctx)
    with cli.store().begin() as conn:
        removed = FreezeRepository(conn).remove(int(freeze_id))
    cli.note(f"removed freeze {removed.id}: {removed.reason}")
    return exitcodes.OK


def _when(start: str | None, end: str | None, weekly: str | None, tz_name: str) -> dict[str, Any]:
    """The window's time fields from exactly one of the two forms, validated."""
    from change_control.policy.freeze import parse_weekly
    from change_control.timeutil import isoformat, parse_instant, zone

    absolute = start is not None or end is not None
    if absolute == (weekly is not None):
        raise InputError(f"freeze add: {FORMS}, {'not both' if absolute else 'one is needed'}")
    tz = zone(tz_name, field="--tz")
    if weekly is not None:
        parse_weekly(weekly)
        return {"weekly": weekly.strip()}
    if start is None or end is None:
        raise InputError("freeze add: give both --start and --end")
    begins = parse_instant(start, field="--start", default_tz=tz)
    ends = parse_instant(end, field="--end", default_tz=tz)
    if ends <= begins:
        raise InputError(
            f"freeze: --end {isoformat(ends)} is not after --start {isoformat(begins)}"
        )
    return {"start": begins, "end": ends}


def freeze_to_dict(window: FreezeWindow, source: str) -> dict[str, Any]:
    """JSON-ready form of a freeze window, with where it is defined (store or policy)."""
    from change_control.timeutil import isoformat

    return {
        "id": window.id,
        "source": source,
        "name": window.name,
        "reason": window.reason,
        "start": isoformat(window.start) if window.start else None,
        "end": isoformat(window.end) if window.end else None,
        "weekly": window.weekly,
        "tz": window.tz,
        "environments": list(window.environments),
        "exempt_types": [str(t) for t in window.exempt_types],
    }


def _describe(row: dict[str, Any]) -> str:
    if row["weekly"]:
        return f"weekly {row['weekly']}"
    return f"{row['start']} -> {row['end']}"
