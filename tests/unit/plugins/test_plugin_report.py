"""The banner and summary an operator reads."""

from __future__ import annotations

from ansible_collections.changegate.itsm.plugins.plugin_utils import report

CHANGE = {
    "id": "CHG0000001",
    "type": "normal",
    "state": "scheduled",
    "risk": "high",
    "summary": "Patch nginx",
    "window": {"start": "2026-11-22T20:00:00Z", "end": "2026-11-22T22:00:00Z"},
    "scope": {"hosts": ["web*"], "environments": ["production"]},
    "approvals": [
        {"approver": "bob", "group": "CAB", "decision": "approved", "at": "2026-11-21T09:00:00Z"},
        {"approver": "dana", "group": None, "decision": "approved", "at": "2026-11-21T10:00:00Z"},
    ],
}


def test_the_banner_shows_change_window_scope_approvals_executor_and_run() -> None:
    lines = report.banner(CHANGE, "extra var", "carol", "run-1")
    assert lines[0] == (
        "changegate: change CHG0000001 (normal, scheduled, risk high) from extra var: Patch nginx"
    )
    assert "  window:    2026-11-22T20:00:00Z -> 2026-11-22T22:00:00Z" in lines
    assert "  scope:     hosts web*; environments production" in lines
    assert lines[-3] == (
        "  approvals: bob (CAB) approved at 2026-11-21T09:00:00Z; "
        "dana approved at 2026-11-21T10:00:00Z"
    )
    assert lines[-2:] == ["  executor:  carol", "  run:       run-1"]


def test_a_change_without_window_or_approvals_says_so() -> None:
    bare = {**CHANGE, "window": None, "approvals": [], "scope": {}}
    lines = report.banner(bare, "environment CHANGEGATE_CHANGE", "carol", "r")
    assert "  window:    none" in lines and "  approvals: none" in lines
    assert not any(line.startswith("  scope:") for line in lines)


def test_lookup_failures_read_differently_for_missing_and_unreachable() -> None:
    assert "does not exist" in report.lookup_failed("CHG9", "not_found", "no change CHG9")
    assert "could not be asked" in report.lookup_failed("CHG9", "unreachable", "timeout")


def test_the_summary_counts_gated_tasks_and_names_failed_sinks_and_the_spool() -> None:
    lines = report.summary(
        "run-1",
        "CHG1",
        {"allowed": 3, "denied": 1, "ungated": 2},
        ["web2", "web1"],
        {"store": "OperationalError: locked"},
        "/var/spool/cg",
    )
    assert lines[0] == (
        "changegate: run run-1 under CHG1: gated tasks 3 allowed, 1 denied (2 passed ungated); "
        "changed hosts: web1, web2"
    )
    assert "store (OperationalError: locked)" in lines[1] and "/var/spool/cg" in lines[1]
    assert report.summary("r", None, {}, [], {}, "/s")[0].startswith("changegate: run r under no")
