"""``changegate drift baseline``: approved states bound to changes (capture, list, show, diff).

Each command maps its flags onto ``drift.persist.capture`` or a repository call and prints
through ``output.emit``. A capture for a change that is not approved (or not closed
successfully) is refused with one line and exit 1, before any source is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.drift_options import (
    aws_options,
    filter_option,
    live_option,
    source_options,
    state_option,
)
from drift.cli.options import global_options
from drift.cli.output import Block, TableView, cell, emit, fields, format_option

if TYPE_CHECKING:
    from drift.model import Finding, Resource
    from drift.persist.baselines import BaselineEntry, CaptureInfo

ORIGINS = ("state", "live", "audit")


@click.group("baseline")
@global_options
def baseline() -> None:
    """Approved baselines bound to changes: capture, list, show, diff.

    \b
    Example:
      changegate drift baseline capture --from state --change CHG0000001 \\
          --state terraform.tfstate
      changegate drift baseline list --change CHG0000001
    """


@baseline.command("capture")
@click.option(
    "--from",
    "origin",
    type=click.Choice(ORIGINS),
    required=True,
    help="The view to capture: declared state, live snapshots, or a stored audit's live view.",
)
@click.option("--change", "change_id", required=True, metavar="CHG", help="The approved change.")
@state_option
@live_option
@click.option("--audit", metavar="ID|latest", help="With --from audit: which audit (latest).")
@filter_option
@click.option("--by", "by", metavar="USER", help="Who captures the baseline (recorded).")
@aws_options
@format_option
@global_options
@click.pass_context
def capture(
    ctx: click.Context,
    origin: str,
    change_id: str,
    states: tuple[str, ...],
    live: tuple[str, ...],
    audit: str | None,
    filters: tuple[str, ...],
    by: str | None,
    aws_profile: str | None,
    aws_region: str | None,
    endpoint_url: str | None,
    fmt: str,
) -> int:
    """Capture a baseline bound to an approved (or successfully closed) change.

    \b
    Example:
      changegate drift baseline capture --from state --change CHG0000001 \\
          --state terraform.tfstate --filter 'address=module.web.*'
      changegate drift baseline capture --from audit --audit latest --change CHG0000001
    """
    from change_control.timeutil import utcnow
    from drift.cli.drift_progress import progress_on_stderr
    from drift.persist.capture import CaptureFrom, CaptureRequest, capture_baseline, check_request

    request = CaptureRequest(
        change_id=change_id.strip(),
        origin=CaptureFrom(origin),
        states=states,
        live=live,
        audit=audit,
        filters=filters,
        by=by,
        source_options=source_options(aws_profile, aws_region, endpoint_url),
    )
    check_request(request)
    cli = cli_context(ctx)
    provider = cli.provider()
    with progress_on_stderr(cli.quiet) as progress:
        info = capture_baseline(
            request, provider=provider, store=cli.store(), now=utcnow(), progress=progress
        )
    emit(fmt, info.to_dict(), lambda: [capture_line(info)])
    return exitcodes.OK


def capture_line(info: CaptureInfo) -> str:
    """``CHG0000001-b1: 12 resources captured from state for CHG0000001``."""
    plural = "s" if info.resources != 1 else ""
    return (
        f"{info.capture_id}: {info.resources} resource{plural} captured from {info.source} "
        f"for {info.change_id}"
    )


@baseline.command("list")
@click.option("--change", "change_id", metavar="CHG", help="Only captures of this change.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_option
@global_options
@click.pass_context
def list_(ctx: click.Context, change_id: str | None, limit: int, fmt: str) -> int:
    """List baseline captures, newest first.

    \b
    Example:
      changegate drift baseline list --change CHG0000001
    """
    from drift.persist.baselines import BaselineRepository

    with cli_context(ctx).store().read() as conn:
        found = BaselineRepository(conn).captures(change_id, limit)
    columns = ("id", "change", "captured", "by", "source", "resources")
    rows = tuple(
        (c.capture_id, c.change_id, cell(c.captured_at), cell(c.captured_by), c.source,
         str(c.resources))
        for c in found
    )  # fmt: skip
    view: list[Block] = [TableView(columns, rows, empty="no baselines captured")]
    emit(fmt, [c.to_dict() for c in found], lambda: view)
    return exitcodes.OK


@baseline.command("show")
@click.argument("selector", metavar="CHG|ID")
@format_option
@global_options
@click.pass_context
def show(ctx: click.Context, selector: str, fmt: str) -> int:
    """Show the resources of a capture, or of every capture of a change (secrets withheld).

    \b
    Example:
      changegate drift baseline show CHG0000001
      changegate drift baseline show CHG0000001-b2 --format json
    """
    from drift.persist.baselines import BaselineRepository

    with cli_context(ctx).store().read() as conn:
        entries = BaselineRepository(conn).entries(selector.strip())
    emit(fmt, [e.to_dict() for e in entries], lambda: show_view(entries))
    return exitcodes.OK


def show_view(entries: Sequence[BaselineEntry]) -> list[Block]:
    """One row per stored resource version."""
    columns = ("capture", "version", "type", "id", "address", "attributes", "withheld")
    rows = tuple(
        (
            e.capture_id,
            str(e.version),
            e.resource.type,
            e.resource.id,
            cell(e.resource.address),
            str(len(e.resource.attributes)),
            str(len(e.resource.sensitive_paths)),
        )
        for e in entries
    )
    return [TableView(columns, rows)]


@baseline.command("diff")
@click.argument("selector", metavar="CHG|ID")
@click.option(
    "--against",
    "against",
    multiple=True,
    nargs=2,
    type=(click.Choice(["live", "state"]), str),
    metavar="live FILE|state SPEC",
    help="Compare with a live snapshot or a state (repeat); without it, with each resource's "
    "previous baseline version.",
)
@format_option
@global_options
@click.pass_context
def diff(ctx: click.Context, selector: str, against: tuple[tuple[str, str], ...], fmt: str) -> int:
    """Diff a baseline against live (or a state), or against the previous version.

    Exit 0 when nothing differs, 2 when something does, 1 on error.

    \b
    Example:
      changegate drift baseline diff CHG0000001 --against live live.json
      changegate drift baseline diff CHG0000001-b2
    """
    from change_control.timeutil import utcnow
    from drift.audit import load_views, plan_sources
    from drift.persist.baselines import BaselineRepository
    from drift.persist.capture import diff_against, diff_versions
    from drift.sources import SourceOptions

    store = cli_context(ctx).store()
    first: list[Resource] = []
    if against:
        states = tuple(value for kind, value in against if kind == "state")
        live = tuple(value for kind, value in against if kind == "live")
        views = load_views(plan_sources(states, live, (), SourceOptions()))
        compared = [*views.declared, *(views.live or ())]
        with store.read() as conn:
            captures = BaselineRepository(conn).of(selector.strip())
        found = diff_against(captures, compared, utcnow())
    else:
        found, first = diff_versions(store, selector.strip(), utcnow())
    data = {"findings": [f.to_dict() for f in found], "first_version": [r.id for r in first]}
    emit(fmt, data, lambda: diff_view(found, first))
    return exitcodes.NEGATIVE if found else exitcodes.OK


def diff_view(found: Sequence[Finding], first: Sequence[Resource]) -> list[Block]:
    """One row per difference; then the resources that have no earlier version."""
    from drift.reports.text import describe_difference, resource_label

    rows = tuple(
        (resource_label(f), describe_difference(d) if d.path else "gone", f.rule or "-")
        for f in found
        for d in f.differences
    )
    blocks: list[Block] = [
        TableView(("resource", "difference", "baseline"), rows, empty="no differences")
    ]
    if first:
        blocks += fields([("first version", ", ".join(sorted(r.id for r in first)))])
    return blocks
