"""``changegate change``: the register and the gate end to end, on a private SQLite store."""

from __future__ import annotations

import pytest

from change_control.model import Change, ChangeState, ChangeType
from change_control.timeutil import utcnow

from .support import CAB_POLICY, INSIDE, Runner, Workspace, check_args, new_change


def test_a_change_approved_and_checked_inside_its_window_is_allowed(cli: Runner) -> None:
    change_id = new_change(cli)
    assert change_id.startswith("CHG")

    approved = cli("change", "approve", change_id, "--by", "bob", "--group", "CAB")
    assert approved.exit_code == 0, approved.stderr
    assert "state scheduled" in approved.stdout

    checked = cli(*check_args(change_id))
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"ALLOWED: {change_id}: ansible.builtin.service on web1")


def test_a_denied_check_exits_2_and_lists_every_reason(cli: Runner) -> None:
    change_id = new_change(cli)
    cli("change", "approve", change_id, "--by", "bob")

    checked = cli(*check_args(change_id, host="db1", executor="Bob "))

    assert checked.exit_code == 2
    assert checked.stdout.startswith("DENIED:")
    assert "sod.executor_is_approver" in checked.stdout
    assert "scope.host" in checked.stdout
    assert "db1" in checked.stdout


def test_check_json_prints_exactly_the_decision_shape(cli: Runner) -> None:
    change_id = new_change(cli)
    cli("change", "approve", change_id, "--by", "bob")

    denied = cli(*check_args(change_id, "--format", "json", host="db1"))
    allowed = cli(*check_args(change_id, "--format", "json"))

    assert denied.exit_code == 2
    assert allowed.exit_code == 0
    for outcome in (denied, allowed):
        assert set(outcome.json()) == {"allowed", "gated", "reasons", "obligations"}
    assert denied.json()["allowed"] is False
    assert denied.json()["reasons"] == [
        {"code": "scope.host", "message": denied.json()["reasons"][0]["message"]}
    ]
    assert allowed.json() == {"allowed": True, "gated": True, "reasons": [], "obligations": []}


def test_new_with_json_prints_the_record_and_reads_naive_times_in_tz(cli: Runner) -> None:
    outcome = cli(
        "change", "new", "--type", "emergency", "--summary", "Hotfix", "--requested-by", "alice",
        "--risk", "high", "--window-start", "2030-07-01T10:00", "--window-end", "2030-07-01T12:00",
        "--tz", "Europe/Berlin", "--scope-tf", "module.web.*", "--scope-ci", "ci-42",
        "--rollback-plan", "revert", "--link", "https://git.example/pr/1", "--format", "json",
    )  # fmt: skip

    assert outcome.exit_code == 0, outcome.stderr
    record = outcome.json()
    blank = Change("x", ChangeType.NORMAL, ChangeState.NEW, "s", "u", utcnow())
    assert set(record) == set(blank.to_dict())
    assert record["type"] == "emergency"
    assert record["state"] == "new"
    assert record["window"] == {"start": "2030-07-01T08:00:00Z", "end": "2030-07-01T10:00:00Z"}
    assert record["scope"]["terraform_addresses"] == ["module.web.*"]
    assert record["scope"]["ci_ids"] == ["ci-42"]
    assert record["links"] == ["https://git.example/pr/1"]


def test_check_of_an_unknown_change_is_denied_as_not_found(cli: Runner) -> None:
    checked = cli(*check_args("CHG0000999", "--format", "json"))

    assert checked.exit_code == 2
    assert [r["code"] for r in checked.json()["reasons"]] == ["change.not_found"]


def test_high_risk_needs_two_approvals_including_cab(cli: Runner, workspace: Workspace) -> None:
    policy = str(workspace.write_policy(CAB_POLICY))
    change_id = new_change(cli, "--risk", "high", "--config", policy)

    cli("change", "approve", change_id, "--by", "dave", "--group", "ops", "--config", policy)
    one = cli("--config", policy, *check_args(change_id, "--format", "json"))
    cli("change", "approve", change_id, "--by", "erin", "--group", "cab", "--config", policy)
    two = cli("--config", policy, *check_args(change_id, "--format", "json"))

    assert one.exit_code == 2
    assert "approvals.insufficient" in [r["code"] for r in one.json()["reasons"]]
    assert two.exit_code == 0, two.stdout


def test_show_prints_fields_approvals_and_history(cli: Runner) -> None:
    change_id = new_change(cli, "--rollback-plan", "revert the package")
    cli("change", "approve", change_id, "--by", "bob", "--group", "CAB", "--comment", "fine")

    table = cli("change", "show", change_id)
    record = cli("change", "show", change_id, "--format", "json").json()

    assert table.exit_code == 0
    for expected in ("state:", "scheduled", "revert the package", "Approvals", "History", "fine"):
        assert expected in table.stdout
    assert record["approvals"][0]["approver"] == "bob"
    assert [entry["action"] for entry in record["history"]] == [
        "created",
        "approved",
        "transition",
    ]
    assert all(line == line.rstrip() for line in table.stdout.splitlines())


