"""The ledger under stress: an unwritable store, secrets that must never land, interruptions."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.ansible.ansible_support import BIN, LOCAL, Lab

pytestmark = [pytest.mark.ansible]

HOSTS = "\n".join(f"web{i} {LOCAL} changegate_environment=production" for i in (1, 2, 3)) + "\n"
GATED = """\
- name: Gated play
  hosts: all
  gather_facts: false
  tasks:
    - changegate.itsm.gate: {module: ansible.builtin.command, args: {cmd: "true"}}
    - changegate.itsm.gate: {module: ansible.builtin.stat, args: {path: /}}
    - ansible.builtin.command: "true"
"""
REFUSE_LEDGER_WRITES = (
    "CREATE TRIGGER refuse_ledger BEFORE INSERT ON run_events "
    "BEGIN SELECT RAISE(ABORT, 'store unwritable'); END"
)


def sql(lab: Lab, statement: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(lab.db_path) as conn:
        return conn.execute(statement).fetchall()


def spooled(lab: Lab) -> list[dict[str, object]]:
    """Every event line of every spool file (headers skipped)."""
    lines = []
    for path in sorted(lab.spool.glob("*.spool")):
        lines += [json.loads(line) for line in path.read_text().splitlines()[1:]]
    return lines


def test_an_unwritable_store_leaves_the_play_alone_and_a_replay_completes_the_ledger(
    tmp_path: Path,
) -> None:
    lab = Lab(tmp_path)
    change = lab.change()
    inventory = lab.write("hosts.ini", HOSTS)
    playbook = lab.write("gated.yml", GATED)
    baseline = lab.play(playbook, "-i", str(inventory), "-e", f"changegate_change={change}")
    sql(lab, REFUSE_LEDGER_WRITES)  # approvals stay readable; ledger appends fail

    played = lab.play(playbook, "-i", str(inventory), "-e", f"changegate_change={change}")

    assert (played.rc, baseline.rc) == (0, 0)
    recap = played.stdout[played.stdout.index("PLAY RECAP") :].splitlines()[1:4]
    assert recap == baseline.stdout[baseline.stdout.index("PLAY RECAP") :].splitlines()[1:4]
    assert "ledger sinks failed: store" in played.stdout
    events = spooled(lab)
    assert events[0]["kind"] == "run_start" and events[-1]["kind"] == "run_end"
    assert len(events) == 1 + 3 * (2 + 2 + 1) + 1  # start, 2 gate tasks x (decision+result), end
    run_id = played.run_id
    assert sql(lab, f"SELECT count(*) FROM run_events WHERE run_id = '{run_id}'") == [(0,)]

    sql(lab, "DROP TRIGGER refuse_ledger")
    replay = lab.cli("audit", "replay", "--spool", str(lab.spool))
    again = lab.cli("audit", "replay", "--spool", str(lab.spool))
    verify = lab.cli("audit", "verify")

    assert replay.returncode == 0, replay.stderr
    assert again.returncode == 0 and "replayed 0 events" in again.stdout
    stored = sql(lab, f"SELECT event_id FROM run_events WHERE run_id = '{run_id}' ORDER BY seq")
    assert [row[0] for row in stored] == [e["event_id"] for e in events]
    assert sql(lab, "SELECT count(*) - count(DISTINCT event_id) FROM run_events") == [(0,)]
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert lab.run_row(run_id)["status"] == "ok"
    assert not list(lab.spool.glob("*.spool"))


CANARY_PLAY = """\
- name: Secrets everywhere
  hosts: all
  gather_facts: false
  vars_files: [secrets.yml]
  vars:
    nolog_secret: CanaryNoLog-4Kp
  tasks:
    - name: no_log task
      ansible.builtin.command: "echo {{ nolog_secret }}"
      no_log: true
    - name: gated no_log task
      changegate.itsm.gate:
        module: ansible.builtin.command
        args: {cmd: "echo {{ nolog_secret }} {{ vault_secret }}"}
      no_log: true
    - name: vault value in a module argument
      ansible.builtin.copy:
        content: "{{ vault_secret }}"
        dest: "{{ playbook_dir }}/vaulted-{{ inventory_hostname }}.txt"
        mode: "0600"
    - name: extra var in a gated module argument
      changegate.itsm.gate:
        module: ansible.builtin.command
        args: {cmd: "test -n {{ db_password }}"}
    - name: a failure whose message is harmless
      ansible.builtin.command: "false"
      ignore_errors: true
