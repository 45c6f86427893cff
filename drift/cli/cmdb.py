"""``changegate cmdb``: reconcile inputs into the CMDB, and read it (show, history, impact).

``sync`` maps its flags onto one ``cmdb_sync.sync.sync`` call: every ``--from`` and the rules
file are checked before the store is touched, a dry run prints the plan and writes nothing, and
a real run writes exactly that plan in one transaction. The read commands call
``cmdb_sync.query``. Flags are a contract scripts call: add, never rename.

Exit codes: 0 done (or nothing to do); 2 ``sync`` applied but some items could not be
reconciled (listed); 1 bad input, a refused run (circuit breaker) or an unreachable store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.drift_options import aws_options
from drift.cli.options import global_options
from drift.cli.output import Block, TableView, emit, fields, format_option

if TYPE_CHECKING:
    from cmdb_sync.report import Rows
    from cmdb_sync.sync import SyncReport

FROM_HELP = (
    "Input KIND=REF[,OPTION=VALUE...] (repeat). Kinds: tfstate=SPEC (any `drift audit --state` "
    "spec), snapshot=FILE, audit=ID|latest, ansible=INVENTORY[,facts=DIR]. Options for all: "
    "name=NAME (the data source's name), env=ENV (default environment), complete=no (never "
    "retire from this input)."
)


@click.group()
@global_options
def cmdb() -> None:
    """Reconcile states, snapshots, audits and inventories into the CMDB, and read it.

    \b
    Example:
      changegate cmdb sync --from tfstate=prod.tfstate --from audit=latest --dry-run
      changegate cmdb show --drifted
      changegate cmdb impact module.net.aws_vpc.main
    """


def _table(rows: Rows, title: str | None = None, empty: str = "(none)") -> TableView:
    columns, body = rows
    return TableView(columns, tuple(body), title, empty)


@cmdb.command("sync")
@click.option("--from", "sources", multiple=True, required=True, metavar="KIND=REF", help=FROM_HELP)
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--force", is_flag=True, help="Retire even above the circuit breaker's share.")
@click.option("--rules", metavar="FILE", help="Identification/authority/staleness rules (YAML).")
@aws_options
@format_option
@global_options
@click.pass_context
def sync_command(
    ctx: click.Context,
    sources: tuple[str, ...],
    dry_run: bool,
    force: bool,
    rules: str | None,
    aws_profile: str | None,
    aws_region: str | None,
    endpoint_url: str | None,
    fmt: str,
) -> int:
    """Reconcile every --from input into the CMDB in one transaction.

    A second identical sync writes nothing and says so. Only complete inputs retire CIs; a
    run that would retire more than the circuit breaker's share (50%) is refused unless
    --force.

    \b
    Example:
      changegate cmdb sync --from tfstate=states/prod.tfstate --from snapshot=live.json
      changegate cmdb sync --from ansible=inventory.ini,facts=/tmp/facts --format json
    """
    from change_control.timeutil import utcnow
    from cmdb_sync.rules import load_config
    from cmdb_sync.sources import parse_from
    from cmdb_sync.sync import SyncRequest, sync

    for text in sources:
        parse_from(text)
    request = SyncRequest(
        specs=sources,
        dry_run=dry_run,
        force=force,
        config=load_config(rules),
        aws_profile=aws_profile,
        aws_region=aws_region,
        aws_endpoint_url=endpoint_url,
    )
    context = cli_context(ctx)
    report = sync(context.store(), request, now=utcnow())
    emit(fmt, report.summary(), lambda: _sync_view(report))
    return exitcodes.NEGATIVE if report.plan.errors else exitcodes.OK


def _sync_view(report: SyncReport) -> list[Block]:
    from cmdb_sync import report as rows

    plan = report.plan
    blocks: list[Block] = [_table(rows.plan_inputs(plan), "Inputs")]
    if report.dry_run or report.writes:
        blocks.append(_table(rows.plan_changes(plan), "CI changes"))
        blocks.append(_table(rows.plan_relations(plan), "Relations"))
    if plan.errors:
        blocks.append(_table(rows.plan_errors(plan), "Errors"))
    counts = (
        f"created {plan.created}, updated {plan.updated}, unchanged {plan.unchanged}, "
        f"retired {plan.retired}, relations +{plan.relations_added}/-{plan.relations_removed}, "
        f"{len(plan.errors)} error(s)"
    )
    if report.dry_run:
        blocks.append(f"dry run: {counts}; would write {rows.plan_rows(plan)} rows, wrote nothing")
    elif report.writes == 0:
        blocks.append(f"nothing to do: {counts}; 0 rows written")
    else:
        blocks.append(f"{counts}; {report.writes} rows written (run {plan.run_id})")
    return blocks


@cmdb.command("show")
@click.argument("ci", required=False)
@click.option("--class", "ci_class", metavar="CLASS", help="List the CIs of a class.")
@click.option(
    "--drifted", is_flag=True, help="List the CIs an audit found drifted/missing/unmanaged."
)
@click.option("--env", "environment", metavar="ENV", help="Only CIs of this environment.")
@format_option
@global_options
@click.pass_context
def show(
    ctx: click.Context,
    ci: str | None,
    ci_class: str | None,
    drifted: bool,
    environment: str | None,
    fmt: str,
) -> int:
    """Show one CI (by id, identifier, address or name), or list CIs.

    \b
    Example:
      changegate cmdb show arn:aws:ec2:eu-west-3:123456789012:instance/i-0abc
      changegate cmdb show --class vm_instance --env prod
      changegate cmdb show --drifted --format json
    """
    from cmdb_sync import query

    if ci is None and not (ci_class or drifted or environment):
        raise click.UsageError("give a CI, or --class, --drifted or --env to list CIs")
    with cli_context(ctx).store().read() as conn:
        if ci is not None:
            found = query.get_ci(conn, query.resolve_ci(conn, ci))
            links = query.links(conn, found.id)
            data = {**found.to_dict(), "relations": [link.to_dict() for link in links]}
            emit(fmt, data, lambda: _ci_view(found, links))
            return exitcodes.OK
        listed = query.list_cis(conn, ci_class=ci_class, environment=environment, drifted=drifted)
    emit(fmt, [c.to_dict() for c in listed], lambda: _list_view(listed))
    return exitcodes.OK


def _ci_view(found: Any, links: Any) -> list[Block]:
    from cmdb_sync import report as rows

    return [
        *fields(rows.ci_fields(found)),
        _table(rows.ci_identifiers(found), "Identifiers"),
        _table(rows.link_rows(links), "Relations"),
        _table(rows.ci_attributes(found), "Attributes"),
    ]


def _list_view(listed: Any) -> list[Block]:
    from cmdb_sync import report as rows

    return [_table(rows.ci_list(listed), f"{len(listed)} CI(s)", "(no CI matches)")]


@cmdb.command("history")
@click.argument("ci")
@format_option
@global_options
@click.pass_context
def history(ctx: click.Context, ci: str, fmt: str) -> int:
    """The journal of one CI: every change, its source and its run, oldest first.

    \b
    Example:
      changegate cmdb history web-1
    """
    from cmdb_sync import query
    from cmdb_sync import report as rows

    with cli_context(ctx).store().read() as conn:
        ci_id = query.resolve_ci(conn, ci)
        entries = query.history(conn, ci_id)
    emit(fmt, [e.to_dict() for e in entries], lambda: [_table(rows.history_rows(entries), ci_id)])
    return exitcodes.OK


@cmdb.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True,
    help="json (one document) or csv (one row per CI).",
)  # fmt: skip
@click.option("--class", "ci_class", metavar="CLASS", help="Only the CIs of a class.")
@global_options
@click.pass_context
def export(ctx: click.Context, fmt: str, ci_class: str | None) -> int:
    """Every CI (with identifiers, attributes and relations for json) on stdout.

    \b
    Example:
      changegate cmdb export --format csv > cmdb.csv
    """
    from cmdb_sync import query
    from cmdb_sync.report import export_csv
    from drift.cli.output import print_json

    with cli_context(ctx).store().read() as conn:
        listed = query.list_cis(conn, ci_class=ci_class)
        if fmt == "csv":
            click.echo(export_csv(listed), nl=False)
            return exitcodes.OK
        edges = query.edges(conn, [c.id for c in listed]) if listed else []
    known = {c.id for c in listed}
    relations = [
        {"parent": p, "child": c, "type": t}
        for p, c, t in sorted(set(edges))
        if p in known or c in known
    ]
    print_json({"cis": [c.to_dict() for c in listed], "relations": relations})
    return exitcodes.OK


@cmdb.command("impact")
@click.argument("ci")
@click.option("--depth", type=click.IntRange(min=1), metavar="N", help="Stop after N hops.")
@format_option
@global_options
@click.pass_context
def impact(ctx: click.Context, ci: str, depth: int | None, fmt: str) -> int:
    """Everything that depends on a CI, transitively: what a CAB asks before approving.

    \b
    Example:
      changegate cmdb impact module.net.aws_vpc.main
    """
    from cmdb_sync import query
    from cmdb_sync import report as rows

    with cli_context(ctx).store().read() as conn:
        ci_id = query.resolve_ci(conn, ci)
        found = query.impact_of(conn, ci_id, depth)
        names = query.names_of(conn, [ci_id, *(hit.ci_id for hit in found)])
    data = {
        "ci": ci_id,
        "impacted": [
            {"ci": h.ci_id, "class": names[h.ci_id][0], "name": names[h.ci_id][1], "depth": h.depth,
             "via": h.via, "from": h.from_id}
            for h in found
        ],
    }  # fmt: skip
    title = f"{len(found)} CI(s) depend on {names[ci_id][1]} ({ci_id})"
    emit(
        fmt,
        data,
        lambda: [_table(rows.impact_rows(found, names), title, "(nothing depends on it)")],
    )
    return exitcodes.OK
