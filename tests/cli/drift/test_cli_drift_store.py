"""Stored audits: new/resolved since the previous audit of a scope, history, attribution."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ..support import Runner, Workspace
from .drift_support import (
    ROGUE,
    address_ids,
    count,
    drifted_items,
    live_items,
    rows,
    write_snapshot,
)

pytestmark = pytest.mark.terraform


def audit_json(cli: Runner, state: Path, live: Path, *extra: str) -> dict[str, Any]:
    outcome = cli(
        "drift", "audit", "--state", str(state), "--live", str(live), "-o", "json", *extra
    )
    assert outcome.exit_code in (0, 2), outcome.stderr
    document: dict[str, Any] = outcome.json()
    return document


def by_kind(document: dict[str, Any]) -> dict[str, str]:
    return {f["kind"]: f["id"] for f in document["findings"]}


def test_a_second_audit_reports_what_is_new_and_what_was_resolved(
    cli: Runner, workspace: Workspace, state: Path, tmp_path: Path
) -> None:
    first = audit_json(cli, state, write_snapshot(tmp_path / "a.json", drifted_items(state)))
    ids = address_ids(state)
    # Overnight web[1] came back and a second console bucket appeared.
    items = drifted_items(state) + [
        i for i in live_items(state) if i["id"] == ids["terraform_data.web[1]"]
    ]
    other = copy.deepcopy(ROGUE) | {"id": "second-bucket"}
    second = audit_json(
        cli, state, write_snapshot(tmp_path / "b.json", [*items, other]), "--scope", "x"
    )
    assert second["new"] == sorted(f["id"] for f in second["findings"])  # a new scope starts over

    third = audit_json(
        cli, state, write_snapshot(tmp_path / "a.json", [*items, other]),
        "-o", f"json={tmp_path / 'r.json'}",
    )  # fmt: skip

    assert sorted(first["new"]) == sorted(f["id"] for f in first["findings"])
    assert first["resolved"] == []
    missing, unmanaged = by_kind(first)["missing"], by_kind(first)["unmanaged"]
    new_bucket = [f["id"] for f in third["findings"] if f["resource"]["id"] == "second-bucket"]
    assert third["new"] == new_bucket
    assert third["resolved"] == [missing]
    assert unmanaged in {f["id"] for f in third["findings"]}
    assert count(workspace.db_url, "audits") == 3


def test_first_seen_is_carried_from_the_previous_audit_of_the_scope(
    cli: Runner, workspace: Workspace, state: Path, drifted: Path
) -> None:
    audit_json(cli, state, drifted)
    audit_json(cli, state, drifted)

    found = rows(
        workspace.db_url,
        "SELECT f.finding_id, f.first_seen, f.last_seen, a.started_at FROM findings f "
        "JOIN audits a ON a.id = f.audit_id ORDER BY a.started_at",
    )
    per_finding: dict[str, set[str]] = {}
    for finding_id, first_seen, _, _ in found:
        per_finding.setdefault(finding_id, set()).add(first_seen)
    assert len(found) == 6
    assert all(len(seen) == 1 for seen in per_finding.values())
    assert len({last for _, _, last, _ in found}) == 2


def test_no_store_writes_nothing_but_still_compares_with_the_last_stored_audit(
    cli: Runner, workspace: Workspace, state: Path, drifted: Path, in_sync: Path
) -> None:
    audit_json(cli, state, drifted, "--scope", "prod")

    document = audit_json(cli, state, in_sync, "--scope", "prod", "--no-store")

    assert document["findings"] == []
    assert len(document["resolved"]) == 3
    assert count(workspace.db_url, "audits") == 1


def test_history_lists_audits_newest_first_with_counts_and_trend(
    cli: Runner, state: Path, drifted: Path, in_sync: Path
) -> None:
    audit_json(cli, state, drifted, "--scope", "prod")
    audit_json(cli, state, in_sync, "--scope", "prod")
    audit_json(cli, state, drifted, "--scope", "staging")

    prod = cli("drift", "history", "--scope", "prod", "--format", "json").json()
    table = cli("drift", "history", "--limit", "2")

    assert [(a["summary"]["changed"], a["summary"]["new"], a["summary"]["resolved"], a["exit_code"])
            for a in prod] == [(0, 0, 3, 0), (1, 3, 0, 2)]  # fmt: skip
    assert {a["scope"] for a in prod} == {"prod"}
    assert table.exit_code == 0
    assert "staging" in table.stdout
    assert len([line for line in table.stdout.splitlines() if line.startswith("A")]) == 2


def test_an_empty_history_says_so(cli: Runner) -> None:
    outcome = cli("drift", "history")

    assert outcome.exit_code == 0
    assert "no audits stored yet" in outcome.stdout


def _open_change(cli: Runner, *scope: str, ended_ago: timedelta | None = None) -> str:
    now = datetime.now(UTC)
    end = now - ended_ago if ended_ago else now + timedelta(hours=1)
    window = (
        "--window-start", (end - timedelta(hours=2)).isoformat(),
        "--window-end", end.isoformat(),
    )  # fmt: skip
    outcome = cli(
        "change", "new", "--type", "normal", "--summary", "Resize web", "--requested-by", "alice",
        *window, *scope,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    change_id = outcome.stdout.strip()
    assert cli("change", "approve", change_id, "--by", "bob").exit_code == 0
    return change_id


def test_drift_inside_an_approved_change_is_authorized_and_the_rest_is_not(
    cli: Runner, state: Path, drifted: Path
) -> None:
    change_id = _open_change(cli, "--scope-tf", "terraform_data.web[[]0]")

    document = audit_json(cli, state, drifted)

    attribution = {f["kind"]: f["attribution"] for f in document["findings"]}
    assert attribution["changed"] == {"status": "authorized", "change_id": change_id}
    assert attribution["missing"] == {"status": "unauthorized", "change_id": None}
    assert attribution["unmanaged"] == {"status": "unauthorized", "change_id": None}


@pytest.mark.parametrize(("grace", "status"), [("0", "unauthorized"), ("90", "authorized")])
def test_grace_extends_a_window_that_ended_before_the_audit(
    cli: Runner, state: Path, drifted: Path, grace: str, status: str
) -> None:
    _open_change(cli, "--scope-tf", "terraform_data.*", ended_ago=timedelta(hours=1))

    document = audit_json(cli, state, drifted, "--grace", grace)

    (changed,) = [f for f in document["findings"] if f["kind"] == "changed"]
    assert changed["attribution"]["status"] == status


def test_an_unapproved_change_authorizes_nothing(cli: Runner, state: Path, drifted: Path) -> None:
    outcome = cli(
        "change", "new", "--type", "normal", "--summary", "x", "--requested-by", "alice",
        "--scope-tf", "terraform_data.*",
    )  # fmt: skip
    assert outcome.exit_code == 0

    document = audit_json(cli, state, drifted)

    assert {f["attribution"]["status"] for f in document["findings"]} == {"unauthorized"}


def test_stored_findings_hold_the_report_objects(
    cli: Runner, workspace: Workspace, state: Path, drifted: Path
) -> None:
    document = audit_json(cli, state, drifted)

    stored = rows(workspace.db_url, "SELECT finding_id, kind, severity, differences FROM findings")
    audit_row = rows(workspace.db_url, "SELECT id, scope_key, sources, exit_code FROM audits")

    assert sorted((f, k, s) for f, k, s, _ in stored) == sorted(
        (f["id"], f["kind"], f["severity"]) for f in document["findings"]
    )
    (audit_id, scope, sources, exit_code) = audit_row[0]
    assert audit_id == document["audit_id"]
    assert scope.startswith("sources:")
    assert exit_code == 2
    assert [(s["spec"], s["view"], len(s["sha256"])) for s in json.loads(sources)] == [
        (str(state), "declared", 64),
        (str(drifted), "live", 64),
    ]
