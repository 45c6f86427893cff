"""What the CLI tests share: outcomes, the private workspace, and a few argument builders."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENTRY_POINT = Path(sys.executable).parent / "changegate"

#: A policy with the shape the issue describes: high risk needs two approvals incl. CAB.
CAB_POLICY = """\
version: 1
approvals:
  - risk: [low, moderate]
    count: 1
  - risk: [high, very_high]
    count: 2
    groups: [CAB]
standard_changes:
  restart-nginx:
    modules: [ansible.builtin.service]
    args:
      name: {equals: nginx}
      state: {one_of: [restarted, reloaded]}
"""


@dataclass(frozen=True)
class Outcome:
    """What one ``changegate`` invocation did."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        """Non-empty stderr lines."""
        return [line for line in self.stderr.splitlines() if line.strip()]


@dataclass(frozen=True)
class Workspace:
    """One test's private store, state directory and environment."""

    root: Path
    db_url: str
    env: Mapping[str, str | None]

    def write_policy(self, text: str, name: str = "changegate.yml") -> Path:
        """Write a policy file under the workspace and return its path."""
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path


Runner = Callable[..., Outcome]


#: A window well in the future (a Monday, no DST edge) and an instant inside it.
WINDOW = ("--window-start", "2030-01-07T10:00:00Z", "--window-end", "2030-01-07T12:00:00Z")
INSIDE = "2030-01-07T11:00:00Z"


def new_change(
    cli: Runner, *extra: str, requested_by: str = "alice", change_type: str = "normal"
) -> str:
    """Open a change (normal by default) scoped to web* in production; return its id."""
    outcome = cli(
        "change", "new", "--type", change_type, "--summary", "Patch nginx",
        "--requested-by", requested_by, *WINDOW,
        "--scope-host", "web*", "--scope-env", "production", *extra,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    return outcome.stdout.strip()


def check_args(
    change_id: str, *extra: str, host: str = "web1", executor: str = "carol"
) -> list[str]:
    """``change check`` arguments for a service restart inside ``WINDOW``."""
    return [
        "change", "check", change_id, "--host", host, "--env", "production",
        "--module", "ansible.builtin.service", "--executor", executor, "--at", INSIDE, *extra,
    ]  # fmt: skip
