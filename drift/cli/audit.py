"""``changegate audit``: verify, show, export and replay the run ledger.

``verify`` is the command auditors run: exit 0 when every link of the hash chain holds, 2 naming
the first broken link (seq, event, run, what is wrong), 1 when the store cannot be read.
Everything heavy (SQLAlchemy, the ledger) is imported inside the commands.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.options import global_options
from drift.cli.output import Block, TableView, cell, emit, fields, format_option

if TYPE_CHECKING:
    from datetime import datetime

    from change_control.ledger.recorder import ReplayReport
    from change_control.ledger.verify import RunRecord, VerifyReport

#: Body keys shown, in this order, in the one-line summary of an event.
SUMMARY_KEYS = ("host", "task", "module", "status", "allowed", "reasons", "change_id", "playbook")


@click.group()
@global_options
def audit() -> None:
    """Verify, show, export and replay the tamper-evident run ledger.

    \b
    Example:
      changegate audit verify
      changegate audit export --since 2026-11-01 --format jsonl -o ledger.jsonl
    """


@audit.command("verify")
@click.option("--run", "run_id", metavar="ID", help="Only report breaks affecting this run.")
@click.option(
    "--jsonl",
    "jsonl_path",
    metavar="FILE",
    help="Verify this JSON Lines ledger (the jsonl sink's file) instead of the store.",
)
@format_option
@global_options
@click.pass_context
def verify_cmd(ctx: click.Context, run_id: str | None, jsonl_path: str | None, fmt: str) -> int:
    """Check every link of the hash chain: 0 intact, 2 tampered (first broken link named).

    \b
    Example:
      changegate audit verify --run 3f2a9c0d1e
      changegate audit verify --jsonl /var/log/changegate/ledger.jsonl
    """
    if jsonl_path is not None and run_id is not None:
        raise click.UsageError("--run applies to the store; it cannot be combined with --jsonl")
    if jsonl_path is not None:
        report, where = _verify_file(Path(jsonl_path)), jsonl_path
    else:
        from change_control.ledger.verify import verify

        store = cli_context(ctx).store()
        report, where = verify(store, run_id), store.url
    emit(fmt, _verify_data(report, where, run_id), lambda: _verify_view(report, run_id))
    return exitcodes.OK if report.ok else exitcodes.NEGATIVE


def _verify_file(path: Path) -> VerifyReport:
    from change_control.errors import InputError
    from change_control.ledger.jsonl_sink import verify_jsonl

    try:
        return verify_jsonl(path)
    except OSError as exc:
        raise InputError(f"--jsonl {path}: cannot read the file ({exc.strerror})") from None


def _verify_data(report: VerifyReport, url: str, run_id: str | None) -> dict[str, Any]:
    broken = report.first_broken
    return {
        "ok": report.ok,
        "ledger": url,
        "run_id": run_id,
        "checked": report.checked,
        "first_broken": None if broken is None else dataclasses.asdict(broken),
    }


def _verify_view(report: VerifyReport, run_id: str | None) -> list[Block]:
    scope = f" of run {run_id}" if run_id else ""
    broken = report.first_broken
    if broken is None:
        return [f"ledger intact: {report.checked} events{scope} checked"]
    where = [
        f"seq {cell(broken.seq)}",
        f"event {cell(broken.event_id)}",
        f"run {cell(broken.run_id)}",
    ]
    return [
        f"ledger TAMPERED: first broken link at {', '.join(where)}: {broken.problem}",
        f"{report.checked} events{scope} checked",
    ]


@audit.command("show")
@click.argument("run_id", metavar="RUN")
@format_option
@global_options
@click.pass_context
def show_cmd(ctx: click.Context, run_id: str, fmt: str) -> int:
    """Show one run: its header (change, actor, status) and its events in order.

    \b
    Example:
      changegate audit show 3f2a9c0d1e --format json
    """
    from change_control.ledger.verify import show

    record = show(cli_context(ctx).store(), run_id)
    data = {"run": record.run, "events": record.events}
    emit(fmt, data, lambda: _show_view(run_id, record))
    return exitcodes.OK


def _show_view(run_id: str, record: RunRecord) -> list[Block]:
    run = record.run or {}
    header = fields(
        [
            ("run", run_id),
            ("change", cell(run.get("change_id"))),
            ("status", cell(run.get("status") or "(no runs row)")),
            ("actor", cell(run.get("actor"))),
            ("controller", cell(run.get("controller"))),
            ("playbook", cell(run.get("playbook"))),
            ("started", cell(run.get("started_at"))),
            ("ended", cell(run.get("ended_at"))),
        ]
    )
    rows = tuple(
        (str(e["seq"]), str(e["at"]), str(e["kind"]), _summary(e["body"])) for e in record.events
    )
    return [*header, TableView(("seq", "at", "kind", "summary"), rows, title="events")]


def _summary(body: object) -> str:
    if not isinstance(body, Mapping):
        return cell(body)
    parts = [f"{key}={_short(body[key])}" for key in SUMMARY_KEYS if key in body]
    return " ".join(parts) or cell(", ".join(sorted(str(k) for k in body)))


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


@audit.command("export")
@click.option("--since", metavar="ISO", help="Events at or after this instant.")
@click.option("--until", metavar="ISO", help="Events before this instant.")
@click.option("--run", "run_id", metavar="ID", help="Only this run's events.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one event per line; json: one array.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@global_options
@click.pass_context
def export_cmd(
    ctx: click.Context,
    since: str | None,
    until: str | None,
    run_id: str | None,
    fmt: str,
    output: str | None,
) -> int:
    """Export stored events with their hashes, in chain order.

    \b
    Example:
      changegate audit export --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z \\
          --format json -o november.json
    """
    from change_control.ledger.verify import export

    start, end = _instant(since, "--since"), _instant(until, "--until")
    events = export(cli_context(ctx).store(), start, end, run_id)
    with _destination(output) as write:
        for chunk in _render(events, fmt):
            write(chunk)
    return exitcodes.OK


def _instant(text: str | None, flag: str) -> datetime | None:
    from change_control.timeutil import parse_instant

    return None if text is None else parse_instant(text, field=flag)


def _render(events: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    from change_control.ledger.events import canonical_json

    if fmt == "jsonl":
        for event in events:
            yield canonical_json(event) + "\n"
        return
    yield "["
    for number, event in enumerate(events):
        yield ("," if number else "") + "\n  " + json.dumps(event, ensure_ascii=False)
    yield "\n]\n"


@contextlib.contextmanager
def _destination(output: str | None) -> Iterator[Callable[[str], Any]]:
    """stdout, or ``output`` written to a temporary file renamed into place only on success."""
    if output is None:
        yield functools.partial(click.echo, nl=False)
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh.write
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


@audit.command("replay")
@click.option("--spool", "spool_dir", metavar="DIR", help="Spool directory to replay.")
@click.option("--jsonl", "jsonl_path", metavar="FILE", help="Also replay to this JSON Lines sink.")
@click.option("--writeback", is_flag=True, help="Also write pending run notes to the change.")
@global_options
@click.pass_context
def replay_cmd(
    ctx: click.Context, spool_dir: str | None, jsonl_path: str | None, writeback: bool
) -> int:
    """Deliver spooled events that a failing sink missed; nothing is written twice.

    The default spool is $XDG_STATE_HOME/changegate/spool, the callback's default.

    \b
    Example:
      changegate audit replay --spool /var/lib/changegate/spool
    """
    from change_control.ledger.replay import replay
    from change_control.ledger.sinks import SinkConfig, build_sinks
    from change_control.settings import default_state_dir

    context = cli_context(ctx)
    directory = Path(spool_dir) if spool_dir else default_state_dir(os.environ) / "spool"
    names = ["store", *(["jsonl"] if jsonl_path else []), *(["writeback"] if writeback else [])]
    config = SinkConfig(
        store=context.store(),
        jsonl_path=Path(jsonl_path) if jsonl_path else None,
        provider=context.provider() if writeback else None,
    )
    report = replay(directory, build_sinks(names, config))
    for line in _replay_lines(report, directory):
        click.echo(line)
    return exitcodes.OK if report.ok else exitcodes.ERROR


def _replay_lines(report: ReplayReport, directory: Path) -> list[str]:
    lines = [
        f"replayed {report.replayed} events from {directory} "
        f"({report.already_present} already present, {report.failed} still failing)"
    ]
    if report.removed:
        lines.append(f"complete, spool removed: {', '.join(report.removed)}")
    if report.busy:
        lines.append(f"still recording, left alone: {', '.join(report.busy)}")
    for sink, count in report.unconfigured.items():
        lines.append(f"{count} events wait for sink {sink!r}: replay with its option to send them")
    return lines
