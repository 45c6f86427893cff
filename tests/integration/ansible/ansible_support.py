"""A throw-away Ansible controller for end-to-end tests: store, policy, inventory, ansible.cfg.

Every test runs the real ``ansible-playbook`` of the venv against ``ansible_connection=local``
hosts, with the collection taken from the working tree (``collections/``), a SQLite store in a
temp directory (``CHANGEGATE_DB``), a policy file (``CHANGEGATE_CONFIG``) and the audit callback
enabled in a generated ``ansible.cfg`` (whose ``[changegate]`` section sets the spool and the
sinks, so the ini path is exercised too). Changes are opened and approved through the provider
API, the same code the ``changegate change`` CLI calls.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
EXECUTOR = "carol"

POLICY = """\
version: 1
approvals:
  - risk: [low, moderate]
    count: 1
  - risk: [high, very_high]
    count: 2
    groups: [CAB]
freeze:
  - name: payments-quarter-end
    start: "2000-01-01T00:00:00Z"
    end: "2100-01-01T00:00:00Z"
    environments: [payments]
    reason: payments quarter-end freeze
standard_changes:
  noop-command:
    modules: [ansible.builtin.command]
    args:
      cmd: {equals: "true"}
emergency:
  pir_within_hours: 24
redact: [ticket_secret]
"""

ANSIBLE_CFG = """\
[defaults]
callbacks_enabled = changegate.itsm.audit
retry_files_enabled = False
localhost_warning = False
deprecation_warnings = False
collections_path = {collections}

