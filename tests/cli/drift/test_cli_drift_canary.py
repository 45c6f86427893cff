"""CANARY: secrets in a state and a snapshot reach no report of any format and not the store.

The state holds a database password (``aws_db_instance.password`` listed in
``sensitive_attributes``), a sensitive ``username``, a ``terraform_data`` whose input carries a
password, and a sensitive output; the live snapshot has different values for every one of them.
The audit writes all six report formats to files, a baseline is captured from the state and a
second audit compares against it; then every report, stdout, stderr and every byte of the
SQLite store (WAL included) are searched for each secret.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..support import Runner, Workspace
from .drift_support import rows, store_bytes, write_snapshot

DB_ID = "db-canary"
DATA_ID = "data-canary"
SECRETS = (
    "canary-db-pass-STATE",
    "canary-db-pass-LIVE",
    "canary-user-STATE",
    "canary-user-LIVE",
    "canary-input-pass-STATE",
    "canary-input-pass-LIVE",
    "canary-output-secret",
)
FORMATS = ("table", "json", "sarif", "junit", "markdown", "html")


def _attr(name: str) -> list[dict[str, str]]:
    return [{"type": "get_attr", "value": name}]


def canary_state() -> dict[str, Any]:
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 3,
        "lineage": "canary",
        "outputs": {
            "db_password": {"value": "canary-output-secret", "type": "string", "sensitive": True}
        },
        "resources": [
            {
                "mode": "managed", "type": "aws_db_instance", "name": "main",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [{
                    "schema_version": 2,
                    "attributes": {
                        "id": DB_ID, "identifier": "main", "instance_class": "db.t3.micro",
                        "password": "canary-db-pass-STATE", "username": "canary-user-STATE",
                        "arn": "arn:aws:rds:eu-west-3:123456789012:db:main",
                    },
                    "sensitive_attributes": [_attr("password"), _attr("username")],
                }],
            },
            {
                "mode": "managed", "type": "terraform_data", "name": "app",
                "provider": 'provider["terraform.io/builtin/terraform"]',
                "instances": [{
                    "schema_version": 0,
                    "attributes": {
                        "id": DATA_ID,
                        "input": {
                            "value": {"user": "app", "password": "canary-input-pass-STATE"},
                            "type": ["object", {"user": "string", "password": "string"}],
                        },
                    },
                    "sensitive_attributes": [[*_attr("input"), *_attr("password")]],
                }],
            },
        ],
    }  # fmt: skip


def canary_live() -> list[dict[str, Any]]:
    return [
        {
            "type": "aws_db_instance", "id": DB_ID, "region": "eu-west-3",
            "account": "123456789012",
            "attributes": {
                "id": DB_ID, "identifier": "main", "instance_class": "db.t3.large",
                "password": "canary-db-pass-LIVE", "username": "canary-user-LIVE",
                "arn": "arn:aws:rds:eu-west-3:123456789012:db:main",
            },
        },
        {
            "type": "terraform_data", "id": DATA_ID,
            "attributes": {
                "id": DATA_ID, "input": {"user": "app2", "password": "canary-input-pass-LIVE"}
            },
        },
    ]  # fmt: skip


def assert_no_secret(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    leaked = [s for s in SECRETS if s.encode() in data]
    assert not leaked, f"{where} contains {leaked}"


def test_no_secret_reaches_any_report_or_the_store(
    cli: Runner, workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "canary.tfstate"
    state.write_text(json.dumps(canary_state()), encoding="utf-8")
    live = write_snapshot(tmp_path / "live.json", canary_live())
    outputs = [a for fmt in FORMATS for a in ("-o", f"{fmt}={tmp_path / ('report.' + fmt)}")]
    change = cli(
        "change", "new", "--type", "normal", "--summary", "db", "--requested-by", "alice"
    ).stdout.strip()
    assert cli("change", "approve", change, "--by", "bob").exit_code == 0

    first = cli("drift", "audit", "--state", str(state), "--live", str(live), *outputs)
    captured = cli(
        "drift", "baseline", "capture", "--from", "state", "--change", change,
        "--state", str(state),
    )  # fmt: skip
    shown = cli("drift", "baseline", "show", change, "--format", "json")
    second = cli("drift", "audit", "--state", str(state), "--live", str(live), "-o", "json")
    diffed = cli("drift", "baseline", "diff", change, "--against", "live", str(live))

    assert first.exit_code == 2, first.stderr
    assert captured.exit_code == 0, captured.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    changed = {f["resource"]["id"]: f["differences"] for f in report["findings"]}
    assert {(tuple(d["path"]), d["sensitive"], "expected" in d) for d in changed[DB_ID]} == {
        (("instance_class",), False, True),
        (("username",), True, False),
    }
    assert {(tuple(d["path"]), d["sensitive"]) for d in changed[DATA_ID]} == {
        (("input", "password"), True),
        (("input", "user"), False),
    }
    violations = [f for f in second.json()["findings"] if f["kind"] == "baseline_violation"]
    assert {f["resource"]["id"] for f in violations} == {DB_ID, DATA_ID}
    assert shown.json()[0]["withheld"]
    for fmt in FORMATS:
        assert_no_secret((tmp_path / f"report.{fmt}").read_bytes(), f"the {fmt} report")
    for name, outcome in (("audit", first), ("capture", captured), ("show", shown),
                          ("second audit", second), ("diff", diffed)):  # fmt: skip
        assert_no_secret(outcome.stdout + outcome.stderr, f"{name} output")
    for table in ("findings", "baselines", "audits"):
        assert_no_secret(repr(rows(workspace.db_url, f"SELECT * FROM {table}")), table)
    everything = store_bytes(workspace.db_url)
    assert b"db.t3.large" in everything  # the search does see what was stored
    assert_no_secret(everything, "the SQLite store files")
