"""``python -m drift.cli.demo`` (``make demo``): the main job end to end, as a user would type it.

It works in a fresh temporary directory with its own SQLite store, so it never touches the
user's store or policy. Each step prints a heading, then every command line before its output,
and runs the real CLI (``main`` in-process, exactly what the ``changegate`` script calls).

The demo is a list of step functions (``STEPS``): each feature (the gate, a gated playbook, a
drift audit, a CMDB sync) has its own step. A step records what it expected with
``Demo.expect``; the demo exits 0 only when every expectation held, so ``make demo`` doubles as
a smoke test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import click

from drift.cli import exitcodes
from drift.cli.drift_demo import step_drift
from drift.cli.main import main as changegate

#: The demo's freeze and its zone; the demo steers clear of the freeze (see ``_anchor``).
WEEKEND = "Fri 18:00-Mon 06:00"
ZONE = "Europe/Berlin"
POLICY = f"""\
# changegate.yml written by the demo: production is gated, high risk needs two approvals
# including one from the CAB, and nothing changes over the weekend unless it is an emergency.
version: 1
gate:
  environments: [production]
approvals:
  - risk: [low, moderate]
    count: 1
  - risk: [high, very_high]
    count: 2
    groups: [CAB]
freeze:
  - name: weekend
    weekly: "{WEEKEND}"
    tz: {ZONE}
    reason: no production changes over the weekend
    exempt_types: [emergency]
"""


class DemoFailed(Exception):
    """A demo command did not end as the step expected; the demo stops there."""


@dataclass
class Demo:
    """What the steps share: where the demo lives, the clock it uses, what it found."""

    workdir: Path
    now: datetime
    at: datetime
    """When the demo's tasks run (``--at``): ``now``, or the coming Tuesday if ``now`` is frozen."""
    change_id: str = ""
    last_exit: int = exitcodes.OK
    results: list[tuple[str, str, str]] = field(default_factory=list)
    """(what, expected, got) per expectation, for the closing summary."""

    @property
    def db_url(self) -> str:
        """The demo's own store."""
        return f"sqlite:///{self.workdir / 'changegate.db'}"

    def run(self, command: str, *extra: str, expect: int | None = exitcodes.OK) -> str:
        """Echo and run ``changegate COMMAND EXTRA...``; return its stdout.

        ``command`` is split like a shell would; ``extra`` arguments are appended as they are.
        The demo stops unless the exit code is ``expect``; ``expect=None`` accepts any code
        (``last_exit`` has it), for steps that record the outcome as an expectation instead.
        """
        args = [*shlex.split(command), *extra]
        click.echo(click.style(f"$ changegate {shlex.join(args)}", bold=True))
        captured = _Tee(sys.stdout)
        with contextlib.redirect_stdout(captured):
            code = changegate(args)
        click.echo(click.style(f"(exit {code})", dim=True))
        click.echo()
        self.last_exit = code
        if expect is not None and code != expect:
            raise DemoFailed(f"changegate {shlex.join(args[:2])} exited {code}, expected {expect}")
        return captured.text()

    def expect(self, what: str, expected: object, got: object) -> None:
        """Record an expectation for the summary."""
        self.results.append((what, str(expected), str(got)))

    @property
    def ok(self) -> bool:
        """True when every recorded expectation held."""
        return bool(self.results) and all(exp == got for _, exp, got in self.results)

    def at_args(self) -> list[str]:
        """``--at`` for gate checks, so the answer depends on the demo's clock, not the wall's."""
        return ["--at", self.at.isoformat(timespec="minutes")]


class _Tee(io.StringIO):
    """Keeps a copy of what a command prints while the user still sees it."""

    def __init__(self, echo_to: TextIO) -> None:
        super().__init__()
        self._echo_to = echo_to

    def write(self, text: str) -> int:
        self._echo_to.write(text)
        return super().write(text)

    def text(self) -> str:
        """Everything written so far."""
        return self.getvalue()


# ---------------------------------------------------------------- steps


def step_setup(demo: Demo) -> None:
    """Write the policy next to the store and check it."""
    (demo.workdir / "changegate.yml").write_text(POLICY, encoding="utf-8")
    click.echo(f"working directory: {demo.workdir}")
    click.echo(f"store:             {demo.workdir / 'changegate.db'}")
    click.echo(f"$ export CHANGEGATE_DB={demo.db_url}")
    click.echo("$ export CHANGEGATE_CONFIG=changegate.yml\n")
    demo.run("policy check changegate.yml")
    demo.run("db upgrade")


