"""``changegate drift audit``: compare declared, live and approved views; report; store.

The command maps its flags onto ``drift.audit`` and prints through ``drift.reports``. Order
matters for "bad input writes nothing": every flag and file is checked first, then sources are
loaded and compared, then the reports are written, and only then is the audit stored (one
transaction). The flags are a contract that scripts call: add, never rename.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from drift.cli.context import CliContext, cli_context
from drift.cli.drift_aws import add_aws_live, aws_live_options, report_aws
from drift.cli.drift_options import (
    aws_options,
    filter_option,
    live_option,
    source_options,
    state_option,
)
from drift.cli.options import global_options

if TYPE_CHECKING:
    from change_control.model import Change
    from drift.audit import AuditOutcome, AuditPlan
    from drift.model import Alert

SEVERITIES = ("low", "medium", "high", "critical")
#: The default ignore file, read when present in the working directory.
DRIFTIGNORE = ".driftignore"
#: How many changes (newest first) are read from the register for attribution.
ATTRIBUTION_LIMIT = 10_000
#: Width of the table report when stdout is not a terminal.
FILE_WIDTH = 120


@click.command("audit")
@state_option
@live_option
@click.option(
    "--from-plan",
    "plans",
    multiple=True,
    metavar="FILE",
    help="Saved refresh-only plan (`terraform show -json` output or the binary plan): its "
    "resource_drift entries become findings (repeat).",
)
@click.option(
    "--baseline",
    default="latest",
    show_default=True,
    metavar="latest|ID|none",
    help="Captured baselines to hold live against: the newest per resource, one capture or "
    "change id, or none.",
)
@click.option(
    "--policy-baseline",
    "--baseline-rules",
    "policy_baselines",
    multiple=True,
    metavar="FILE",
    help="Policy-baseline rules (YAML) checked on the live view, else the declared (repeat).",
)
@click.option(
    "--driftignore",
    metavar="FILE",
    help=f"Ignore file (gitignore syntax down to fields; default ./{DRIFTIGNORE} if present).",
)
@click.option(
    "--ignore", "ignores", multiple=True, metavar="PATTERN", help="One more ignore line (repeat)."
)
@filter_option
@click.option(
    "--only-managed", is_flag=True, help="Drop unmanaged resources of types no state declares."
)
@click.option("--strict", is_flag=True, help="Also report AWS-created defaults as unmanaged.")
@click.option(
    "--keep-computed", is_flag=True, help="Also report provider-computed attributes (low)."
)
@click.option(
    "--grace",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="MINUTES",
    help="Minutes after a change window's end that still count as inside it (attribution).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 2 only for findings at or above this severity (default: any finding).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT[=PATH]",
    help="Report format table|json|sarif|junit|markdown|html, to stdout or PATH (repeat; "
    "default: table on stdout).",
)
@click.option(
    "--scope",
    metavar="NAME",
    help="Name of the audited scope: new/resolved compare with its previous audit "
    "(default: derived from the sources).",
)
@click.option("--no-store", is_flag=True, help="Do not store the audit and its findings.")
@aws_options
@aws_live_options(endpoint=False)
@global_options
@click.pass_context
def audit(
    ctx: click.Context,
    states: tuple[str, ...],
    live: tuple[str, ...],
    plans: tuple[str, ...],
    baseline: str,
    policy_baselines: tuple[str, ...],
    driftignore: str | None,
    ignores: tuple[str, ...],
    filters: tuple[str, ...],
    only_managed: bool,
    strict: bool,
    keep_computed: bool,
    grace: int,
    fail_on: str | None,
    outputs: tuple[str, ...],
    scope: str | None,
    no_store: bool,
    aws_profile: str | None,
    aws_region: str | None,
    endpoint_url: str | None,
) -> int:
    """Audit drift: Terraform state vs live snapshots vs approved baselines.

    Exit 0 no drift, 2 drift (or findings at/above --fail-on), 1 error.

    \b
    Example:
      changegate drift audit --state terraform.tfstate --live live.json
      changegate drift audit --state s3://states/prod.tfstate --live live.json \\
          --ignore 'aws_iam_role.*.tags' --fail-on high \\
          -o table -o json=report.json -o sarif=drift.sarif
    """
    from datetime import timedelta

    from drift.audit import AuditRequest, plan_audit
    from drift.engine import EngineOptions
    from drift.reports import parse_output_spec

    for spec in outputs:
        parse_output_spec(spec)
    request = AuditRequest(
        states=states,
        live=live,
        plans=plans,
        policy_baselines=policy_baselines,
        baseline=_nonblank(baseline, "--baseline"),
        driftignore=driftignore or (DRIFTIGNORE if Path(DRIFTIGNORE).is_file() else None),
        ignore=ignores,
        filters=filters,
        engine=EngineOptions(
            keep_computed=keep_computed,
            strict=strict,
            only_managed=only_managed,
            grace=timedelta(minutes=grace),
        ),
        scope=scope,
        source_options=source_options(aws_profile, aws_region, endpoint_url),
    )
    plan = plan_audit(request)
    plan = add_aws_live(ctx, plan, endpoint_url=endpoint_url, only_managed=only_managed)
    return _execute(ctx, plan, outputs, fail_on, no_store)


def _execute(
    ctx: click.Context,
    plan: AuditPlan,
    outputs: tuple[str, ...],
    fail_on: str | None,
    no_store: bool,
) -> int:
    """Compare, write the reports, then store the audit; return the exit code."""
    from change_control.timeutil import utcnow
    from drift.audit import run_audit
    from drift.cli.drift_progress import progress_on_stderr
    from drift.engine.attribution import approved_under
    from drift.model import Severity
    from drift.persist.storage import SqlAuditStorage
    from drift.reports import ReportOptions, exit_code, write_reports

    cli = cli_context(ctx)
    changes, alerts = register_changes(cli)
    storage = SqlAuditStorage(cli.store())
    with progress_on_stderr(cli.quiet) as progress:
        outcome = run_audit(
            plan,
            now=utcnow(),
            storage=storage,
            changes=changes,
            approved=approved_under(cli.policy()),
            progress=progress,
            alerts=alerts,
        )
    tty = sys.stdout.isatty()
    write_reports(outcome.result, outputs, ReportOptions(color=tty, width=_width(tty)))
    report_aws(ctx, cli.quiet)
    code = exit_code(outcome.result, Severity(fail_on) if fail_on else None)
    if not no_store:
        storage.save(outcome.record(code))
    _closing_note(
        cli, outcome, "not stored (--no-store)" if no_store else f"stored in scope {plan.scope_key}"
    )
    return code


def _closing_note(cli: CliContext, outcome: AuditOutcome, stored: str) -> None:
    """One line on stderr: where the audit went and what changed since the previous one."""
    result = outcome.result
    cli.note(
        f"audit {result.audit_id} {stored}: {len(result.new_finding_ids)} new, "
        f"{len(result.resolved_finding_ids)} resolved since "
        f"{outcome.previous_id or 'no previous audit'}"
    )


def _nonblank(value: str, flag: str) -> str:
    from change_control.errors import InputError

    if not value.strip():
        raise InputError(f"{flag}: must not be empty")
    return value.strip()


def _width(tty: bool) -> int:
    import shutil

    return shutil.get_terminal_size((FILE_WIDTH, 24)).columns if tty else FILE_WIDTH


def register_changes(cli: CliContext) -> tuple[list[Change], list[Alert]]:
    """The register's changes for attribution; an unreachable register is an alert, not a stop.

    The drift is real whether or not the register answers, so the audit goes on and every
    finding's attribution stays ``unknown``.
    """
    from change_control.errors import ProviderError
    from change_control.providers.base import ListFilter
    from drift.model import Alert

    try:
        return list(cli.provider().list(ListFilter(limit=ATTRIBUTION_LIMIT))), []
    except ProviderError as err:
        alert = Alert(source="changes", code="provider_unreachable", message=err.message)
        return [], [alert]