"""
CANARIES = ("CanaryNoLog-4Kp", "CanaryVault-7Qx", "CanaryExtra-9Zt")


def test_no_log_vault_and_extra_var_secrets_appear_nowhere(tmp_path: Path) -> None:
    lab = Lab(tmp_path, sinks="store, jsonl, writeback")
    jsonl = tmp_path / "ledger.jsonl"
    change = lab.change()
    inventory = lab.write("hosts.ini", HOSTS)
    password = lab.write("vault-pass.txt", "correct horse battery staple\n")
    vars_file = lab.write("secrets.yml", "vault_secret: CanaryVault-7Qx\n")
    subprocess.run(
        [
            str(BIN / "ansible-vault"),
            "encrypt",
            "--vault-password-file",
            str(password),
            str(vars_file),
        ],
        check=True,
        capture_output=True,
        env=lab.env(),
    )
    assert "CanaryVault" not in vars_file.read_text()
    sql(lab, REFUSE_LEDGER_WRITES)  # keep the spool, so it can be inspected too

    played = lab.play(
        lab.write("canary.yml", CANARY_PLAY),
        "-i",
        str(inventory),
        "--vault-password-file",
        str(password),
        "-e",
        f"changegate_change={change}",
        "-e",
        "db_password=CanaryExtra-9Zt",
        CHANGEGATE_JSONL=str(jsonl),
    )
    assert played.rc == 0, played.console
    spool_bytes = b"".join(p.read_bytes() for p in sorted(lab.spool.iterdir()))
    sql(lab, "DROP TRIGGER refuse_ledger")
    assert lab.cli("audit", "replay", "--spool", str(lab.spool)).returncode == 0

    events = lab.events(played.run_id)
    assert len(events) > 20 and jsonl.stat().st_size > 0 and spool_bytes
    assert any(e.get("censored") for e in events if e["kind"] == "gate_decision")
    artifacts = {
        "console": played.console.encode(),
        "spool": spool_bytes,
        "jsonl": jsonl.read_bytes(),
        "database": b"".join(p.read_bytes() for p in tmp_path.glob("changegate.db*")),
    }
    for where, data in artifacts.items():
        for canary in CANARIES:
            assert canary.encode() not in data, f"{canary} leaked into the {where}"


SLOW = """\
- name: Interrupted play
  hosts: all
  gather_facts: false
  tasks:
    - changegate.itsm.gate: {module: ansible.builtin.command, args: {cmd: "true"}}
    - name: long task
      ansible.builtin.command: sleep 60
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_run_is_closed_as_interrupted(tmp_path: Path, signum: int) -> None:
    lab = Lab(tmp_path)
    change = lab.change()
    inventory = lab.write("hosts.ini", f"web1 {LOCAL} changegate_environment=production\n")
    proc = subprocess.Popen(
        [
            str(BIN / "ansible-playbook"),
            str(lab.write("slow.yml", SLOW)),
            "-i",
            str(inventory),
            "-e",
            f"changegate_change={change}",
        ],
        cwd=tmp_path,
        env=lab.env(PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        if "TASK [long task]" in line or time.monotonic() > deadline:
            break
    time.sleep(1.0)  # let the worker start the command
    proc.send_signal(signum)
    proc.communicate(timeout=60)

    run_id = lab.latest_run()
    events = lab.events(run_id)
    assert events[-1]["kind"] == "run_interrupted"
    assert events[-1]["signal"] == signal.Signals(signum).name
    assert [e["kind"] for e in events].count("task_result") == 1
    assert lab.run_row(run_id)["status"] == "interrupted"
    verify = lab.cli("audit", "verify", "--run", run_id)
    assert verify.returncode == 0, verify.stdout + verify.stderr
