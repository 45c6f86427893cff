"""The gate end to end: real ``ansible-playbook`` runs on localhost, one row per ITIL case.

The matrix runs in ONE playbook run: every inventory host carries its own ``changegate_change``
(a host variable), so each host is one case of the table, decided, shown to the operator and
recorded independently. Check mode and "the run names no change" need run-level switches and
get runs of their own.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.ansible.ansible_support import LOCAL, Lab, Played, codes, decisions, results

pytestmark = [pytest.mark.ansible]

PLAYBOOK = """\
- name: Gated play
  hosts: all
  gather_facts: false
  tasks:
    - name: read-only stat
      changegate.itsm.gate:
        module: ansible.builtin.stat
        args: {path: /}
    - name: gated command
      changegate.itsm.gate:
        module: command
        args:
          cmd: "{{ gated_cmd | default('true') }}"
"""

#: host -> (how its change is made, expected reason codes on the gated task; [] = allowed)
MATRIX: dict[str, tuple[dict[str, Any] | None, list[str]]] = {
    "no_change": (None, ["change.missing"]),
    "not_approved": ({"approvers": ()}, ["change.wrong_state", "change.not_approved"]),
    "past_window": ({"window": (-5, -3)}, ["window.outside"]),
    "in_freeze": ({"vars": "changegate_environment=payments"}, ["freeze.active"]),
    "executor_approved": ({"approvers": ("carol",)}, ["sod.executor_is_approver"]),
    "out_of_scope": ({"hosts": ("db*",)}, ["scope.host"]),
    "standard_inside": ({"type": "standard", "template": "noop-command"}, []),
    "standard_outside": (
        {"type": "standard", "template": "noop-command", "vars": "gated_cmd='echo other'"},
        ["standard.template_mismatch"],
    ),
    "emergency": ({"type": "emergency", "window": None}, []),
    "approved": ({}, []),
}


def _inventory(lab: Lab) -> str:
    lines = ["[all]"]
    for host, (spec, _codes) in MATRIX.items():
        extra = ""
        if spec is not None:
            change = lab.change(
                spec.get("type", "normal"),
                approvers=spec.get("approvers", () if spec.get("type") == "standard" else ("bob",)),
                window=spec.get("window", (-1, 2)),
                hosts=spec.get("hosts", ()),
                template=spec.get("template"),
            )
            extra = f" changegate_change={change} {spec.get('vars', '')}"
        lines.append(f"{host} {LOCAL}{extra}")
    # Every host names its environment: a freeze scoped to an environment also covers hosts
    # whose environment is unknown (the gate cannot prove they are not in it).
    lines += ["", "[all:vars]", "changegate_environment=production"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def matrix(lab: Lab) -> tuple[Lab, Played, list[dict[str, Any]]]:
    inventory = lab.write("matrix.ini", _inventory(lab))
    played = lab.play(lab.write("matrix.yml", PLAYBOOK), "-i", str(inventory))
    return lab, played, lab.events(played.run_id)


@pytest.mark.parametrize("host", list(MATRIX))
def test_each_case_is_decided_shown_and_recorded(
    matrix: tuple[Lab, Played, list[dict[str, Any]]], host: str
) -> None:
    _lab, played, events = matrix
    expected = MATRIX[host][1]
    decision = decisions(events, "gated command")[host]
    result = results(events, "gated command")[host]
    assert codes(decision) == expected
    assert decision["allowed"] is (not expected)
    assert result["module"] == "ansible.builtin.command"
    if expected:
        line = played.fatal_line(host)
        assert all(f"[{code}]" in line for code in expected), line
        assert result["status"] == "failed"
    else:
        assert result["status"] == "changed"
        assert f"fatal: [{host}]" not in played.stdout


def test_read_only_modules_pass_ungated_on_every_host_even_without_a_change(
    matrix: tuple[Lab, Played, list[dict[str, Any]]],
) -> None:
    _lab, _played, events = matrix
    ungated = decisions(events, "read-only stat")
    assert set(ungated) == set(MATRIX)
    assert all(d["allowed"] and d["gated"] is False for d in ungated.values())
    assert {r["status"] for r in results(events, "read-only stat").values()} == {"ok"}


def test_the_play_fails_and_the_run_end_records_the_tally(
    matrix: tuple[Lab, Played, list[dict[str, Any]]],
) -> None:
    lab, played, events = matrix
    assert played.rc == 2
    end = events[-1]
    assert end["kind"] == "run_end" and end["status"] == "failed"
    assert end["gated"] == {"allowed": 3, "denied": 7, "ungated": 10}
    assert set(end["stats"]) == set(MATRIX)
    assert lab.run_row(played.run_id)["status"] == "failed"
    assert "gated tasks 3 allowed, 7 denied" in played.stdout


def test_an_emergency_change_runs_and_records_its_review_obligation(
    matrix: tuple[Lab, Played, list[dict[str, Any]]],
) -> None:
    _lab, _played, events = matrix
    obligations = decisions(events, "gated command")["emergency"]["obligations"]
    assert [o["code"] for o in obligations] == ["emergency.pir_due"]
    assert obligations[0]["due"]


def test_check_mode_without_approval_is_allowed_and_recorded(lab: Lab) -> None:
    change = lab.change(approvers=())
    inventory = lab.write(
        "check.ini", f"checked {LOCAL} changegate_change={change} changegate_environment=prod\n"
    )
    played = lab.play(lab.root / "matrix.yml", "-i", str(inventory), "--check")
    assert played.rc == 0, played.console
    events = lab.events(played.run_id)
    decision = decisions(events, "gated command")["checked"]
    assert decision["allowed"] is True and decision["check_mode"] is True
    assert "change.not_approved" in codes(decision)
    assert [o["code"] for o in decision["obligations"]] == ["check_mode.recorded"]
    assert events[0]["kind"] == "run_start" and events[0]["check_mode"] is True


def test_a_run_without_any_change_warns_the_operator_at_play_start(lab: Lab) -> None:
    inventory = lab.write("none.ini", f"lonely {LOCAL}\n")
    played = lab.play(lab.root / "matrix.yml", "-i", str(inventory))
    assert played.rc == 2
    assert "this run names no change" in played.console
    assert "[change.missing]" in played.fatal_line("lonely")
    start = lab.events(played.run_id)[0]
    assert start["kind"] == "run_start" and start["change_id"] is None