def step_new(demo: Demo) -> None:
    """Open a normal, high-risk change whose window is around now (in Berlin time)."""
    anchor = demo.at
    if demo.at - demo.now > timedelta(minutes=1):
        click.echo(f"The weekend freeze is on right now, so the demo plans for {demo.at}.\n")
    start = (anchor - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = (anchor + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    out = demo.run(
        "change new --type normal --risk high --summary 'Restart nginx on the web tier'"
        f" --requested-by alice --window-start {start} --window-end {end} --tz {ZONE}"
        " --scope-env production --scope-host 'web*'"
        " --rollback-plan 'redeploy the previous nginx.conf and restart'"
    )
    demo.change_id = out.strip().splitlines()[-1]
    demo.expect("change opened", "new", _state(demo))


def step_approve(demo: Demo) -> None:
    """Two approvals, one from the CAB: what the policy asks of a high-risk change."""
    demo.run(f"change approve {demo.change_id} --by bob --group CAB --comment 'rollback tested'")
    demo.run(f"change approve {demo.change_id} --by dave --group ops")
    demo.run(f"change show {demo.change_id}")
    demo.expect("change scheduled after two approvals", "scheduled", _state(demo))


def step_allowed(demo: Demo) -> None:
    """Carol restarts nginx on web1 in production, inside the window: allowed."""
    demo.run(
        f"change check {demo.change_id} --host web1 --env production"
        " --module ansible.builtin.service --executor carol",
        *demo.at_args(),
        expect=None,
    )
    demo.expect("carol on web1", "allowed", _verdict(demo.last_exit))


def step_denied(demo: Demo) -> None:
    """Bob approved the change and wants to run it on db1, outside its scope: denied."""
    command = (
        f"change check {demo.change_id} --host db1 --env production"
        " --module ansible.builtin.service --executor bob"
    )
    demo.run(command, *demo.at_args(), expect=None)
    demo.expect("bob on db1", "denied", _verdict(demo.last_exit))
    click.echo("The same decision, as scripts and the Ansible plugins read it:")
    decision = json.loads(demo.run(command, *demo.at_args(), "--format", "json", expect=None))
    codes = sorted(reason["code"] for reason in decision["reasons"])
    demo.expect("bob on db1: reasons", "scope.host, sod.executor_is_approver", ", ".join(codes))


PLAYBOOK = """\
- name: Change-gated play on this machine
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write a file (change-gated)
      changegate.itsm.gate:
        module: ansible.builtin.copy
        args:
          content: "changed under change control\\n"
          dest: "{{ playbook_dir }}/gated.txt"
          mode: "0644"
"""


def step_playbook(demo: Demo) -> None:
    """A real ansible-playbook run on localhost: refused, then allowed, then the ledger verified.

    The change is an emergency change: the policy's weekend freeze exempts emergencies, so this
    step gives the same answers on any day (and shows the review obligation emergencies carry).
    """
    playbook_bin = Path(sys.executable).with_name("ansible-playbook")
    collections = Path(__file__).resolve().parents[2] / "collections"
    if not playbook_bin.exists() or not collections.is_dir():
        click.echo("skipped: needs ansible-core in this venv and the repository's collections/")
        return
    (demo.workdir / "ansible.cfg").write_text(
        "[defaults]\ncallbacks_enabled = changegate.itsm.audit\nretry_files_enabled = False\n"
        f"collections_path = {collections}\n\n[changegate]\nspool = {demo.workdir / 'spool'}\n"
    )
    (demo.workdir / "inventory.ini").write_text(
        "localhost ansible_connection=local changegate_environment=production "
        'ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
    )
    (demo.workdir / "gated.yml").write_text(PLAYBOOK)
    change = (
        demo.run(
            "change new --type emergency --summary 'Hotfix on this machine' --requested-by alice"
            " --scope-env production --scope-host localhost"
        )
        .strip()
        .splitlines()[-1]
    )
    refused, output = _playbook(demo, playbook_bin, change)
    demo.expect("playbook before approval", exitcodes.NEGATIVE, refused)
    demo.expect(
        "the operator sees why",
        "change.not_approved",
        "change.not_approved" if "[change.not_approved]" in output else "no reason shown",
    )
    demo.run(f"change approve {change} --by bob --comment 'hotfix reviewed'")
    allowed, _output = _playbook(demo, playbook_bin, change)
    demo.expect("playbook after approval", exitcodes.OK, allowed)
    demo.run("audit verify", expect=None)
    demo.expect("the ledger of both runs verifies", exitcodes.OK, demo.last_exit)


def _playbook(demo: Demo, playbook_bin: Path, change: str) -> tuple[int, str]:
    """Echo and run ``ansible-playbook gated.yml`` under ``change``; return (exit, output)."""
    import subprocess

    args = ["-i", "inventory.ini", "gated.yml", "-e", f"changegate_change={change}"]
    click.echo(click.style(f"$ ansible-playbook {shlex.join(args)}", bold=True))
    env = {**os.environ, "ANSIBLE_CONFIG": str(demo.workdir / "ansible.cfg")}
    env["PATH"] = f"{playbook_bin.parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [str(playbook_bin), *args], env=env, capture_output=True, text=True, check=False
    )
    click.echo(done.stdout + done.stderr)
    click.echo(click.style(f"(exit {done.returncode})", dim=True))
    click.echo()
    return done.returncode, done.stdout


def step_cmdb(demo: Demo) -> None:
    """Sync the stored audit into the CMDB (a second sync writes nothing), list the drifted."""
    click.echo("The audit becomes configuration items with a drift status; syncing it again")
    click.echo("writes nothing.\n")
    demo.run("cmdb sync --from audit=latest")
    again = demo.run("cmdb sync --from audit=latest --format json")
    demo.expect("second cmdb sync: rows written", "0", json.loads(again)["writes"])
    demo.run("cmdb show --drifted")
    with contextlib.redirect_stdout(io.StringIO()) as quiet:
        changegate(["cmdb", "show", "--drifted", "--format", "json"])
    drifted = sorted(f"{ci['name']} ({ci['drift_status']})" for ci in json.loads(quiet.getvalue()))
    demo.expect(
        "drifted CIs",
        "console-made-bucket (unmanaged), terraform_data.web (drifted)",
        ", ".join(drifted),
    )


#: The demo, in order. Later features append (heading, step) pairs here.
STEPS: list[tuple[str, Callable[[Demo], None]]] = [
    ("A throw-away store and a policy", step_setup),
    ("Open a change", step_new),
    ("Approve it", step_approve),
    ("Ask the gate: an allowed task", step_allowed),
    ("Ask the gate: a denied task", step_denied),
    ("A gated playbook on localhost, refused then allowed, and its ledger", step_playbook),
    ("Audit drift: Terraform state vs live", step_drift),
    ("Reconcile the audit into the CMDB, twice, and list what drifted", step_cmdb),
]


# ---------------------------------------------------------------- driver


def run_demo(workdir: Path, now: datetime) -> int:
    """Run every step in ``workdir``; return 0 when all expectations held, else 1."""
    demo = Demo(workdir=workdir, now=now, at=_anchor(now))
    with _demo_environment(demo):
        try:
            for number, (heading, step) in enumerate(STEPS, start=1):
                click.echo(click.style(f"== {number}. {heading}", bold=True, fg="cyan"))
                step(demo)
        except DemoFailed as failed:
            click.echo(f"demo stopped: {failed}", err=True)
            return exitcodes.ERROR
    _summary(demo)
    return exitcodes.OK if demo.ok else exitcodes.ERROR


def _summary(demo: Demo) -> None:
    click.echo(click.style("== Summary", bold=True, fg="cyan"))
    for what, expected, got in demo.results:
        mark = "ok  " if expected == got else "FAIL"
        click.echo(f"  {mark} {what}: expected {expected}, got {got}")
    click.echo(f"\nThe demo's store stays at {demo.workdir / 'changegate.db'}; explore it with")
    click.echo(f"  CHANGEGATE_DB={demo.db_url} changegate change list")
    click.echo("demo complete" if demo.ok else "demo FAILED: see above")


@contextlib.contextmanager
def _demo_environment(demo: Demo) -> Iterator[None]:
    """Point the CLI at the demo's store and policy, and put everything back afterwards."""
    saved = {key: os.environ.get(key) for key in ("CHANGEGATE_DB", "CHANGEGATE_CONFIG")}
    cwd = Path.cwd()
    os.environ["CHANGEGATE_DB"] = demo.db_url
    os.environ["CHANGEGATE_CONFIG"] = "changegate.yml"
    os.chdir(demo.workdir)
    try:
        yield
    finally:
        os.chdir(cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _anchor(now: datetime) -> datetime:
    """When the demo's tasks run: ``now`` (in Berlin) unless the weekend freeze covers it.

    Then it is the coming Tuesday at noon, so the allowed decision stays allowed on a weekend.
    """
    from change_control.policy.freeze import parse_weekly

    local = now.astimezone(_zone()).replace(second=0, microsecond=0)
    if not parse_weekly(WEEKEND).covers(local):
        return local
    days = (1 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)


def _verdict(code: int) -> str:
    return {exitcodes.OK: "allowed", exitcodes.NEGATIVE: "denied"}.get(code, f"error {code}")


def _state(demo: Demo) -> str:
    with contextlib.redirect_stdout(io.StringIO()) as quiet:
        changegate(["change", "show", demo.change_id, "--format", "json"])
    state: str = json.loads(quiet.getvalue())["state"]
    return state


def _zone() -> ZoneInfo:
    from change_control.timeutil import zone

    return zone(ZONE)


def main() -> int:
    """Entry point: a fresh temporary directory, the real clock."""
    from change_control.timeutil import utcnow

    workdir = Path(tempfile.mkdtemp(prefix="changegate-demo-"))
    return run_demo(workdir, utcnow())


if __name__ == "__main__":
    sys.exit(main())
