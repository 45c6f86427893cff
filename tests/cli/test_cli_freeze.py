"""``changegate freeze``: freezes kept in the store reach the gate alongside the policy's."""

from __future__ import annotations

import pytest

from .support import Runner, Workspace, check_args, new_change


def approved_change(cli: Runner) -> str:
    change_id = new_change(cli)
    assert cli("change", "approve", change_id, "--by", "bob").exit_code == 0
    return change_id


def codes(cli: Runner, change_id: str) -> list[str]:
    outcome = cli(*check_args(change_id, "--format", "json"))
    return [reason["code"] for reason in outcome.json()["reasons"]]


def test_an_added_freeze_stops_a_change_until_it_is_removed(cli: Runner) -> None:
    change_id = approved_change(cli)

    added = cli(
        "freeze", "add", "--start", "2030-01-07T00:00:00Z", "--end", "2030-01-08T00:00:00Z",
        "--reason", "quarter close", "--name", "q-close",
    )  # fmt: skip
    frozen = cli(*check_args(change_id))
    removed = cli("freeze", "remove", added.stdout.strip())
    thawed = cli(*check_args(change_id))

    assert added.exit_code == 0, added.stderr
    assert added.stdout.strip().isdigit()
    assert frozen.exit_code == 2
    assert "freeze.active" in frozen.stdout
    assert removed.exit_code == 0
    assert "quarter close" in removed.stderr
    assert thawed.exit_code == 0


@pytest.mark.parametrize(
    ("spec", "zone", "frozen"),
    [
        ("Mon 11:00-Mon 13:00", "Europe/Berlin", True),  # 11:00Z is 12:00 in Berlin
        ("Mon 13:00-Mon 14:00", "Europe/Berlin", False),
        ("Sun 20:00-Tue 06:00", "America/New_York", True),
        ("Fri 18:00-Mon 06:00", "UTC", False),
    ],
)
def test_a_weekly_freeze_is_read_on_the_wall_clock_of_its_zone(
    cli: Runner, spec: str, zone: str, frozen: bool
) -> None:
    change_id = approved_change(cli)

    added = cli("freeze", "add", "--weekly", spec, "--tz", zone, "--reason", "weekly")

    assert added.exit_code == 0, added.stderr
    assert ("freeze.active" in codes(cli, change_id)) is frozen


def test_a_freeze_for_another_environment_or_exempt_type_does_not_stop_the_change(
    cli: Runner,
) -> None:
    change_id = approved_change(cli)
    day = ("--start", "2030-01-07T00:00", "--end", "2030-01-08T00:00")

    cli("freeze", "add", *day, "--reason", "staging only", "--env", "staging")
    cli("freeze", "add", *day, "--reason", "not normal ones", "--exempt-type", "normal")

    assert codes(cli, change_id) == []


def test_freeze_list_shows_the_store_and_the_policy_file(cli: Runner, workspace: Workspace) -> None:
    policy = workspace.write_policy(
        "freeze:\n  - weekly: Fri 18:00-Mon 06:00\n    tz: Europe/Berlin\n    reason: weekend\n"
    )
    cli(
        "freeze", "add", "--start", "2030-12-20T00:00", "--end", "2031-01-04T00:00",
        "--tz", "Europe/Berlin", "--reason", "year end", "--exempt-type", "emergency",
        "--format", "json",
    )  # fmt: skip

    listed = cli("--config", str(policy), "freeze", "list", "--format", "json").json()
    table = cli("--config", str(policy), "freeze", "list").stdout

    assert [(row["source"], row["reason"]) for row in listed] == [
        ("store", "year end"),
        ("policy", "weekend"),
    ]
    assert listed[0]["start"] == "2030-12-19T23:00:00Z"
    assert listed[0]["exempt_types"] == ["emergency"]
    assert listed[1]["weekly"] == "Fri 18:00-Mon 06:00"
    assert "weekly Fri 18:00-Mon 06:00" in table
    assert "2030-12-19T23:00:00Z -> 2031-01-03T23:00:00Z" in table


def test_no_freezes_lists_as_none(cli: Runner) -> None:
    assert cli("freeze", "list").stdout.strip() == "no freeze windows"


def test_add_with_json_prints_the_stored_record(cli: Runner) -> None:
    outcome = cli(
        "freeze", "add", "--weekly", "sat 00:00-sun 23:59", "--reason", "weekend",
        "--format", "json",
    )  # fmt: skip

    record = outcome.json()
    assert isinstance(record["id"], int)
    assert record["source"] == "store"
    assert record["weekly"] == "sat 00:00-sun 23:59"
    assert record["tz"] == "UTC"
