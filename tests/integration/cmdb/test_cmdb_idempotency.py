"""A second identical sync writes nothing: real Terraform state, live snapshot, stored audit.

Zero writes is asserted three ways: the row counts, a statement counter on the engine
(``before_cursor_execute`` counting INSERT/UPDATE/DELETE) and a full dump of every CMDB table.
The same resources under a new state serial are compared by digest, not skipped, and still
write no CI, journal, identifier, edge or binding row: only the source's new watermark.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from change_control.store.engine import Store
from tests.integration.cmdb.cmdb_support import (
    T0,
    Project,
    WriteCounter,
    days,
    dump,
    row_counts,
    run_sync,
    snapshot_of_state,
    store_audit,
)

pytestmark = pytest.mark.terraform

#: 6 terraform_data instances (2 in module.net) plus the module's own CI.
RESOURCES, MODULES = 6, 1


def specs(state: Path, snapshot: Path) -> tuple[str, ...]:
    return (f"tfstate={state}", f"snapshot={snapshot}", "audit=latest")


def test_a_second_identical_sync_of_state_snapshot_and_audit_writes_no_row(
    store: Store, project: Project, snapshot_path: Path
) -> None:
    web0 = project.resources()["terraform_data.web[0]"]["id"]
    snapshot = snapshot_of_state(project, snapshot_path, {"id": web0, "input": "tampered"})
    store_audit(store, project.state, snapshot)

    first = run_sync(store, *specs(project.state, snapshot))
    assert first.summary()["errors"] == []
    assert first.summary()["created"] == RESOURCES + MODULES
    assert row_counts(store)["cis"] == RESOURCES + MODULES
    before_counts, before_dump = row_counts(store), dump(store)

    with WriteCounter().watching(store) as counter:
        second = run_sync(store, *specs(project.state, snapshot), now=T0 + days(0.5))

    assert counter.statements == []
    assert second.writes == 0
    assert row_counts(store) == before_counts
    assert dump(store) == before_dump
    summary = second.summary()
    assert (summary["created"], summary["updated"], summary["retired"]) == (0, 0, 0)
    assert (summary["relations_added"], summary["relations_removed"]) == (0, 0)
    # Every item of every input is accounted for as unchanged, and every input says why.
    assert summary["unchanged"] == (RESOURCES + MODULES) + RESOURCES + RESOURCES
    assert all(outcome.skipped for outcome in second.plan.inputs)


def test_the_same_resources_under_a_new_serial_are_compared_by_digest_and_write_no_ci_row(
    store: Store, project: Project, tmp_path: Path
) -> None:
    state = tmp_path / "copy.tfstate"
    shutil.copy(project.state, state)
    run_sync(store, f"tfstate={state}")
    before = dump(store)
    doc = json.loads(state.read_text())
    state.write_text(json.dumps({**doc, "serial": doc["serial"] + 1}))

    with WriteCounter().watching(store) as counter:
        report = run_sync(store, f"tfstate={state}", now=T0 + days(1))

    assert report.plan.inputs[0].skipped is None
    assert report.summary()["unchanged"] == RESOURCES + MODULES
    assert report.writes == 2  # the source's watermark and the run's record
    touched = {re.search(r"(?:INTO|UPDATE|FROM)\s+\"?(\w+)", s)[1] for s in counter.statements}
    assert touched == {"cmdb_sources", "cmdb_runs"}
    after = dump(store)
    for table in ("cis", "ci_identifiers", "ci_relations", "ci_history", "cmdb_bindings"):
        assert after[table] == before[table]

    with WriteCounter().watching(store) as counter:
        assert run_sync(store, f"tfstate={state}", now=T0 + days(2)).writes == 0
    assert counter.statements == []
