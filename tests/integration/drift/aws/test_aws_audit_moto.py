"""``drift snapshot --aws`` and ``drift audit --aws`` end to end against a real moto server.

The declared view is a Terraform state written from a first collection, exactly as Terraform
would have recorded those objects; then objects are changed, deleted and created behind its
back with boto3 and the audit must say ``changed``, ``missing`` and ``unmanaged``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drift.aws.engine import collect
from drift.cli.main import main
from drift.sources import read_snapshot
from tests.integration.drift.aws.support import (
    Moto,
    World,
    build_identity,
    build_network,
    build_storage,
    write_state,
)


def _world(moto: Moto) -> World:
    world = World()
    for build in (build_network, build_storage, build_identity):
        build(moto, world)
    return world


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _aws(moto: Moto) -> list[str]:
    return ["--aws", "--region", "us-east-1", "--endpoint-url", moto.url]


def _audit(moto: Moto, tmp_path: Path, state: Path, *extra: str) -> list[str]:
    return [
        "drift",
        "audit",
        *_aws(moto),
        "--state",
        str(state),
        "--no-store",
        "--db",
        f"sqlite:///{tmp_path / 'store.db'}",
        "-o",
        f"json={tmp_path / 'report.json'}",
        *extra,
    ]


def _findings(tmp_path: Path) -> list[dict[str, Any]]:
    report = json.loads((tmp_path / "report.json").read_text())
    findings: list[dict[str, Any]] = report["findings"]
    return findings


def _prepare(moto: Moto, tmp_path: Path) -> tuple[World, Path]:
    """A world, its snapshot through the CLI, and a state declaring everything in it."""
    world = _world(moto)
    snapshot = tmp_path / "live.json"
    code = main(["drift", "snapshot", *_aws(moto), "--out", str(snapshot), "-q"])
    assert code == 0
    resources = read_snapshot(snapshot).resources
    assert {world["vpc"], world["instance"], "cg-logs", "app"} <= {r.id for r in resources}
    return world, write_state(tmp_path / "terraform.tfstate", resources)


@pytest.fixture(scope="module")
def prepared(module_moto: Moto, tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path]:
    """One world and its state for the tests that only read (building it is the slow part)."""
    return _prepare(module_moto, tmp_path_factory.mktemp("world"))


@pytest.fixture
def state(prepared: tuple[World, Path], tmp_path: Path) -> Path:
    """The shared state, with the shared snapshot next to it in this test's directory."""
    source = prepared[1]
    (tmp_path / "live.json").write_bytes((source.parent / "live.json").read_bytes())
    return write_state(
        tmp_path / "terraform.tfstate", read_snapshot(tmp_path / "live.json").resources
    )


def test_a_state_written_from_a_snapshot_audits_clean_live_and_from_the_snapshot_file(
    module_moto: Moto, state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, *_audit(module_moto, tmp_path, state))
    assert (code, _findings(tmp_path)) == (0, [])
    assert "aws: " in err
    live = ["--live", str(tmp_path / "live.json")]
    offline = [
        "drift",
        "audit",
        "--state",
        str(state),
        *live,
        "--no-store",
        "--db",
        f"sqlite:///{tmp_path / 'store.db'}",
        "-o",
        "json",
    ]
    code, out, _ = _cli(capsys, *offline)
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_types_narrow_the_audit_and_say_which_declared_types_were_left_out(
    module_moto: Moto, state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrowed = _audit(module_moto, tmp_path, state, "--types", "aws_vpc,aws_instance")
    code, _, _ = _cli(capsys, *narrowed)
    report = json.loads((tmp_path / "report.json").read_text())
    skipped = [a for a in report["alerts"] if a["code"] == "not_collected"]
    assert (code, report["findings"]) == (0, [])
    assert len(skipped) == 1
    assert "aws_iam_user_policy (1)" in skipped[0]["message"]


def test_only_managed_reads_only_the_declared_types_and_ids(
    module_moto: Moto, prepared: tuple[World, Path]
) -> None:
    world, moto = prepared[0], module_moto
    full = collect(moto.options())
    wanted = {("aws_vpc", world["vpc"]), ("aws_s3_bucket", "cg-logs")}
    declared = [r for r in full.resources if (r.type, r.id) in wanted]
    from drift.aws.scope import ManagedScope

    scoped = collect(moto.options(), scope=ManagedScope.of(declared))
    assert {(r.type, r.id) for r in scoped.resources} == {
        ("aws_vpc", world["vpc"]),
        ("aws_s3_bucket", "cg-logs"),
    }
    assert scoped.stats.total().calls < full.stats.total().calls / 2


def test_snapshot_without_aws_or_with_an_unknown_type_fails_in_one_line_writing_nothing(
    module_moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "live.json"
    code, _, err = _cli(capsys, "drift", "snapshot", "--out", str(out))
    assert (code, err.count("\n"), out.exists()) == (1, 1, False)
    code, _, err = _cli(
        capsys, "drift", "snapshot", *_aws(module_moto), "--types", "aws_nope", "-o", str(out)
    )
    assert (code, "unknown AWS resource type 'aws_nope'" in err, out.exists()) == (1, True, False)


def test_changes_behind_terraforms_back_are_changed_missing_and_unmanaged(
    moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Last in the module: ``moto`` empties the server the shared world lives on.
    _, state = _prepare(moto, tmp_path)
    ec2, iam, s3 = moto.client("ec2"), moto.client("iam"), moto.client("s3")
    vpc = next(
        r
        for r in json.loads(state.read_text())["resources"]
        if r["type"] == "aws_vpc" and r["instances"][0]["attributes"].get("tags")
    )["instances"][0]["attributes"]
    ec2.create_tags(Resources=[vpc["id"]], Tags=[{"Key": "owner", "Value": "alice"}])
    ec2.delete_key_pair(KeyName="deploy")
    rogue = ec2.create_security_group(GroupName="rogue", Description="x", VpcId=vpc["id"])
    iam.update_role(RoleName="app", Description="changed by hand", MaxSessionDuration=7200)
    s3.put_bucket_versioning(Bucket="cg-logs", VersioningConfiguration={"Status": "Suspended"})

    code, _, _ = _cli(capsys, *_audit(moto, tmp_path, state))
    found = {
        (f["kind"], f["resource"]["type"], f["resource"]["id"]): [
            (d["path"], d["op"], d["actual"]) for d in f["differences"]
        ]
        for f in _findings(tmp_path)
    }
    assert code == 2
    assert found[("changed", "aws_vpc", vpc["id"])] == [(["tags", "owner"], "add", "alice")]
    assert found[("changed", "aws_iam_role", "app")] == [
        (["description"], "change", "changed by hand")
    ]
    assert found[("changed", "aws_s3_bucket_versioning", "cg-logs")] == [
        (["versioning_configuration", 0, "status"], "change", "Suspended")
    ]
    assert ("missing", "aws_key_pair", "deploy") in found
    assert ("unmanaged", "aws_security_group", rogue["GroupId"]) in found
