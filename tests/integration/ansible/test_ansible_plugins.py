"""The change action, the lookup, the write-back, the once-per-run lookup, and the docs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.integration.ansible.ansible_support import BIN, LOCAL, ROOT, Lab, decisions

pytestmark = [pytest.mark.ansible]

HOSTS = "\n".join(f"web{i} {LOCAL} changegate_environment=production" for i in (1, 2, 3)) + "\n"

THREE_TASKS = """\
- name: Three gated tasks on three hosts
  hosts: all
  gather_facts: false
  tasks:
    - changegate.itsm.gate: {module: ansible.builtin.command, args: {cmd: "true"}}
    - changegate.itsm.gate: {module: ansible.builtin.command, args: {cmd: "true"}}
    - changegate.itsm.gate: {module: ansible.builtin.file, args: {path: /tmp, state: directory}}
"""

CHANGE_PLAY = """\
- name: Work under the change
  hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: assert
      changegate.itsm.change:
        state: assert
    - name: window end from the lookup
      ansible.builtin.debug:
        msg: "ends {{ lookup('changegate.itsm.change').window.end }}"
      run_once: true
    - name: start implementing
      changegate.itsm.change:
        state: implement
        note: "implementation started"
    - name: the record is a fact on every host
      ansible.builtin.assert:
        that: changegate_change.id == lookup('changegate.itsm.change').id
"""


@pytest.mark.parametrize("callback", [True, False])
def test_the_provider_is_asked_once_per_run_with_or_without_the_callback(
    lab: Lab, callback: bool
) -> None:
    change = lab.change()
    inventory = lab.write("three.ini", HOSTS)
    played = lab.play(
        lab.write("three.yml", THREE_TASKS),
        "-i",
        str(inventory),
        "-vvv",
        "-e",
        f"changegate_change={change}",
        callback=callback,
    )
    assert played.rc == 0, played.console
    assert played.stdout.count(f"asking provider for change {change}") == 1
    assert played.stdout.count('"lookup_cached": true') == 9 - (0 if callback else 1)


def test_the_change_action_asserts_moves_and_notes_once_and_the_lookup_reads_it(
    lab: Lab,
) -> None:
    # The change comes from an inventory variable here: the fact the assert sets (the record)
    # then replaces it, while an extra var would outrank the fact (Ansible's precedence).
    change = lab.change()
    inventory = lab.write("three-var.ini", HOSTS + f"\n[all:vars]\nchangegate_change={change}\n")
    played = lab.play(lab.write("change.yml", CHANGE_PLAY), "-i", str(inventory))
    assert played.rc == 0, played.console
    assert "ends 20" in played.stdout
    record = lab.provider().get(change)
    assert str(record.state) == "implement"
    history = lab.cli("change", "show", change, "--format", "json")
    assert history.returncode == 0, history.stderr
    assert history.stdout.count("implementation started") == 1
    assert f"changegate run {played.run_id}: ok" in history.stdout
    assert len(decisions(lab.events(played.run_id), "assert")) == 3


def test_a_refused_assert_stops_the_whole_play_early(lab: Lab) -> None:
    change = lab.change(hosts=("web1",))
    inventory = lab.write("three.ini", HOSTS)
    played = lab.play(
        lab.root / "change.yml", "-i", str(inventory), "-e", f"changegate_change={change}"
    )
    assert played.rc == 2
    assert "[scope.host] host web2" in played.fatal_line("web2")
    assert "TASK [start implementing]" not in played.stdout
    assert str(lab.provider().get(change).state) == "scheduled"


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("module", "changegate.itsm.gate", ["CHANGEGATE_DB", "changegate_environment"]),
        ("module", "changegate.itsm.change", ["close_notes", "any_errors_fatal"]),
        ("callback", "changegate.itsm.audit", ["CHANGEGATE_SINKS", "section: changegate"]),
        ("lookup", "changegate.itsm.change", ["_raw", "CHANGEGATE_CONFIG"]),
    ],
)
def test_ansible_doc_renders_every_plugin(kind: str, name: str, expected: list[str]) -> None:
    done = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", kind, name],
        env={
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections"),
            "PATH": str(BIN),
            "ANSIBLE_NOCOLOR": "1",
            "HOME": str(ROOT / ".pytest_cache"),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "EXAMPLES" in done.stdout
    for text in expected:
        assert text in done.stdout, text


def test_a_broken_policy_fails_gated_tasks_with_one_line_and_never_the_recording(
    tmp_path: Path,
) -> None:
    lab = Lab(tmp_path)
    lab.policy_path.write_text("version: 1\napprovals: twice\n")
    inventory = lab.write("one.ini", f"web1 {LOCAL} changegate_environment=production\n")
    played = lab.play(
        lab.write("three.yml", THREE_TASKS), "-i", str(inventory), "-e", "changegate_change=CHG1"
    )
    assert played.rc == 2
    fatal = played.fatal_line("web1")
    assert '"changegate_error_code": "config.invalid"' in fatal
    assert "changegate.yml" in fatal and "Traceback" not in played.console
    assert "changegate.itsm.audit:" in played.console  # a warning, and the play still ran
    events = lab.events(lab.latest_run())  # and the run is still recorded
    assert events[0]["kind"] == "run_start" and events[-1]["kind"] == "run_end"
    assert events[-1]["status"] == "failed"


def test_a_misconfigured_sink_is_left_out_and_the_others_still_record(tmp_path: Path) -> None:
    lab = Lab(tmp_path, sinks="store, jsonl")  # and no CHANGEGATE_JSONL
    change = lab.change()
    inventory = lab.write("one.ini", f"web1 {LOCAL} changegate_environment=production\n")
    played = lab.play(
        lab.write("three.yml", THREE_TASKS),
        "-i",
        str(inventory),
        "-e",
        f"changegate_change={change}",
    )
    assert played.rc == 0, played.console
    assert "sink jsonl left out: ledger sink 'jsonl' needs the path of its file" in played.console
    assert lab.events(played.run_id)[-1]["kind"] == "run_end"
