"""``changegate drift baseline``: captures bound to approved changes, and audits that use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..support import Runner, Workspace
from .drift_support import address_ids, count, drifted_items, edited, live_items, write_snapshot

pytestmark = pytest.mark.terraform


def resize_input(item: dict[str, Any], size: str) -> None:
    item["attributes"]["input"]["size"] = size


def new_change(cli: Runner) -> str:
    outcome = cli(
        "change", "new", "--type", "normal", "--summary", "Resize web", "--requested-by", "alice"
    )
    assert outcome.exit_code == 0, outcome.stderr
    return outcome.stdout.strip()


def approved_change(cli: Runner) -> str:
    change_id = new_change(cli)
    assert cli("change", "approve", change_id, "--by", "bob").exit_code == 0
    return change_id


def capture(cli: Runner, change_id: str, *args: str) -> tuple[int, str, str]:
    outcome = cli("drift", "baseline", "capture", "--change", change_id, *args)
    return outcome.exit_code, outcome.stdout, outcome.stderr


@pytest.mark.parametrize(
    ("moves", "reason"),
    [
        ((), "new"),
        (("cancelled",), "cancelled"),
    ],
)
def test_a_capture_for_an_unapproved_change_is_refused_in_one_line(
    cli: Runner,
    workspace: Workspace,
    state: Path,
    moves: tuple[str, ...],
    reason: str,
) -> None:
    change_id = new_change(cli)
    for target in moves:
        assert cli("change", "transition", change_id, "--to", target, "--by", "x").exit_code == 0

    code, stdout, stderr = capture(cli, change_id, "--from", "state", "--state", str(state))

    assert code == 1
    assert stdout == ""
    assert stderr.splitlines() == [
        f"error: baseline capture refused: {change_id} is {reason}: a baseline needs an approved "
        "change (scheduled, implement or review) or one closed successfully"
    ]
    assert count(workspace.db_url, "baselines") == 0


def test_a_change_closed_unsuccessfully_cannot_be_baselined(cli: Runner, state: Path) -> None:
    change_id = approved_change(cli)
    for target in ("implement", "review"):
        assert cli("change", "transition", change_id, "--to", target, "--by", "c").exit_code == 0
    closed = cli(
        "change", "transition", change_id, "--to", "closed", "--by", "c",
        "--close-code", "unsuccessful",
    )  # fmt: skip
    assert closed.exit_code == 0, closed.stderr

    code, _, stderr = capture(cli, change_id, "--from", "state", "--state", str(state))

    assert code == 1
    assert "closed with close code 'unsuccessful'" in stderr


def test_an_approved_capture_is_stored_and_a_later_audit_reports_the_violation(
    cli: Runner, workspace: Workspace, state: Path, in_sync: Path, drifted: Path
) -> None:
    change_id = approved_change(cli)

    code, stdout, stderr = capture(cli, change_id, "--from", "live", "--live", str(in_sync))
    outcome = cli("drift", "audit", "--state", str(state), "--live", str(drifted), "-o", "json")

    assert code == 0, stderr
    assert stdout.strip() == f"{change_id}-b1: 4 resources captured from live for {change_id}"
    assert outcome.exit_code == 2
    ids = address_ids(state)
    violations = {
        f["resource"]["id"]: (f["rule"], [(d["path"], d["op"]) for d in f["differences"]])
        for f in outcome.json()["findings"]
        if f["kind"] == "baseline_violation"
    }
    rule = f"baseline:{change_id}-b1"
    assert violations == {
        ids["terraform_data.web[0]"]: (
            rule,
            [(["input", "size"], "change"), (["output", "size"], "change")],
        ),
        ids["terraform_data.web[1]"]: (rule, [([], "remove")]),
    }
    assert outcome.json()["summary"]["baseline_violations"] == 2


def test_baseline_none_leaves_captures_out_of_the_audit(
    cli: Runner, state: Path, in_sync: Path, drifted: Path
) -> None:
    change_id = approved_change(cli)
    capture(cli, change_id, "--from", "live", "--live", str(in_sync))

    outcome = cli(
        "drift", "audit", "--state", str(state), "--live", str(drifted), "--baseline", "none",
        "-o", "json",
    )  # fmt: skip

    assert "baseline_violation" not in {f["kind"] for f in outcome.json()["findings"]}


def test_captures_are_versioned_per_resource_and_listed_shown_and_diffed(
    cli: Runner, state: Path, tmp_path: Path
) -> None:
    first, second = approved_change(cli), approved_change(cli)
    ids = address_ids(state)
    capture(cli, first, "--from", "state", "--state", str(state))
    items = live_items(state)
    edited(items, ids["terraform_data.web[0]"], lambda item: resize_input(item, "xl"))
    resized = write_snapshot(tmp_path / "resized.json", items)
    code, _, stderr = capture(
        cli, second, "--from", "live", "--live", str(resized), "--filter", "address=*"
    )
    assert code == 1
    assert "no resources to capture" in stderr  # live resources carry no address
    capture(
        cli, second, "--from", "live", "--live", str(resized), "--filter", "type=terraform_*",
        "--by", "dave",
    )  # fmt: skip

    listed = cli("drift", "baseline", "list", "--format", "json").json()
    shown = cli("drift", "baseline", "show", second, "--format", "json").json()
    versions = cli("drift", "baseline", "diff", f"{second}-b1", "--format", "json")
    against = cli("drift", "baseline", "diff", first, "--against", "live", str(resized))

    assert [(c["id"], c["resources"], c["captured_by"]) for c in listed] == [
        (f"{second}-b1", 4, "dave"),
        (f"{first}-b1", 4, None),
    ]
    assert {(e["id"], e["version"]) for e in shown} == {(i, 2) for i in ids.values()}
    assert versions.exit_code == 2
    changes = [
        (f["resource"]["id"], d["path"], d["expected"], d["actual"])
        for f in versions.json()["findings"]
        for d in f["differences"]
    ]
    assert changes == [(ids["terraform_data.web[0]"], ["input", "size"], "small", "xl")]
    assert against.exit_code == 2
    assert 'input.size: "small" -> "xl"' in against.stdout


def test_a_capture_from_the_latest_audit_takes_its_live_view(
    cli: Runner, workspace: Workspace, state: Path, drifted: Path
) -> None:
    change_id = approved_change(cli)
    cli("drift", "audit", "--state", str(state), "--live", str(drifted))

    code, stdout, stderr = capture(cli, change_id, "--from", "audit", "--audit", "latest")
    again = cli("drift", "audit", "--state", str(state), "--live", str(drifted), "-o", "json")

    assert code == 0, stderr
    assert f"{len(drifted_items(state))} resources captured from audit" in stdout
    assert "baseline_violation" not in {f["kind"] for f in again.json()["findings"]}
    assert count(workspace.db_url, "baselines") == 4


def test_a_capture_from_an_audit_whose_snapshot_changed_since_is_refused(
    cli: Runner, state: Path, drifted: Path
) -> None:
    change_id = approved_change(cli)
    cli("drift", "audit", "--state", str(state), "--live", str(drifted))
    drifted.write_text(drifted.read_text() + "\n", encoding="utf-8")

    code, _, stderr = capture(cli, change_id, "--from", "audit")

    audit_id = cli("drift", "history", "--format", "json").json()[0]["id"]
    assert code == 1
    assert stderr.splitlines() == [
        f"error: baseline capture: {drifted} changed since audit {audit_id} (its sha256 "
        "differs); capture --from live with the file you mean instead"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "state"), "give at least one --state"),
        (("--from", "live", "--state", "s.tfstate"), "--state goes with --from state only"),
        (("--from", "state", "--state", "x", "--audit", "latest"), "--audit goes with --from"),
    ],
)
def test_capture_flags_that_do_not_go_together_are_usage_errors(
    cli: Runner, args: tuple[str, ...], message: str
) -> None:
    outcome = cli("drift", "baseline", "capture", "--change", "CHG0000001", *args)

    assert outcome.exit_code == 1
    assert message in outcome.stderr
    assert len(outcome.error_lines) == 1


def test_showing_an_unknown_baseline_names_it(cli: Runner) -> None:
    outcome = cli("drift", "baseline", "show", "CHG0000042")

    assert outcome.exit_code == 1
    assert outcome.error_lines == [
        "error: no baseline 'CHG0000042' (give a capture id such as CHG0000001-b1, or a change "
        "id; `changegate drift baseline list` shows them)"
    ]
