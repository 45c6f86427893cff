"""``changegate drift snapshot|types|iam-policy`` and the ``--aws`` options of ``drift audit``.

``snapshot --aws`` collects live AWS resources into the ``changegate/live-snapshot@1`` file that
``drift audit --live`` reads; ``audit --aws`` collects and audits in one go. Both take the same
flags (a contract scripts call): ``--region`` (repeat; default every enabled region),
``--profile``, ``--role-arn`` (repeat; one account each), ``--endpoint-url``, ``--types``,
``--concurrency``, ``--max-attempts``. API call counts go to stderr, never into the snapshot
(its format is fixed). boto3 is imported only when a collection runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from drift.cli.drift_options import state_option
from drift.cli.options import global_options

if TYPE_CHECKING:
    from drift.audit import AuditPlan
    from drift.aws.engine import AwsSource, Collection
    from drift.aws.scope import ManagedScope
    from drift.aws.session import AwsOptions

F = TypeVar("F", bound=Callable[..., Any])
_META = "changegate.aws"
_SOURCE = "changegate.aws.source"
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_ATTEMPTS = 10


def _keep(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        ctx.meta.setdefault(_META, {})[name] = value
        return value

    return callback


_FLAGS: list[tuple[str, str, dict[str, Any]]] = [
    ("--aws", "aws", {"is_flag": True, "help": "Read live resources from AWS (boto3)."}),
    (
        "--region",
        "regions",
        {
            "multiple": True,
            "metavar": "R",
            "help": "AWS region to collect (repeat; default: every enabled region).",
        },
    ),
    (
        "--profile",
        "profile",
        {"metavar": "P", "help": "AWS profile (default: boto3's credential chain)."},
    ),
    (
        "--role-arn",
        "role_arns",
        {"multiple": True, "metavar": "ARN", "help": "Role to assume, one account each (repeat)."},
    ),
    (
        "--types",
        "types",
        {
            "multiple": True,
            "metavar": "T1,T2",
            "help": "Only these resource types (see 'changegate drift types').",
        },
    ),
    (
        "--concurrency",
        "concurrency",
        {
            "type": click.IntRange(min=1),
            "default": DEFAULT_CONCURRENCY,
            "show_default": True,
            "metavar": "N",
            "help": "AWS calls in flight per service and region.",
        },
    ),
    (
        "--max-attempts",
        "max_attempts",
        {
            "type": click.IntRange(min=1),
            "default": DEFAULT_MAX_ATTEMPTS,
            "show_default": True,
            "metavar": "N",
            "help": "Attempts per AWS call (botocore adaptive retries).",
        },
    ),
]
_ENDPOINT = (
    "--endpoint-url",
    "endpoint_url",
    {"metavar": "URL", "help": "AWS endpoint for every service (moto, LocalStack, a proxy)."},
)


def aws_live_options(*, endpoint: bool) -> Callable[[F], F]:
    """The ``--aws`` flags; values land in the command context (``aws_options``).

    ``endpoint=False`` for ``drift audit``, whose ``--endpoint-url`` already exists (it serves
    ``s3://`` states and the collection alike).
    """
    flags = [*_FLAGS, _ENDPOINT] if endpoint else _FLAGS

    def decorate(func: F) -> F:
        for flag, key, settings in reversed(flags):
            func = click.option(flag, expose_value=False, callback=_keep(key), **settings)(func)
        return func

    return decorate


def _split_types(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t.strip() for value in values for t in value.split(",") if t.strip())


def aws_options(ctx: click.Context, endpoint_url: str | None = None) -> AwsOptions | None:
    """The ``AwsOptions`` of this command, or ``None`` without ``--aws`` (other AWS flags
    without ``--aws`` are a usage error)."""
    from drift.aws.session import AwsOptions

    values = ctx.meta.get(_META, {})
    regions, roles = tuple(values.get("regions", ())), tuple(values.get("role_arns", ()))
    types = _split_types(tuple(values.get("types", ())))
    if not values.get("aws"):
        flags = (
            ("--region", regions),
            ("--role-arn", roles),
            ("--types", types),
            ("--profile", values.get("profile")),
        )
        given = [flag for flag, value in flags if value]
        if given:
            raise click.UsageError(f"{given[0]} needs --aws", ctx)
        return None
    options = AwsOptions(
        regions=regions,
        profile=values.get("profile"),
        role_arns=roles,
        endpoint_url=values.get("endpoint_url", endpoint_url),
        types=types,
        concurrency=int(values.get("concurrency", DEFAULT_CONCURRENCY)),
        max_attempts=int(values.get("max_attempts", DEFAULT_MAX_ATTEMPTS)),
    )
    options.check()
    from drift.aws import registry

    registry.select(options.types)
    return options


def add_aws_live(
    ctx: click.Context, plan: AuditPlan, *, endpoint_url: str | None, only_managed: bool
) -> AuditPlan:
    """``plan`` with AWS as a live source when ``--aws`` is given, and with the collectors'
    attribute coverage whenever live resources may come from them (``drift.aws.live``)."""
    from drift.aws.live import with_aws, with_snapshot_coverage

    options = aws_options(ctx, endpoint_url)
    if options is None:
        return with_snapshot_coverage(plan)
    plan, ctx.meta[_SOURCE] = with_aws(plan, options, only_managed=only_managed)
    return plan


def report_aws(ctx: click.Context, quiet: bool) -> None:
    """The API call summary of ``audit --aws`` on stderr (nothing without ``--aws``)."""
    source: AwsSource | None = ctx.meta.get(_SOURCE)
    if source is not None and source.last is not None and not quiet:
        _print_summary(source.last)


def _print_summary(collection: Collection) -> None:
    from drift.aws.stats import summary_lines

    for line in summary_lines(collection.stats, collection.counts()):
        click.echo(line, err=True)


@click.command("snapshot")
@aws_live_options(endpoint=True)
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    metavar="FILE",
    help="Snapshot file to write (changegate/live-snapshot@1).",
)
@click.option(
    "--only-managed", is_flag=True, help="Only types (and ids) the --state files declare."
)
@state_option
@global_options
@click.pass_context
def snapshot(ctx: click.Context, out: str, only_managed: bool, states: tuple[str, ...]) -> int:
    """Collect live resources into a snapshot file for `drift audit --live FILE`.

    Exit 0 written (alerts are listed on stderr and kept in the file), 1 error or nothing
    readable.

    \b
    Example:
      changegate drift snapshot --aws --region eu-west-3 --region us-east-1 --out live.json
      changegate drift snapshot --aws --role-arn arn:aws:iam::123456789012:role/audit \\
          --types aws_instance,aws_s3_bucket --concurrency 8 -o live.json
    """
    from pathlib import Path

    from change_control.errors import InputError
    from change_control.timeutil import utcnow
    from drift.aws.engine import collect
    from drift.cli.context import cli_context
    from drift.cli.drift_progress import progress_on_stderr
    from drift.sources import write_snapshot

    options = aws_options(ctx)
    if options is None:
        raise click.UsageError("give --aws (the live source to collect)", ctx)
    if only_managed and not states:
        raise click.UsageError("--only-managed needs --state SPEC (the states to scope by)", ctx)
    if not Path(out).parent.is_dir():
        raise InputError(f"--out {out}: no such directory {str(Path(out).parent)!r}")
    scope = _declared_scope(states) if only_managed else None
    cli = cli_context(ctx)
    with progress_on_stderr(cli.quiet) as progress:
        collection = collect(options, scope=scope, progress=progress)
    write_snapshot(out, collection.resources, collection.alerts, utcnow())
    for alert in collection.alerts:
        click.echo(f"warning: {alert.message}", err=True)
    if not cli.quiet:
        _print_summary(collection)
        click.echo(f"wrote {out}: {len(collection.resources)} resources", err=True)
    return 0


def _declared_scope(states: tuple[str, ...]) -> ManagedScope:
    from drift.audit import SourcePlan, load_views, plan_sources
    from drift.aws.scope import ManagedScope
    from drift.sources import SourceOptions

    planned = plan_sources(states, (), (), SourceOptions())
    views = load_views(SourcePlan(declared=planned.declared))
    return ManagedScope.of(views.declared)


@click.command("types")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@global_options
def types(fmt: str) -> int:
    """List the Terraform resource types the AWS collectors read, and how.

    \b
    Example:
      changegate drift types
      changegate drift types --format json
    """
    import json

    from drift.aws import registry

    rows = []
    for name, collectors in registry.supported_types().items():
        collector = collectors[0]
        rows.append(
            {
                "type": name,
                "service": collector.service,
                "scope": str(collector.scope),
                "collector": collector.type,
                "api_calls": [api.action for api in collector.apis],
                "attributes": "all" if collector.covered is None else sorted(collector.covered),
                "note": collector.help,
            }
        )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return 0
    width = max(len(row["type"]) for row in rows)
    click.echo(f"{'TYPE':<{width}}  {'SERVICE':<8}  {'SCOPE':<8}  API CALLS")
    for row in rows:
        via = "" if row["collector"] == row["type"] else f" (via {row['collector']})"
        calls = ", ".join(row["api_calls"])
        click.echo(f"{row['type']:<{width}}  {row['service']:<8}  {row['scope']:<8}  {calls}{via}")
    return 0


@click.command("iam-policy")
@click.option(
    "--types",
    "type_values",
    multiple=True,
    metavar="T1,T2",
    help="Only the actions these types need (default: every supported type).",
)
@global_options
def iam_policy(type_values: tuple[str, ...]) -> int:
    """Print the least-privilege IAM policy (JSON) for auditing with `--aws`.

    \b
    Example:
      changegate drift iam-policy > changegate-audit-policy.json
      aws iam create-policy --policy-name changegate-audit \\
          --policy-document file://changegate-audit-policy.json
    """
    import json

    from drift.aws.iam_policy import policy_document

    click.echo(json.dumps(policy_document(_split_types(type_values)), indent=2))
    return 0


def register(group: click.Group) -> None:
    """Add ``snapshot``, ``types`` and ``iam-policy`` to the ``drift`` group."""
    for command in (snapshot, types, iam_policy):
        group.add_command(command)
