"""The AWX job-template playbooks (examples/awx/) do what docs/awx.md says.

They run here exactly as a scheduled job would run them in an execution environment, except
that the live snapshot comes from a file instead of AWS (``drift_collect_aws: false``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.collection.collection_support import BIN, ROOT, run, tool_env

pytestmark = [pytest.mark.ansible, pytest.mark.slow]

AWX = ROOT / "examples" / "awx"
STATE = ROOT / "tests" / "data" / "tfstate" / "full.tfstate"
#: A bucket someone created in the console: unmanaged drift.
ROGUE = {
    "type": "aws_s3_bucket",
    "id": "rogue-bucket",
    "region": "eu-west-3",
    "account": "123456789012",
    "attributes": {"bucket": "rogue-bucket", "tags": {"env": "dev"}},
}


def playbook(name: str, tmp_path: Path, extra: dict[str, object], expect: int) -> str:
    """Run one AWX playbook against a store in ``tmp_path``; its output."""
    env = tool_env(CHANGEGATE_DB=f"sqlite:///{tmp_path / 'changegate.db'}")
    args = [BIN / "ansible-playbook", AWX / name, "-e", json.dumps(extra)]
    proc = run(args, cwd=tmp_path, env=env, expect=expect)
    return proc.stdout + proc.stderr


def snapshot(path: Path, resources: list[dict[str, object]]) -> Path:
    """A ``changegate/live-snapshot@1`` file."""
    doc = {"format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T02:00:00Z"}
    path.write_text(json.dumps({**doc, "resources": resources, "alerts": []}))
    return path


def audit_vars(live: Path, fail_on: str = "") -> dict[str, object]:
    """Extra vars for a drift audit of the test state against ``live``."""
    return {
        "drift_collect_aws": False,
        "drift_states": [str(STATE)],
        "drift_live_files": [str(live)],
        "drift_fail_on": fail_on,
    }


def test_the_nightly_drift_audit_fails_the_job_when_a_console_change_shows_up(
    tmp_path: Path,
) -> None:
    live = snapshot(tmp_path / "live.json", [ROGUE])

    output = playbook("drift-audit.yml", tmp_path, audit_vars(live), expect=2)

    assert "unmanaged" in output and "rogue-bucket" in output
    assert "Drift found (audit A" in output


def test_the_nightly_drift_audit_passes_below_the_fail_on_severity(tmp_path: Path) -> None:
    live = snapshot(tmp_path / "live.json", [ROGUE])

    output = playbook("drift-audit.yml", tmp_path, audit_vars(live, "critical"), expect=0)

    assert "rogue-bucket" in output
    assert "Drift found" not in output


def test_the_nightly_cmdb_sync_changes_the_cmdb_once_and_then_reports_ok(tmp_path: Path) -> None:
    extra = {"cmdb_sync_from": [f"tfstate={STATE},env=production"]}

    first = playbook("cmdb-sync.yml", tmp_path, extra, expect=0)
    second = playbook("cmdb-sync.yml", tmp_path, extra, expect=0)

    assert "changed=1" in first
    assert "changed=0" in second