[changegate]
spool = {spool}
sinks = {sinks}
"""


@dataclass
class Played:
    """One finished ``ansible-playbook`` run."""

    rc: int
    stdout: str
    stderr: str

    @property
    def console(self) -> str:
        """Everything the operator saw."""
        return self.stdout + self.stderr

    @property
    def run_id(self) -> str:
        """The run id the audit callback printed in its summary."""
        found = re.search(r"changegate: run (\S+) under", self.stdout)
        assert found, f"no changegate summary in:\n{self.console}"
        return found.group(1)

    def fatal_line(self, host: str) -> str:
        """The ``fatal: [host]`` line (the operator's view of a refused task)."""
        for line in self.stdout.splitlines():
            if line.startswith(f"fatal: [{host}]"):
                return line
        raise AssertionError(f"no fatal line for {host} in:\n{self.stdout}")


class Lab:
    """The controller's files and environment, plus helpers to make changes and read the ledger."""

    def __init__(self, root: Path, sinks: str = "store, writeback") -> None:
        self.root = root
        self.db_path = root / "changegate.db"
        self.db_url = f"sqlite:///{self.db_path}"
        self.policy_path = root / "changegate.yml"
        self.policy_path.write_text(POLICY)
        self.spool = root / "spool"
        self.cfg = root / "ansible.cfg"
        text = ANSIBLE_CFG.format(collections=ROOT / "collections", spool=self.spool, sinks=sinks)
        self.cfg.write_text(text)
        #: The same configuration without the audit callback.
        self.cfg_without_callback = root / "ansible-no-callback.cfg"
        self.cfg_without_callback.write_text(
            text.replace("callbacks_enabled = changegate.itsm.audit\n", "")
        )
        self._provider: Any = None

    # ------------------------------------------------------------------ environment
    def env(self, **extra: str) -> dict[str, str]:
        """The environment ``ansible-playbook`` runs with (nothing changegate-ish inherited)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ANSIBLE_", "CHANGEGATE_")) and k not in {"USER", "LOGNAME"}
        }
        env.update(
            ANSIBLE_CONFIG=str(self.cfg),
            ANSIBLE_HOME=str(self.root / "ansible-home"),
            ANSIBLE_LOCAL_TEMP=str(self.root / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            CHANGEGATE_DB=self.db_url,
            CHANGEGATE_CONFIG=str(self.policy_path),
            XDG_STATE_HOME=str(self.root / "state"),
            USER=EXECUTOR,
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        env.update(extra)
        return env

    def write(self, name: str, text: str) -> Path:
        """A file in the lab (playbook, inventory, vars)."""
        path = self.root / name
        path.write_text(text)
        return path

    def play(self, playbook: Path, *args: str, callback: bool = True, **env: str) -> Played:
        """Run ``ansible-playbook`` (with the audit callback unless told) and wait for it."""
        if not callback:
            env["ANSIBLE_CONFIG"] = str(self.cfg_without_callback)
        done = subprocess.run(
            [str(BIN / "ansible-playbook"), str(playbook), *args],
            cwd=self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return Played(done.returncode, done.stdout, done.stderr)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the ``changegate`` CLI against the lab's store and policy."""
        return subprocess.run(
            [str(BIN / "changegate"), *args],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # ------------------------------------------------------------------ changes
    def provider(self) -> Any:
        """The local provider over the lab's store (the CLI's code path)."""
        if self._provider is None:
            from change_control.policy.loader import load_policy
            from change_control.providers import get_provider
            from change_control.settings import resolve

            policy = load_policy(self.policy_path)
            settings = resolve(db=self.db_url, config=str(self.policy_path), env={})
            self._provider = get_provider("local", settings, policy)
        return self._provider

    def change(
        self,
        change_type: str = "normal",
        *,
        approvers: Sequence[str] = ("bob",),
        window: tuple[float, float] | None = (-1, 2),
        hosts: Sequence[str] = (),
        template: str | None = None,
        requested_by: str = "alice",
    ) -> str:
        """Open a change (window in hours around now) and approve it; return its id."""
        from change_control.model import ChangeType, Scope, Window
        from change_control.providers.base import NewChange

        now = datetime.now(UTC)
        span = None
        if window is not None:
            span = Window(now + timedelta(hours=window[0]), now + timedelta(hours=window[1]))
        new = NewChange(
            type=ChangeType(change_type),
            summary=f"{change_type} change for an end-to-end test",
            requested_by=requested_by,
            window=span,
            scope=Scope(hosts=tuple(hosts)),
            template=template,
        )
        provider = self.provider()
        created = provider.create(new, now)
        for approver in approvers:
            provider.approve(created.id, approver, datetime.now(UTC))
        return str(created.id)

    # ------------------------------------------------------------------ ledger
    def events(self, run_id: str) -> list[dict[str, Any]]:
        """The run's events in chain order, bodies parsed."""
        import sqlite3

        with sqlite3.connect(self.db_path) as conn:
            rows = conn.execute(
                "SELECT kind, body FROM run_events WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [{"kind": kind, **json.loads(body)} for kind, body in rows]

    def run_row(self, run_id: str) -> dict[str, Any]:
        """The run's row in ``runs``."""
        import sqlite3

        with sqlite3.connect(self.db_path) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        assert row is not None, f"no run {run_id}"
        return dict(row)

    def latest_run(self) -> str:
        """The id of the run that started last."""
        import sqlite3

        with sqlite3.connect(self.db_path) as conn:
            (run_id,) = conn.execute(
                "SELECT id FROM runs ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
        return str(run_id)


def decisions(events: list[dict[str, Any]], task: str) -> dict[str, dict[str, Any]]:
    """``host -> gate_decision body`` for one task."""
    return {e["host"]: e for e in events if e["kind"] == "gate_decision" and e["task"] == task}


def results(events: list[dict[str, Any]], task: str) -> dict[str, dict[str, Any]]:
    """``host -> task_result body`` for one task."""
    return {e["host"]: e for e in events if e["kind"] == "task_result" and e["task"] == task}


def codes(decision: dict[str, Any]) -> list[str]:
    """The reason codes of a recorded decision."""
    return [reason["code"] for reason in decision.get("reasons") or []]


#: Local hosts. ``ansible_user`` is the real login: the tests set ``$USER`` to the executor the
#: gate should see (carol), and Ansible would otherwise try to use that as the remote user.
LOCAL = (
    f"ansible_connection=local ansible_user={pwd.getpwuid(os.getuid()).pw_name} "
    'ansible_python_interpreter="{{ ansible_playbook_python }}"'
)
