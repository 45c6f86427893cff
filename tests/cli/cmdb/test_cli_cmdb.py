"""``changegate cmdb``: the flags scripts call, the exact JSON, exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ..support import Runner, Workspace

SYNC_KEYS = [
    "created", "updated", "unchanged", "retired", "relations_added", "relations_removed",
    "errors", "writes",
]  # fmt: skip


def instance(index: int, **extra: Any) -> dict[str, Any]:
    rid = f"i-{index}"
    attributes = {
        "id": rid,
        "arn": f"arn:aws:ec2:eu-west-3:123456789012:instance/{rid}",
        "instance_type": "t3.micro",
        "private_ip": f"10.0.0.{index}",
        "tags": {"Name": f"web-{index}", "Environment": "prod"},
        **extra,
    }
    return {
        "index_key": index,
        "attributes": attributes,
        "dependencies": ["module.net.aws_vpc.main"],
    }


def write_state(root: Path, count: int = 3, serial: int = 1, name: str = "prod.tfstate") -> Path:
    vpc = {
        "mode": "managed", "type": "aws_vpc", "name": "main", "module": "module.net",
        "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
        "instances": [{"attributes": {
            "id": "vpc-1", "arn": "arn:aws:ec2:eu-west-3:123456789012:vpc/vpc-1",
            "tags": {"Name": "main"},
        }}],
    }  # fmt: skip
    web = {
        "mode": "managed", "type": "aws_instance", "name": "web",
        "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
        "instances": [instance(n) for n in range(count)],
    }  # fmt: skip
    doc = {"version": 4, "terraform_version": "1.11.4", "serial": serial, "lineage": "L1",
           "resources": [vpc, web]}  # fmt: skip
    path = root / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def state(workspace: Workspace) -> Path:
    return write_state(workspace.root)


def sync_json(cli: Runner, *froms: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    args = [a for spec in froms for a in ("--from", spec)]
    outcome = cli("cmdb", "sync", *args, *extra, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    data: dict[str, Any] = outcome.json()
    return data


def test_sync_prints_exactly_the_summary_keys_and_a_second_run_writes_nothing(
    cli: Runner, state: Path
) -> None:
    first = sync_json(cli, f"tfstate={state}")
    assert list(first) == SYNC_KEYS
    assert (first["created"], first["relations_added"], first["errors"]) == (5, 4, [])
    assert first["writes"] > 0
    second = sync_json(cli, f"tfstate={state}")
    assert second == {**dict.fromkeys(SYNC_KEYS, 0), "unchanged": 5, "errors": []}
    table = cli("cmdb", "sync", "--from", f"tfstate={state}")
    assert table.exit_code == 0
    assert "nothing to do" in table.stdout and "0 rows written" in table.stdout
    assert "unchanged input (same content digest)" in table.stdout


def test_a_dry_run_prints_the_plan_and_writes_nothing(cli: Runner, state: Path) -> None:
    dry = cli("cmdb", "sync", "--from", f"tfstate={state}", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "create" in dry.stdout and "web-1" in dry.stdout and "depends_on" in dry.stdout
    assert "wrote nothing" in dry.stdout
    listing = cli("cmdb", "show", "--class", "vm_instance", "--format", "json")
    assert listing.json() == []
    as_json = sync_json(cli, f"tfstate={state}", extra=("--dry-run",))
    assert (as_json["created"], as_json["writes"]) == (5, 0)


def test_updates_show_their_attribute_diffs_in_the_plan(cli: Runner, workspace: Workspace) -> None:
    sync_json(cli, f"tfstate={write_state(workspace.root)}")
    changed = write_state(workspace.root, serial=2)
    doc = json.loads(changed.read_text())
    doc["resources"][1]["instances"][0]["attributes"]["instance_type"] = "t3.large"
    changed.write_text(json.dumps(doc))
    dry = cli("cmdb", "sync", "--from", f"tfstate={changed}", "--dry-run")
    assert "instance_type" in dry.stdout and "t3.large" in dry.stdout
    assert sync_json(cli, f"tfstate={changed}")["updated"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "prod.tfstate"), "error: --from 'prod.tfstate': expected KIND=REF"),
        (("--from", "cloud=x"), "error: unknown cmdb input kind 'cloud'"),
        (("--from", "tfstate=missing.tfstate"), "error: missing.tfstate: no such file"),
        (("--from", "snapshot=missing.json"), "error: missing.json: no such file"),
        (("--from", "audit=latest"), "error: no audit is stored yet"),
        (("--from", "ansible=inv.ini,facts=nowhere"), "must name a fact cache directory"),
        (("--from", "tfstate=x", "--rules", "nope.yml"), "error: nope.yml: no such file"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_writes_nothing(
    cli: Runner, workspace: Workspace, args: tuple[str, ...], message: str
) -> None:
    (workspace.root / "inv.ini").write_text("web1\n")
    outcome = cli("cmdb", "sync", *args)
    assert outcome.exit_code == 1
    assert len(outcome.error_lines) == 1 and message in outcome.error_lines[0], outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_a_run_where_everything_vanishes_is_refused_unless_forced(
    cli: Runner, workspace: Workspace
) -> None:
    sync_json(cli, f"tfstate={write_state(workspace.root, count=3)}")
    shrunk = write_state(workspace.root, count=0, serial=2)
    refused = cli("cmdb", "sync", "--from", f"tfstate={shrunk}")
    assert refused.exit_code == 1
    assert len(refused.error_lines) == 1 and "circuit breaker" in refused.stderr
    forced = sync_json(cli, f"tfstate={shrunk}", extra=("--force",))
    assert forced["updated"] == 3


def test_items_that_cannot_be_reconciled_are_listed_and_exit_2(
    cli: Runner, workspace: Workspace
) -> None:
    snapshot = workspace.root / "live.json"
    resource = {"type": "aws_instance", "id": "i-9", "attributes": {"id": "i-9"}}
    snapshot.write_text(json.dumps({
        "format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T10:00:00Z",
        "resources": [resource, resource], "alerts": [],
    }))  # fmt: skip
    outcome = cli("cmdb", "sync", "--from", f"snapshot={snapshot}", "--format", "json")
    assert outcome.exit_code == 2
    assert [e["code"] for e in outcome.json()["errors"]] == ["cmdb.duplicate_key"]


def test_show_history_export_and_impact_read_what_sync_wrote(cli: Runner, state: Path) -> None:
    sync_json(cli, f"tfstate={state}")
    by_arn = cli(
        "cmdb", "show", "arn:aws:ec2:eu-west-3:123456789012:instance/i-1", "--format", "json"
    )
    assert by_arn.exit_code == 0, by_arn.stderr
    ci = by_arn.json()
    assert (ci["class"], ci["name"], ci["environment"]) == ("vm_instance", "web-1", "prod")
    assert {"direction": "out", "type": "depends_on"}.items() <= ci["relations"][0].items()
    by_address = cli("cmdb", "show", "aws_instance.web[1]", "--format", "json").json()
    assert by_address["id"] == ci["id"]
    table = cli("cmdb", "show", "web-1")
    assert "Identifiers" in table.stdout and "last written by" in table.stdout

    history = cli("cmdb", "history", "web-1", "--format", "json").json()
    assert [entry["action"] for entry in history] == ["create"]

    exported = cli("cmdb", "export", "--format", "json").json()
    assert len(exported["cis"]) == 5 and len(exported["relations"]) == 4
    rows = list(csv.DictReader(io.StringIO(cli("cmdb", "export", "--format", "csv").stdout)))
    assert sorted(r["name"] for r in rows) == ["main", "module.net", "web-0", "web-1", "web-2"]

    impact = cli("cmdb", "impact", "module.net.aws_vpc.main", "--format", "json").json()
    assert sorted(hit["name"] for hit in impact["impacted"]) == ["web-0", "web-1", "web-2"]
    assert "3 CI(s) depend on main" in cli("cmdb", "impact", "main").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show",), "give a CI, or --class, --drifted or --env"),
        (("show", "nothing-like-this"), "no CI matches 'nothing-like-this'"),
        (("history", "web"), "'web' names"),
    ],
)
def test_read_commands_fail_in_one_line(
    cli: Runner, state: Path, args: tuple[str, ...], message: str
) -> None:
    sync_json(cli, f"tfstate={state}", f"snapshot={_twin_snapshot(state)}")
    outcome = cli("cmdb", *args)
    assert outcome.exit_code == 1
    assert len(outcome.error_lines) == 1 and message in outcome.error_lines[0], outcome.stderr


def _twin_snapshot(state: Path) -> Path:
    """A snapshot holding a second CI named ``web`` (so ``web`` is ambiguous)."""
    path = state.parent / "twins.json"
    twins = [
        {"type": "aws_s3_bucket", "id": name, "attributes": {"id": name, "tags": {"Name": "web"}}}
        for name in ("web-a", "web-b")
    ]
    path.write_text(json.dumps({
        "format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T10:00:00Z",
        "resources": twins, "alerts": [],
    }))  # fmt: skip
    return path


def test_a_glob_of_states_gives_one_data_source_per_file(cli: Runner, workspace: Workspace) -> None:
    states = workspace.root / "states"
    states.mkdir()
    write_state(states, count=1, name="a.tfstate")
    write_state(states, count=2, name="b.tfstate")
    outcome = cli("cmdb", "sync", "--from", f"tfstate={states}/*.tfstate")
    assert outcome.exit_code == 0, outcome.stderr
    assert f"tfstate:{states.resolve()}/a.tfstate" in outcome.stdout
    assert f"tfstate:{states.resolve()}/b.tfstate" in outcome.stdout
    named = cli("cmdb", "sync", "--from", f"tfstate={states}/*.tfstate,name=prod")
    assert named.exit_code == 1 and "name= needs a single state" in named.stderr


def test_a_snapshot_with_access_denied_alerts_retires_nothing(
    cli: Runner, workspace: Workspace
) -> None:
    def snapshot(name: str, ids: list[str], alerts: list[dict[str, Any]]) -> Path:
        path = workspace.root / name
        resources = [{"type": "aws_s3_bucket", "id": i, "attributes": {"id": i}} for i in ids]
        path.write_text(json.dumps({
            "format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T10:00:00Z",
            "resources": resources, "alerts": alerts,
        }))  # fmt: skip
        return path

    sync_json(cli, f"snapshot={snapshot('one.json', ['a', 'b', 'c'], [])},name=aws")
    denied = [{"source": "aws", "type": "aws_s3_bucket", "region": None,
               "code": "access_denied", "message": "s3:ListAllMyBuckets denied"}]  # fmt: skip
    partial = sync_json(cli, f"snapshot={snapshot('two.json', ['a'], denied)},name=aws")
    assert (partial["updated"], partial["retired"]) == (0, 0)
    statuses = {c["name"]: c["install_status"] for c in cli("cmdb", "export").json()["cis"]}
    assert statuses == {"a": "installed", "b": "installed", "c": "installed"}
