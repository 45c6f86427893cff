"""``changegate change``: open, approve, move and check change requests.

Each command maps its flags onto one provider call (or one ``evaluate``) and prints through
``output.emit``. Every flag is parsed and validated before the store is opened, so bad input
never leaves a half-made change behind. The flags are a contract other tools call: add, never
rename.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from change_control.errors import InputError
from change_control.model import ChangeState, ChangeType, Risk
from drift.cli import exitcodes
from drift.cli.context import CliContext, cli_context
from drift.cli.options import global_options
from drift.cli.output import TableView, emit, format_option
from drift.cli.views import change_view, decision_view, window_text

if TYPE_CHECKING:
    from change_control.gate import LookupFailure
    from change_control.model import Change, Window
    from change_control.policy.model import Policy
    from change_control.providers.base import ChangeProvider

TYPES = [t.value for t in ChangeType]
STATES = [s.value for s in ChangeState]
RISKS = [r.value for r in Risk]


@click.group()
@global_options
def change() -> None:
    """Open, approve, move and check change requests.

    \b
    Example:
      changegate change new --type normal --summary "Patch nginx" --requested-by alice
      changegate change list --state scheduled
    """


@change.command("new")
@click.option("--type", "change_type", type=click.Choice(TYPES), required=True, help="ITIL type.")
@click.option("--summary", required=True, help="One line saying what the change does.")
@click.option("--requested-by", required=True, metavar="USER", help="Who asks for the change.")
@click.option(
    "--risk",
    type=click.Choice(RISKS),
    default="moderate",
    show_default=True,
    help="Risk; the policy's approval rules key on it.",
)
@click.option("--window-start", metavar="ISO", help="Start of the implementation window.")
@click.option("--window-end", metavar="ISO", help="End of the window (excluded).")
@click.option(
    "--tz",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="IANA zone in which window times without an offset are read.",
)
@click.option("--scope-host", multiple=True, metavar="PATTERN", help="Host pattern (repeat).")
@click.option("--scope-env", multiple=True, metavar="ENV", help="Environment (repeat).")
@click.option(
    "--scope-tf", multiple=True, metavar="ADDRESS", help="Terraform address pattern (repeat)."
)
@click.option("--scope-ci", multiple=True, metavar="CI", help="Configuration item id (repeat).")
@click.option("--template", metavar="NAME", help="Standard-change template from the policy.")
@click.option("--rollback-plan", metavar="TEXT", help="How to undo the change.")
@click.option("--link", multiple=True, metavar="URL", help="Commit, PR or runbook (repeat).")
@format_option
@global_options
@click.pass_context
def new(
    ctx: click.Context,
    change_type: str,
    summary: str,
    requested_by: str,
    risk: str,
    window_start: str | None,
    window_end: str | None,
    tz: str,
    scope_host: tuple[str, ...],
    scope_env: tuple[str, ...],
    scope_tf: tuple[str, ...],
    scope_ci: tuple[str, ...],
    template: str | None,
    rollback_plan: str | None,
    link: tuple[str, ...],
    fmt: str,
) -> int:
    """Open a change in state new; print its id (or, with --format json, the record).

    \b
    Example:
      changegate change new --type normal --risk high --summary "Patch nginx" \\
          --requested-by alice --scope-env production --scope-host 'web*' \\
          --window-start 2026-11-23T20:00 --window-end 2026-11-23T22:00 --tz Europe/Berlin
    """
    from change_control.model import Scope
    from change_control.providers.base import NewChange
    from change_control.timeutil import utcnow

    request = NewChange(
        type=ChangeType(change_type),
        summary=_text(summary, "--summary"),
        requested_by=_text(requested_by, "--requested-by"),
        risk=Risk(risk),
        window=_window(window_start, window_end, tz),
        scope=Scope(
            environments=scope_env, hosts=scope_host, terraform_addresses=scope_tf, ci_ids=scope_ci
        ),
        template=template,
        rollback_plan=rollback_plan,
        links=link,
    )
    created = cli_context(ctx).provider().create(request, utcnow())
    emit(fmt, created.to_dict(), lambda: [created.id])
    return exitcodes.OK


@change.command("show")
@click.argument("change_id", metavar="ID")
@format_option
@global_options
@click.pass_context
def show(ctx: click.Context, change_id: str, fmt: str) -> int:
    """Show one change: its fields, approvals and history.

    \b
    Example:
      changegate change show CHG0000001 --format json
    """
    provider = cli_context(ctx).provider()
    record = provider.get(change_id)
    history = _history(provider, record.id)
    data = {**record.to_dict(), "history": history}
    emit(fmt, data, lambda: change_view(record, history))
    return exitcodes.OK


@change.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only changes in this state.")
@click.option("--type", "change_type", type=click.Choice(TYPES), help="Only this type.")
@click.option("--requested-by", metavar="USER", help="Only changes this user asked for.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_option
@global_options
@click.pass_context
def list_(
    ctx: click.Context,
    state: str | None,
    change_type: str | None,
    requested_by: str | None,
    limit: int,
    fmt: str,
) -> int:
    """List changes, newest first.

    \b
    Example:
      changegate change list --state scheduled --requested-by alice --limit 10
    """
    from change_control.providers.base import ListFilter

    filters = ListFilter(
        state=ChangeState(state) if state else None,
        type=ChangeType(change_type) if change_type else None,
        requested_by=requested_by,
        limit=limit,
    )
    found = list(cli_context(ctx).provider().list(filters))
    rows = tuple(
        (
            c.id,
            str(c.type),
            str(c.state),
            str(c.risk),
            c.requested_by,
            window_text(c.window),
            c.summary,
        )
        for c in found
    )
    columns = ("id", "type", "state", "risk", "requested by", "window", "summary")
    emit(fmt, [c.to_dict() for c in found], lambda: [TableView(columns, rows, empty="no changes")])
    return exitcodes.OK


@change.command("approve")
@click.argument("change_id", metavar="ID")
@click.option("--by", "approver", required=True, metavar="USER", help="The approver.")
@click.option("--group", metavar="G", help="The approver's group, e.g. CAB.")
@click.option("--comment", metavar="TEXT", help="Why it is approved.")
@format_option
@global_options
@click.pass_context
def approve(
    ctx: click.Context,
    change_id: str,
    approver: str,
    group: str | None,
    comment: str | None,
    fmt: str,
) -> int:
    """Record an approval; once the policy's requirement is met the change is scheduled.

    \b
    Example:
      changegate change approve CHG0000001 --by bob --group CAB --comment "low blast radius"
    """
    from change_control.timeutil import utcnow

    who = _text(approver, "--by")
    updated = cli_context(ctx).provider().approve(change_id, who, utcnow(), group, comment)
    by = f"{who} ({group})" if group else who
    emit(fmt, updated.to_dict(), lambda: [f"{updated.id}: approved by {by}; state {updated.state}"])
    return exitcodes.OK


@change.command("reject")
@click.argument("change_id", metavar="ID")
@click.option("--by", "approver", required=True, metavar="USER", help="The approver.")
@click.option("--comment", metavar="TEXT", help="Why it is rejected.")
@format_option
@global_options
@click.pass_context
def reject(ctx: click.Context, change_id: str, approver: str, comment: str | None, fmt: str) -> int:
    """Record a rejection; the change goes back to new.

    \b
    Example:
      changegate change reject CHG0000001 --by bob --comment "no rollback plan"
    """
    from change_control.timeutil import utcnow

    who = _text(approver, "--by")
    updated = cli_context(ctx).provider().reject(change_id, who, utcnow(), comment)
    emit(
        fmt, updated.to_dict(), lambda: [f"{updated.id}: rejected by {who}; state {updated.state}"]
    )
    return exitcodes.OK


@change.command("transition")
@click.argument("change_id", metavar="ID")
@click.option("--to", "target", type=click.Choice(STATES), required=True, help="Target state.")
@click.option("--by", "actor", required=True, metavar="USER", help="Who moves the change.")
@click.option("--close-code", metavar="C", help="Closure code, e.g. successful.")
@click.option("--close-notes", metavar="TEXT", help="What happened.")
@format_option
@global_options
@click.pass_context
def transition(
    ctx: click.Context,
    change_id: str,
    target: str,
    actor: str,
    close_code: str | None,
    close_notes: str | None,
    fmt: str,
) -> int:
    """Move a change along its state machine; illegal moves are refused.

    \b
    Example:
      changegate change transition CHG0000001 --to implement --by carol
      changegate change transition CHG0000001 --to closed --by carol --close-code successful
    """
    from change_control.timeutil import utcnow

    who = _text(actor, "--by")
    provider = cli_context(ctx).provider()
    updated = provider.transition(
        change_id, ChangeState(target), who, utcnow(), close_code, close_notes
    )
    emit(fmt, updated.to_dict(), lambda: [f"{updated.id}: state {updated.state}"])
    return exitcodes.OK


@change.command("check")
@click.argument("change_id", metavar="ID")
@click.option("--host", required=True, metavar="H", help="Inventory host the task targets.")
@click.option("--module", required=True, metavar="M", help="Module, e.g. ansible.builtin.service.")
@click.option("--executor", required=True, metavar="U", help="Who runs the task.")
@click.option("--env", "environment", metavar="E", help="The host's environment.")
@click.option("--at", metavar="ISO", help="When the task runs (default: now; naive = UTC).")
@click.option("--check-mode", is_flag=True, help="The task runs in check mode.")
@click.option(
    "--arg",
    "args",
    multiple=True,
    metavar="KEY=VALUE",
    help="Module argument, for standard-change templates (repeat; VALUE read as JSON if it can).",
)
@format_option
@global_options
@click.pass_context
def check(
    ctx: click.Context,
    change_id: str,
    host: str,
    module: str,
    executor: str,
    environment: str | None,
    at: str | None,
    check_mode: bool,
    args: tuple[str, ...],
    fmt: str,
) -> int:
    """Ask the gate whether a task may run under a change. Exit 0 allowed, 2 denied, 1 error.

    \b
    Example:
      changegate change check CHG0000001 --host web1 --env production \\
          --module ansible.builtin.service --executor carol --arg state=restarted
    """
    from change_control.gate import Request
    from change_control.policy import evaluate
    from change_control.timeutil import parse_instant, utcnow

    request = Request(
        change_id=change_id,
        executor=_text(executor, "--executor"),
        host=_text(host, "--host"),
        module=_text(module, "--module"),
        environment=environment,
        check_mode=check_mode,
        at=parse_instant(at, field="--at") if at else None,
        args=_module_args(args),
    )
    cli = cli_context(ctx)
    found = _lookup(cli, change_id)
    decision = evaluate(found, request, _gate_policy(cli, found), utcnow())
    emit(fmt, decision.to_dict(), lambda: decision_view(decision, request))
    return exitcodes.OK if decision.allowed else exitcodes.NEGATIVE


# ---------------------------------------------------------------- input


def _text(value: str, flag: str) -> str:
    """``value`` trimmed; a blank value is an error naming ``flag``."""
    text = value.strip()
    if not text:
        raise InputError(f"{flag}: must not be empty")
    return text


def _window(start: str | None, end: str | None, tz_name: str) -> Window | None:
    """The window from two ISO strings read in ``tz_name``; both or neither."""
    from change_control.model import Window
    from change_control.timeutil import parse_instant, zone

    tz = zone(tz_name, field="--tz")
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise InputError("window: give both --window-start and --window-end, or neither")
    return Window(
        parse_instant(start, field="--window-start", default_tz=tz),
        parse_instant(end, field="--window-end", default_tz=tz),
    )


def _module_args(pairs: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a VALUE that parses as JSON (true, 3, [..]) keeps that type."""
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--arg: {pair!r} is not KEY=VALUE")
        try:
            parsed[key.strip()] = json.loads(raw)
        except ValueError:
            parsed[key.strip()] = raw
    return parsed


