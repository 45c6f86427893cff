"""A stored drift audit as an input: drift status per CI, in sync where no finding says else."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from change_control.store.engine import Store
from change_control.store.schema import cis
from tests.integration.cmdb.cmdb_support import (
    T0,
    Project,
    days,
    run_sync,
    snapshot_of_state,
    store_audit,
)

pytestmark = pytest.mark.terraform


def statuses(store: Store) -> dict[str, tuple[str, list[str]]]:
    with store.read() as conn:
        rows = conn.execute(select(cis.c.name, cis.c.drift_status, cis.c.drift_findings))
        return {name: (status, list(found)) for name, status, found in rows}


def test_findings_set_drift_status_and_the_rest_of_the_audit_is_in_sync(
    store: Store, project: Project, snapshot_path: Path
) -> None:
    resources = project.resources()
    web0 = resources["terraform_data.web[0]"]["id"]
    snapshot = snapshot_of_state(project, snapshot_path, {"id": web0, "input": "tampered"})
    audit_id = store_audit(store, project.state, snapshot)

    report = run_sync(store, f"tfstate={project.state}", f"audit={audit_id}")
    assert report.plan.inputs[1].complete is True
    found = statuses(store)
    assert found["terraform_data.web[0]"][0] == "drifted"
    assert len(found["terraform_data.web[0]"][1]) == 1
    assert found["terraform_data.db"] == ("in_sync", [])
    assert found["module.net"][0] == "unknown"  # modules are not audited

    # Fixed and audited again: the newer audit of the same scope supersedes the finding.
    clean = snapshot_of_state(project, snapshot_path.parent / "clean.json")
    store_audit(store, project.state, clean, now=T0 + days(1))
    run_sync(store, "audit=latest", now=T0 + days(1))
    assert statuses(store)["terraform_data.web[0]"] == ("in_sync", [])


def test_an_audit_whose_state_moved_on_is_partial_and_retires_nothing(
    store: Store, project: Project, tmp_path: Path
) -> None:
    state = tmp_path / "copy.tfstate"
    state.write_bytes(project.state.read_bytes())
    snapshot = snapshot_of_state(project, tmp_path / "live.json")
    store_audit(store, state, snapshot)
    state.write_text(state.read_text() + "\n")  # same resources, a new digest

    report = run_sync(store, "audit=latest")
    outcome = report.plan.inputs[0]
    assert outcome.complete is False
    assert outcome.notes == ("some of the audit's sources changed since: partial",)
    # Still every resource: the snapshot it compared against is unchanged and re-read.
    assert report.summary()["created"] == len(project.resources())
