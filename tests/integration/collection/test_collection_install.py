"""``make build``'s output installs and runs a gated playbook without the repo.

The collection tarball goes in with ``ansible-galaxy collection install``, the wheel with pip
(uv) into a fresh venv next to ansible-core. Every command then runs from a scratch directory,
with PATH starting at the fresh venv and ANSIBLE_COLLECTIONS_PATH at the install directory, so
nothing can come from the working tree: the CLI opens and approves a change, the playbook the
installed collection ships runs under it, and the ledger it wrote verifies.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.collection.collection_support import run

pytestmark = [pytest.mark.ansible, pytest.mark.slow]

ANSIBLE_CFG = """\
[defaults]
inventory = inventory.ini
callbacks_enabled = changegate.itsm.audit
retry_files_enabled = False

[changegate]
spool = {spool}
"""
INVENTORY = """\
[web]
web1 ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"

[web:vars]
changegate_environment=production
"""
POLICY = """\
version: 1
gate:
  environments: [production]
"""


@pytest.fixture(scope="module")
def fresh_venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with only the built wheel and ansible-core in it."""
    uv = shutil.which("uv")
    assert uv is not None  # the dist fixture skips without uv
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    (wheel,) = dist.glob("changegate-*.whl")
    # The interpreter running the tests (uv takes its base Python, not this venv's packages).
    run([uv, "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"
    run([uv, "pip", "install", "--quiet", "--python", python, wheel, "ansible-core>=2.16,<2.20"])
    return venv


@dataclass(frozen=True)
class Controller:
    """A scratch controller directory and an environment that reaches only installed copies."""

    root: Path
    env: dict[str, str]
    collection: Path

    def sh(self, *args: str | Path, expect: int | None = 0) -> str:
        """Run a command in the controller directory; its stdout."""
        return run(list(args), cwd=self.root, env=self.env, expect=expect).stdout


@pytest.fixture
def controller(fresh_venv: Path, installed_collection: Path, tmp_path: Path) -> Controller:
    """ansible.cfg, inventory and policy in a scratch directory; PATH = the fresh venv."""
    (tmp_path / "ansible.cfg").write_text(ANSIBLE_CFG.format(spool=tmp_path / "spool"))
    (tmp_path / "inventory.ini").write_text(INVENTORY)
    (tmp_path / "changegate.yml").write_text(POLICY)
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        PATH=f"{fresh_venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        ANSIBLE_COLLECTIONS_PATH=str(installed_collection),
        ANSIBLE_NOCOLOR="1",
        CHANGEGATE_DB=f"sqlite:///{tmp_path / 'changegate.db'}",
        CHANGEGATE_CONFIG=str(tmp_path / "changegate.yml"),
        USER="carol",
    )
    collection = installed_collection / "ansible_collections" / "changegate" / "itsm"
    return Controller(tmp_path, env, collection)


def approved_change(controller: Controller) -> str:
    """Open a change for production now and approve it, with the installed CLI."""
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    change = controller.sh(
        "changegate",
        "change",
        "new",
        "--type",
        "normal",
        "--summary",
        "New motd",
        "--requested-by",
        "alice",
        "--window-start",
        start,
        "--window-end",
        end,
        "--scope-env",
        "production",
    ).strip()
    controller.sh("changegate", "change", "approve", change, "--by", "bob")
    return change


def test_the_cli_the_cores_and_the_collection_come_from_the_installed_copies(
    controller: Controller, fresh_venv: Path
) -> None:
    code = "import change_control; print(change_control.__file__)"
    cores = controller.sh("python", "-c", code)
    cli = controller.sh("sh", "-c", "command -v changegate")
    listed = controller.sh("ansible-galaxy", "collection", "list", "changegate.itsm")

    assert cores.startswith(str(fresh_venv))
    assert cli.startswith(str(fresh_venv))
    assert controller.env["ANSIBLE_COLLECTIONS_PATH"] in listed


def test_a_gated_playbook_runs_from_the_installed_collection_and_its_ledger_verifies(
    controller: Controller,
) -> None:
    playbook = controller.collection / "examples" / "playbooks" / "site.yml"
    motd_dir = controller.root / "motd"
    change = approved_change(controller)

    output = controller.sh(
        "ansible-playbook",
        playbook,
        "-e",
        f"changegate_change={change}",
        "-e",
        f"motd_dir={motd_dir}",
    )

    assert f"under {change}: gated tasks 2 allowed, 0 denied" in output
    assert (motd_dir / "motd-web1").read_text().startswith("Welcome to web1")
    assert "intact" in controller.sh("changegate", "audit", "verify")


def test_the_installed_gate_refuses_the_same_playbook_without_a_change(
    controller: Controller,
) -> None:
    playbook = controller.collection / "examples" / "playbooks" / "site.yml"
    motd_dir = controller.root / "motd"

    output = controller.sh("ansible-playbook", playbook, "-e", f"motd_dir={motd_dir}", expect=2)

    assert "change.missing" in output
    assert not (motd_dir / "motd-web1").exists()


GROUP_DEFAULTS_PLAY = """\
- name: Defaults for every changegate action through the action group
  hosts: web
  gather_facts: false
  module_defaults:
    group/changegate.itsm.all:
      module: ansible.builtin.file
  tasks:
    - name: Make a directory through the gate (the module comes from the group's defaults)
      changegate.itsm.gate:
        args:
          path: "{{ target }}"
          state: directory
          mode: "0755"
"""


def test_module_defaults_for_the_action_group_reach_the_installed_gate(
    controller: Controller,
) -> None:
    (controller.root / "group.yml").write_text(GROUP_DEFAULTS_PLAY)
    target = controller.root / "made-by-group-defaults"
    change = approved_change(controller)

    extra = ["-e", f"changegate_change={change}", "-e", f"target={target}"]
    output = controller.sh("ansible-playbook", "group.yml", *extra)

    assert target.is_dir()
    assert "1 allowed, 0 denied" in output
