"""Bad input: exit 1, ONE line on stderr naming the problem, no traceback, nothing written.

Each case runs once in-process (``main(argv)`` under ``CliRunner``); the cases a user's shell
meets most often run through the installed ``changegate`` script as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .support import WINDOW, Outcome, Runner, Workspace

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/x"
NEW = ["change", "new", "--type", "normal", "--summary", "Patch", "--requested-by", "alice"]
CHECK = ["change", "check", "CHG0000001", "--host", "web1", "--module", "copy", "--executor", "c"]


@dataclass(frozen=True)
class Case:
    """One bad invocation and the words its error line must contain."""

    argv: tuple[str, ...]
    names: tuple[str, ...]
    policy: str | None = None
    shell: bool = False


MALFORMED_YAML = "approvals: [unclosed\n  - risk: high\n"
UNKNOWN_KEY = "gate:\n  hostz: ['web*']\n"

CASES = {
    "malformed YAML": Case(("--config", "{policy}", *NEW), ("bad.yml",), MALFORMED_YAML, True),
    "malformed YAML in policy check": Case(
        ("policy", "check", "{policy}"), ("bad.yml",), MALFORMED_YAML
    ),
    "unknown key": Case(("policy", "check", "{policy}"), ("bad.yml", "hostz"), UNKNOWN_KEY, True),
    "unknown key in --config": Case((*NEW, "--config", "{policy}"), ("hostz",), UNKNOWN_KEY),
    "missing policy file": Case(("policy", "check", "nowhere.yml"), ("nowhere.yml",)),
    "bad time zone": Case((*NEW, *WINDOW, "--tz", "Mars/Olympus"), ("Mars/Olympus",), shell=True),
    "bad time zone of a freeze": Case(
        (
            "freeze",
            "add",
            "--weekly",
            "Fri 18:00-Mon 06:00",
            "--tz",
            "Europe/Berln",
            "--reason",
            "w",
        ),
        ("Europe/Berln",),
    ),
    "window end before start": Case(
        (*NEW, "--window-start", "2030-01-07T12:00", "--window-end", "2030-01-07T10:00"),
        ("window", "2030-01-07T10:00:00Z"),
    ),
    "half a window": Case((*NEW, "--window-start", "2030-01-07T12:00"), ("--window-end",)),
    "bad ISO time in a window": Case(
        (*NEW, "--window-start", "tomorrow", "--window-end", "2030-01-07T10:00"), ("tomorrow",)
    ),
    "bad ISO time in --at": Case((*CHECK, "--at", "noon"), ("--at", "noon"), shell=True),
    "unknown change id": Case(("change", "show", "CHG0000999"), ("CHG0000999",), shell=True),
    "approving an unknown change": Case(
        ("change", "approve", "CHG0000999", "--by", "bob"), ("CHG0000999",)
    ),
    "unreachable database URL": Case(
        ("change", "list", "--db", UNREACHABLE), ("127.0.0.1", "refused"), shell=True
    ),
    "unreachable database URL when opening a change": Case(
        (*NEW, "--db", UNREACHABLE), ("127.0.0.1",)
    ),
    "not a database URL": Case(("change", "list", "--db", "mysql://x/y"), ("mysql",)),
    "neither freeze form": Case(("freeze", "add", "--reason", "r"), ("--weekly",), shell=True),
    "both freeze forms": Case(
        (
            "freeze",
            "add",
            "--start",
            "2030-01-07T00:00",
            "--end",
            "2030-01-08T00:00",
            "--weekly",
            "Fri 18:00-Mon 06:00",
            "--reason",
            "r",
        ),
        ("not both",),
    ),
    "half an absolute freeze": Case(
        ("freeze", "add", "--start", "2030-01-07T00:00", "--reason", "r"), ("--end",)
    ),
    "freeze end before start": Case(
        (
            "freeze",
            "add",
            "--start",
            "2030-01-08T00:00",
            "--end",
            "2030-01-07T00:00",
            "--reason",
            "r",
        ),
        ("--end", "--start"),
    ),
    "malformed weekly freeze": Case(
        ("freeze", "add", "--weekly", "weekends", "--reason", "r"), ("weekends",)
    ),
    "bad freeze id": Case(("freeze", "remove", "seven"), ("seven",)),
    "unknown freeze id": Case(("freeze", "remove", "7"), ("7",)),
    "blank summary": Case(
        ("change", "new", "--type", "normal", "--summary", " ", "--requested-by", "a"),
        ("--summary",),
    ),
    "argument without a value": Case((*CHECK, "--arg", "state"), ("--arg", "state")),
    "unknown template": Case(
        (
            "change",
            "new",
            "--type",
            "standard",
            "--summary",
            "s",
            "--requested-by",
            "a",
            "--template",
            "nope",
        ),
        ("nope",),
    ),
    "close code on a non-closing move": Case(
        (
            "change",
            "transition",
            "CHG0000001",
            "--to",
            "implement",
            "--by",
            "c",
            "--close-code",
            "x",
        ),
        ("close code",),
    ),
}


def invoke(runner: Runner, workspace: Workspace, case: Case) -> Outcome:
    if case.policy is not None:
        workspace.write_policy(case.policy, "bad.yml")
    argv = [arg.replace("{policy}", "bad.yml") for arg in case.argv]
    return runner(*argv)


def assert_one_line_error(outcome: Outcome, names: tuple[str, ...]) -> None:
    assert outcome.exit_code == 1, outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert len(outcome.error_lines) == 1, outcome.stderr
    line = outcome.error_lines[0]
    assert line.startswith("error: ")
    for name in names:
        assert name in line


def assert_nothing_written(cli: Runner) -> None:
    assert cli("change", "list", "--format", "json").json() == []
    assert cli("freeze", "list", "--format", "json").json() == []


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_and_exit_1_in_process(
    cli: Runner, workspace: Workspace, case: Case
) -> None:
    assert_one_line_error(invoke(cli, workspace, case), case.names)
    assert_nothing_written(cli)


SHELL_CASES = {name: case for name, case in CASES.items() if case.shell}


@pytest.mark.parametrize("case", SHELL_CASES.values(), ids=SHELL_CASES.keys())
def test_bad_input_is_one_line_and_exit_1_from_the_installed_script(
    shell: Runner, cli: Runner, workspace: Workspace, case: Case
) -> None:
    assert_one_line_error(invoke(shell, workspace, case), case.names)
    assert_nothing_written(cli)


@pytest.mark.parametrize(
    "argv",
    [
        ["change", "new", "--summary", "s", "--requested-by", "a"],
        ["change", "new", "--type", "sideways", "--summary", "s", "--requested-by", "a"],
        ["change", "frobnicate"],
        ["change", "list", "--limit", "0"],
    ],
    ids=["missing option", "bad choice", "unknown command", "out of range"],
)
def test_click_usage_errors_exit_1_without_a_traceback(shell: Runner, argv: list[str]) -> None:
    outcome = shell(*argv)

    assert outcome.exit_code == 1
    assert "Traceback" not in outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "--help'" in lines[0]