def _lookup(cli: CliContext, change_id: str) -> Change | LookupFailure:
    """The change, or the failure ``evaluate`` turns into a reason (not an error)."""
    from change_control.errors import ChangeNotFoundError, ProviderError
    from change_control.gate import LookupFailure

    try:
        return cli.provider().get(change_id)
    except ChangeNotFoundError as err:
        return LookupFailure("not_found", change_id, err.message)
    except ProviderError as err:
        return LookupFailure("unreachable", change_id, err.message)


def _gate_policy(cli: CliContext, found: Change | LookupFailure) -> Policy:
    """The policy to evaluate with: the file's plus the store's freezes.

    When the provider could not be reached the store's freezes cannot be read either; the file's
    policy still decides (fail-closed by default), as the gate in a playbook would.
    """
    from change_control.gate import LookupFailure

    if isinstance(found, LookupFailure) and found.kind == "unreachable":
        cli.note(f"warning: {found.detail}; only the policy file's freezes were considered")
        return cli.policy()
    return cli.effective_policy()


def _history(provider: ChangeProvider, change_id: str) -> list[dict[str, Any]]:
    """The change's journal, oldest first, from providers that keep one (``log``)."""
    log = getattr(provider, "log", None)
    if not callable(log):
        return []
    return [entry.to_dict() for entry in log(change_id)]