def test_list_filters_by_state_type_and_requester(cli: Runner) -> None:
    first = new_change(cli, requested_by="alice")
    second = new_change(cli, requested_by="bob")
    cli("change", "approve", second, "--by", "carol")

    def ids(*filters: str) -> list[str]:
        outcome = cli("change", "list", *filters, "--format", "json")
        assert outcome.exit_code == 0, outcome.stderr
        return [record["id"] for record in outcome.json()]

    assert ids() == [second, first]
    assert ids("--state", "scheduled") == [second]
    assert ids("--requested-by", "alice") == [first]
    assert ids("--type", "emergency") == []
    assert ids("--limit", "1") == [second]


def test_list_as_a_table_shows_one_readable_row_per_change(cli: Runner) -> None:
    change_id = new_change(cli)

    outcome = cli("change", "list")

    lines = outcome.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "type", "state", "risk"]
    row = next(line for line in lines if line.startswith(change_id))
    assert row.split()[1:4] == ["normal", "new", "moderate"]
    assert "Patch nginx" in row


def test_an_empty_register_lists_as_no_changes(cli: Runner) -> None:
    assert cli("change", "list").stdout.strip() == "no changes"
    assert cli("change", "list", "--format", "json").json() == []


def test_reject_sends_the_change_back_and_the_gate_refuses_it(cli: Runner) -> None:
    change_id = new_change(cli)
    cli("change", "approve", change_id, "--by", "bob")

    rejected = cli("change", "reject", change_id, "--by", "dave", "--comment", "no rollback")
    checked = cli(*check_args(change_id, "--format", "json"))

    assert rejected.exit_code == 0
    assert "state new" in rejected.stdout
    assert "change.not_approved" in [r["code"] for r in checked.json()["reasons"]]


def test_transition_moves_along_the_lifecycle_and_refuses_an_illegal_move(cli: Runner) -> None:
    change_id = new_change(cli)
    cli("change", "approve", change_id, "--by", "bob")

    moved = cli("change", "transition", change_id, "--to", "implement", "--by", "carol")
    illegal = cli("change", "transition", change_id, "--to", "closed", "--by", "carol")
    cli("change", "transition", change_id, "--to", "review", "--by", "carol")
    closed = cli(
        "change", "transition", change_id, "--to", "closed", "--by", "carol",
        "--close-code", "successful", "--close-notes", "went fine", "--format", "json",
    )  # fmt: skip

    assert moved.exit_code == 0
    assert moved.stdout.strip() == f"{change_id}: state implement"
    assert illegal.exit_code == 1
    assert len(illegal.error_lines) == 1
    assert "implement" in illegal.stderr and "closed" in illegal.stderr
    assert closed.json()["state"] == "closed"
    assert closed.json()["close_code"] == "successful"


@pytest.mark.parametrize(
    ("args", "allowed", "codes"),
    [
        (["--arg", "name=nginx", "--arg", "state=restarted"], True, []),
        (["--arg", "name=nginx", "--arg", "state=stopped"], False, ["standard.template_mismatch"]),
    ],
    ids=["inside-template", "outside-template"],
)
def test_a_standard_change_is_checked_against_its_template_arguments(
    cli: Runner, workspace: Workspace, args: list[str], allowed: bool, codes: list[str]
) -> None:
    policy = str(workspace.write_policy(CAB_POLICY))
    change_id = new_change(
        cli, "--config", policy, "--template", "restart-nginx", change_type="standard"
    )

    checked = cli("--config", policy, *check_args(change_id, *args, "--format", "json"))

    assert checked.json()["allowed"] is allowed
    assert [r["code"] for r in checked.json()["reasons"]] == codes
    assert checked.exit_code == (0 if allowed else 2)


def test_check_mode_is_allowed_and_says_what_a_real_run_would_meet(cli: Runner) -> None:
    change_id = new_change(cli)
    cli("change", "approve", change_id, "--by", "bob")

    checked = cli(*check_args(change_id, "--check-mode", host="db1"))

    assert checked.exit_code == 0
    assert checked.stdout.startswith("ALLOWED (check mode):")
    assert "A real run would meet" in checked.stdout
    assert "scope.host" in checked.stdout
    assert "check_mode.recorded" in checked.stdout


def test_a_read_only_module_passes_without_a_change(cli: Runner) -> None:
    checked = cli(
        "change", "check", "CHG0000404", "--host", "db1", "--module", "ansible.builtin.ping",
        "--executor", "carol", "--at", INSIDE,
    )  # fmt: skip

    assert checked.exit_code == 0
    assert checked.stdout.startswith("ALLOWED (not gated):")


def test_global_options_work_after_the_command_and_the_nearest_wins(
    cli: Runner, workspace: Workspace
) -> None:
    change_id = new_change(cli)

    outcome = cli(
        "--db", "sqlite:///elsewhere.db", "change", "show", change_id, "--db", workspace.db_url,
        "-v", db=False,
    )  # fmt: skip

    assert outcome.exit_code == 0, outcome.stderr
    assert f"store: {workspace.db_url} (from option)" in outcome.stderr
    assert "policy: <default policy> (from default)" in outcome.stderr


def test_quiet_silences_notes_but_not_results(cli: Runner) -> None:
    change_id = new_change(cli)

    outcome = cli("-q", "-v", "change", "show", change_id, "--format", "json")

    assert outcome.stderr == ""
    assert outcome.json()["id"] == change_id
