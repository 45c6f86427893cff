"""``changegate policy`` and ``changegate db``."""

from __future__ import annotations

from .support import CAB_POLICY, Runner, Workspace


def test_policy_check_of_a_valid_file_prints_a_summary(cli: Runner, workspace: Workspace) -> None:
    path = workspace.write_policy(CAB_POLICY)

    outcome = cli("policy", "check", str(path), db=False)

    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert lines[0] == f"OK: {path} is a valid policy"
    summary = dict(line.split(":", 1) for line in lines[1:])
    assert summary["approvals"].strip() == (
        "low, moderate: 1 approval; high, very_high: 2 approvals incl. CAB"
    )
    assert summary["standard changes"].strip() == "restart-nginx"
    assert summary["gated hosts"].strip() == "*"
    assert summary["provider unreachable"].strip() == "deny (fail-closed)"


def test_policy_check_as_json_says_valid_and_summarizes(cli: Runner, workspace: Workspace) -> None:
    path = workspace.write_policy(CAB_POLICY)

    data = cli("policy", "check", str(path), "--format", "json", db=False).json()

    assert data["valid"] is True
    assert data["source"] == str(path)
    assert data["summary"]["freezes"] == "none"


def test_policy_show_prints_the_default_policy_with_the_stores_freezes(cli: Runner) -> None:
    cli("freeze", "add", "--weekly", "Fri 18:00-Mon 06:00", "--reason", "weekend")

    shown = cli("policy", "show", "--format", "json")
    table = cli("policy", "show")

    assert shown.exit_code == 0, shown.stderr
    data = shown.json()
    assert data["gate"]["hosts"] == ["*"]
    assert "ansible.builtin.ping" in data["gate"]["read_only_modules"]
    assert data["fail_closed"] is True
    assert [f["reason"] for f in data["freezes"]] == ["weekend"]
    assert "policy: <default policy>" in table.stdout
    assert "Read-only modules (never gated)" in table.stdout


def test_db_upgrade_prints_the_revision_and_db_current_agrees(cli: Runner) -> None:
    upgraded = cli("db", "upgrade")
    current = cli("db", "current", "--format", "json")

    assert upgraded.exit_code == 0, upgraded.stderr
    revision = upgraded.stdout.strip()
    assert current.json()["current"] == revision
    assert current.json()["head"] == revision
    assert current.json()["up_to_date"] is True


def test_db_current_on_an_empty_store_says_so_and_exits_0(cli: Runner) -> None:
    outcome = cli("db", "current")

    assert outcome.exit_code == 0, outcome.stderr
    assert "none (empty store)" in outcome.stdout
    assert "behind: run changegate db upgrade" in outcome.stdout
