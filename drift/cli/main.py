"""The ``changegate`` command: the suite's front door.

Command groups are imported lazily (``LazyGroup``) so that ``changegate --help`` never pays
for SQLAlchemy, boto3 or Ansible. ``main`` is the one place where errors become a single line on
stderr and an exit code: 1 for errors and usage, 2 only for negative results.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from drift.cli import exitcodes
from drift.cli.options import global_options

#: name -> ("module:attribute", one-line help). Adding a command group touches only this table.
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "change": ("drift.cli.change:change", "Open, approve, move and check change requests."),
    "freeze": ("drift.cli.freeze:freeze", "Manage change-freeze windows."),
    "policy": ("drift.cli.policy:policy", "Validate and explain a changegate.yml policy."),
    "db": ("drift.cli.db:db", "Create or upgrade the store's schema."),
    "audit": ("drift.cli.audit:audit", "Verify, show, export and replay the run ledger."),
    "drift": (
        "drift.cli.drift:drift",
        "Audit drift: Terraform state vs live vs approved baselines.",
    ),
    "cmdb": ("drift.cli.cmdb:cmdb", "Reconcile states, snapshots, audits and inventories."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when they are invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMAND_GROUPS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List groups from the table, without importing them."""
        rows = [(name, COMMAND_GROUPS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


EPILOG = """\b
Exit codes: 0 clean/allowed/verified, 2 negative (denied, drift, tampered), 1 error.
Examples:
  changegate change new --type normal --summary "Patch nginx" --requested-by alice \\
      --window-start 2026-11-23T20:00:00+01:00 --window-end 2026-11-23T22:00:00+01:00
  changegate change approve CHG0000001 --by bob --group CAB
  changegate change check CHG0000001 --host web1 --module ansible.builtin.service --executor carol
"""


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="changegate", prog_name="changegate")
@global_options
def cli() -> None:
    """changegate: change control inside the tools operations teams already run.

    Every production change carries an approved ticket; every Ansible run is gated and
    recorded in a tamper-evident ledger.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return (and as a script, exit with) the exit code."""
    from change_control.errors import ChangegateError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="changegate", standalone_mode=False)
    except ChangegateError as err:
        click.echo(f"error: {err.message}", err=True)
        return exitcodes.ERROR
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return exitcodes.ERROR
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.UsageError as err:
        message = " ".join(err.format_message().split())
        click.echo(f"error: {message}{_help_hint(err.ctx)}", err=True)
        return exitcodes.ERROR
    except click.ClickException as err:
        click.echo(f"error: {err.format_message()}", err=True)
        return exitcodes.ERROR
    return int(result) if isinstance(result, int) else exitcodes.OK


def _help_hint(ctx: click.Context | None) -> str:
    """`` (see 'changegate change check --help')``: usage errors stay one line and still teach."""
    return f" (see '{ctx.command_path} --help')" if ctx is not None else ""


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
