"""``drift types``, ``drift iam-policy`` and the flag checks of ``--aws`` (no AWS touched)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drift.cli.main import main
from tests.unit.drift.aws.test_aws_registry import ISSUE_TYPES


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_types_lists_every_supported_type_with_its_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "drift", "types", "--format", "json")
    rows = {row["type"]: row for row in json.loads(out)}
    assert code == 0
    assert set(ISSUE_TYPES) <= set(rows)
    assert rows["aws_default_security_group"]["collector"] == "aws_security_group"
    assert rows["aws_s3_bucket_policy"]["attributes"] == "all"
    assert "ec2:DescribeInstances" in rows["aws_instance"]["api_calls"]


def test_the_types_table_has_a_header_and_one_line_per_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "drift", "types")
    lines = out.splitlines()
    assert (code, lines[0].split()[:3]) == (0, ["TYPE", "SERVICE", "SCOPE"])
    assert len(lines) == 1 + len(json.loads(_run(capsys, "drift", "types", "--format", "json")[1]))


def test_iam_policy_prints_a_policy_document_narrowed_by_types(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "drift", "iam-policy", "--types", "aws_kms_key,aws_iam_user")
    actions = {a for s in json.loads(out)["Statement"] for a in s["Action"]}
    assert code == 0
    assert actions == {
        "kms:ListKeys",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "iam:GetAccountAuthorizationDetails",
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["drift", "snapshot", "--out", "x.json"],
            "error: give --aws (the live source to collect)",
        ),
        (
            ["drift", "snapshot", "--region", "us-east-1", "--out", "x.json"],
            "error: --region needs --aws",
        ),
        (
            ["drift", "snapshot", "--aws", "--region", "moon-1", "--out", "x.json"],
            "error: --region 'moon-1': not an AWS region name",
        ),
        (
            ["drift", "snapshot", "--aws", "--types", "aws_nope", "--out", "x.json"],
            "error: --types: unknown AWS resource type 'aws_nope'",
        ),
        (
            ["drift", "snapshot", "--aws", "--concurrency", "0", "--out", "x.json"],
            "error: Invalid value for '--concurrency'",
        ),
        (
            ["drift", "snapshot", "--aws", "--only-managed", "--out", "x.json"],
            "error: --only-managed needs --state SPEC",
        ),
        (
            ["drift", "snapshot", "--aws", "--out", "no/such/dir/x.json"],
            "error: --out no/such/dir/x.json: no such directory 'no/such/dir'",
        ),
        (
            ["drift", "audit", "--state", "s.tfstate", "--role-arn", "arn:aws:iam::1:role/x"],
            "error: --role-arn needs --aws",
        ),
    ],
)
def test_bad_aws_flags_are_one_line_errors_before_any_call(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, *args)
    assert (code, out, err.count("\n")) == (1, "", 1)
    assert err.startswith(message)
    assert not (tmp_path / "x.json").exists()


def test_listing_types_and_the_policy_never_imports_boto3() -> None:
    script = (
        "import sys\nfrom drift.cli.main import main\n"
        "main(['drift', 'types']); main(['drift', 'iam-policy'])\n"
        "print('boto3' in sys.modules, 'botocore' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[4],
    )
    assert done.stderr.strip().splitlines()[-1] == "False False"
