"""Ansible results become small, plain ledger bodies at the hook (never content or secrets)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from ansible_collections.changegate.itsm.plugins.plugin_utils.events import (
    RunTally,
    TaskFacts,
    diff_summary,
    gate_decision_body,
    host_stats,
    is_gate,
    task_facts,
    task_result_body,
)

GATE = {
    "allowed": False,
    "gated": True,
    "reasons": [{"code": "window.outside", "message": "outside"}],
    "obligations": [],
    "change_id": "CHG1",
    "module": "ansible.builtin.service",
    "executor": "carol",
    "environment": "production",
    "check_mode": False,
    "cached": True,
    "lookup_cached": True,
}


def callback_result(
    result: dict[str, Any], action: str = "ansible.builtin.command", **task: Any
) -> Any:
    """A plain stand-in for ``CallbackTaskResult`` with the attributes the hook reads."""
    task_obj = SimpleNamespace(
        get_name=lambda: task.get("name", "restart"),
        _uuid="u-1",
        action=action,
        args=task.get("args", {}),
        no_log=task.get("no_log", False),
    )
    return SimpleNamespace(
        host=SimpleNamespace(get_name=lambda: "web1"), task=task_obj, result=result
    )


def facts(result: dict[str, Any], status: str = "ok", **task: Any) -> TaskFacts:
    return task_facts(callback_result(result, **task), status, play="site")


def test_a_result_becomes_plain_facts_read_once_at_the_hook() -> None:
    got = facts({"changed": True}, "changed")
    assert (got.host, got.task, got.task_uuid, got.action, got.play) == (
        "web1",
        "restart",
        "u-1",
        "ansible.builtin.command",
        "site",
    )
    assert got.no_log is False


def test_a_failed_result_keeps_its_message_and_diff_counts_but_no_content() -> None:
    body = task_result_body(
        facts(
            {
                "msg": "boom",
                "diff": {"before": "a\nb\n", "after": "a\nc\nd\n"},
                "stdout": "secret output",
            },
            "failed",
        ),
        duration_ms=12,
    )
    assert body["msg"] == "boom" and body["duration_ms"] == 12
    assert body["diff"] == {"lines_added": 2, "lines_removed": 1}
    assert "secret output" not in repr(body) and "c" not in body["diff"]


def test_a_no_log_result_is_recorded_as_censored_without_message_or_diff() -> None:
    body = task_result_body(
        facts({"censored": "hidden", "changed": True}, "failed", no_log=True), None
    )
    assert body["censored"] is True
    assert "msg" not in body and "diff" not in body


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        (
            {"before": {"a": 1, "b": 2}, "after": {"b": 3, "c": 4}},
            {"keys_added": 1, "keys_removed": 1, "keys_changed": 1},
        ),
        (
            [{"before": "x\n", "after": "y\n"}, {"before": "", "after": "z\n"}],
            {"lines_added": 2, "lines_removed": 1},
        ),
        ({"prepared": "some text"}, {"prepared": 1}),
        (None, None),
        ("not a diff", None),
    ],
)
def test_diff_summaries_count_changes_without_recording_them(
    diff: object, expected: object
) -> None:
    assert diff_summary(diff) == expected


def test_a_loop_result_records_how_many_items_ran() -> None:
    assert task_result_body(facts({"results": [{}, {}, {}]}), 1)["items"] == 3


def test_a_gate_result_names_the_wrapped_module_and_its_decision() -> None:
    got = facts(
        {"changegate": GATE, "failed": True, "msg": "refused"},
        "failed",
        action="changegate.itsm.gate",
        args={"module": "service"},
    )
    assert is_gate(got)
    body = task_result_body(got, 3)
    assert body["module"] == "ansible.builtin.service" and body["allowed"] is False
    decision = gate_decision_body(got)
    assert decision["reasons"] == GATE["reasons"] and decision["host"] == "web1"
    assert decision["environment"] == "production" and "censored" not in decision


def test_a_censored_gate_result_still_records_a_decision_inferred_from_its_status() -> None:
    got = facts(
        {"censored": "hidden"},
        "ok",
        action="changegate.itsm.gate",
        args={"module": "ansible.builtin.copy"},
        no_log=True,
    )
    decision = gate_decision_body(got)
    assert decision == {
        "host": "web1",
        "task": "restart",
        "task_uuid": "u-1",
        "module": "ansible.builtin.copy",
        "allowed": True,
        "censored": True,
    }


def test_host_stats_are_plain_integers_per_host_sorted() -> None:
    data = {"web2": {"ok": 1, "failures": 0}, "web1": {"ok": 2, "failures": 1}}
    assert list(host_stats(["web2", "web1"], data.__getitem__)) == ["web1", "web2"]


def test_the_tally_counts_gated_decisions_and_changed_hosts() -> None:
    tally = RunTally()
    tally.observe(facts({"changed": True}, "changed"), {"allowed": True, "gated": True})
    tally.observe(facts({}, "failed"), {"allowed": False, "gated": True})
    tally.observe(facts({}), {"allowed": True, "gated": False})
    tally.observe(facts({"changed": True}, "changed"), None)
    assert tally.gated() == {"allowed": 1, "denied": 1, "ungated": 1}
    assert tally.changed_hosts == {"web1"}
