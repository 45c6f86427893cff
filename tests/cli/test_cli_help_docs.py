"""Every command and group has help with an example, and docs/cli.md documents each one.

The walk covers the whole click tree (the way sqlite-utils' test_docs does), so a command added
later without help or without docs fails here rather than in a user's terminal.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from drift.cli.main import COMMAND_GROUPS, cli

from .support import Runner

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
GLOBAL_FLAGS = ("--db", "--config", "--verbose", "--quiet")


def walk(command: click.Command, path: tuple[str, ...]) -> list[tuple[str, click.Command]]:
    """Every (``changegate ...`` path, command) below ``command``, groups included."""
    found = [(" ".join(path), command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{' '.join(path)} lists {name!r} but cannot load it"
            found += walk(sub, (*path, name))
    return found


COMMANDS = walk(cli, ("changegate",))
LEAVES = [(path, cmd) for path, cmd in COMMANDS if not isinstance(cmd, click.Group)]
GROUPS = [(path, cmd) for path, cmd in COMMANDS if isinstance(cmd, click.Group)]


def section(path: str) -> str:
    """The part of docs/cli.md under the heading for ``path``, up to the next heading."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^#+ `{re.escape(path)}`\s*$(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, f"docs/cli.md has no heading for `{path}`"
    return match.group(1)


def test_the_tree_holds_every_group_and_command_of_the_contract() -> None:
    paths = {path for path, _ in COMMANDS}

    assert {f"changegate {group}" for group in COMMAND_GROUPS} <= paths
    assert {
        "changegate change new",
        "changegate change show",
        "changegate change list",
        "changegate change approve",
        "changegate change reject",
        "changegate change transition",
        "changegate change check",
        "changegate freeze add",
        "changegate freeze list",
        "changegate freeze remove",
        "changegate policy check",
        "changegate db upgrade",
        "changegate db current",
    } <= paths


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_and_group_has_help_text(path: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), f"{path} has no help"
    assert command.get_short_help_str().strip()


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_help_page_shows_an_example_and_the_global_options(
    cli: Runner, path: str, command: click.Command
) -> None:
    outcome = cli(*path.split()[1:], "--help", db=False)

    assert outcome.exit_code == 0, outcome.stderr
    assert "Example" in outcome.stdout
    assert re.search(r"^\s+changegate \w", outcome.stdout, re.M), outcome.stdout
    for flag in GLOBAL_FLAGS:
        assert flag in outcome.stdout, f"{path} --help lacks {flag}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_and_its_flags_are_in_docs_cli_md(path: str, command: click.Command) -> None:
    text = section(path)

    flags = [
        opt
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt not in GLOBAL_FLAGS and opt != "--help"
    ]
    missing = [flag for flag in flags if flag not in text]
    assert not missing, f"docs/cli.md section `{path}` does not mention {missing}"
    if not isinstance(command, click.Group):
        assert f"$ {path}" in text, f"docs/cli.md section `{path}` has no example"


def test_docs_cli_md_states_the_exit_codes() -> None:
    text = DOCS.read_text(encoding="utf-8")

    for code, meaning in (("0", "allowed"), ("1", "error"), ("2", "denied")):
        assert re.search(rf"\| `?{code}`? \|[^\n]*{meaning}", text, re.I), (code, meaning)
