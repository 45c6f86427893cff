"""Bad input to ``drift audit``: one line naming the file and the problem, exit 1, NOTHING stored.

Every case also checks the store: no audit, no finding, no baseline, whatever step failed
(option parsing, a rule file, a source, or writing a report after the comparison).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests

from ..support import Outcome, Runner, Workspace
from .drift_support import count, write_snapshot


@dataclass(frozen=True)
class Case:
    """Arguments after ``drift audit`` (``{tmp}``, ``{state}``, ``{live}`` are filled in) and the
    words the single error line must contain."""

    args: tuple[str, ...]
    words: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()


INVALID_JSON = '{\n  "version": 4,\n  oops\n}\n'
BAD_RULES = "version: 1\nrules:\n  - name: r\n    type: aws_s3_bucket\n    expect:\n      acl: {one_of: []}\n"  # noqa: E501
SNAPSHOT = '{{"format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T10:00:00Z", "resources": [{body}]}}'  # noqa: E501

CASES = {
    "unsupported state version": Case(
        ("--state", "{tmp}/old.tfstate", "--live", "{live}"),
        ("{tmp}/old.tfstate: unsupported state version 3 (changegate reads version 4)",),
        (("old.tfstate", '{"version": 3, "resources": []}'),),
    ),
    "invalid JSON in a state": Case(
        ("--state", "{tmp}/bad.tfstate", "--live", "{live}"),
        ("{tmp}/bad.tfstate: invalid JSON at line 3, column 3",),
        (("bad.tfstate", INVALID_JSON),),
    ),
    "missing state file": Case(
        (
            "--state",
            "{tmp}/nowhere.tfstate",
        ),
        ("{tmp}/nowhere.tfstate: no such file",),
    ),
    "glob matching nothing": Case(
        (
            "--state",
            "{tmp}/states/*.tfstate",
        ),
        ("{tmp}/states/*.tfstate: no file matches",),
    ),
    "missing live file": Case(
        ("--state", "{state}", "--live", "{tmp}/gone.json"), ("{tmp}/gone.json: no such file",)
    ),
    "invalid JSON in a snapshot": Case(
        ("--state", "{state}", "--live", "{tmp}/live.json"),
        ("{tmp}/live.json: invalid JSON at line 1, column 1",),
        (("live.json", "nope"),),
    ),
    "bad snapshot resource": Case(
        ("--state", "{state}", "--live", "{tmp}/live.json"),
        ("{tmp}/live.json: $.resources[0].id: must be string (got number)",),
        (("live.json", SNAPSHOT.format(body='{"type": "x", "id": 7, "attributes": {}}')),),
    ),
    "unsupported snapshot format": Case(
        ("--state", "{state}", "--live", "{tmp}/live.json"),
        ("unsupported snapshot format 'changegate/live-snapshot@9'",),
        (("live.json", '{"format": "changegate/live-snapshot@9"}'),),
    ),
    "bad policy-baseline rules": Case(
        ("--state", "{state}", "--policy-baseline", "{tmp}/rules.yml"),
        ("{tmp}/rules.yml", "one_of"),
        (("rules.yml", BAD_RULES),),
    ),
    "missing rules file": Case(
        ("--state", "{state}", "--baseline-rules", "{tmp}/none.yml"), ("{tmp}/none.yml",)
    ),
    "bad driftignore line": Case(
        ("--state", "{state}", "--driftignore", "{tmp}/ignore"),
        ("{tmp}/ignore:2", "is not a pattern"),
        (("ignore", "aws_s3_bucket\naws..x\n"),),
    ),
    "bad filter": Case(
        ("--state", "{state}", "--filter", "colour=red"), ("--filter 'colour=red'",)
    ),
    "unknown report format": Case(
        ("--state", "{state}", "-o", "pdf=x.pdf"), ("unknown report format 'pdf'", "sarif")
    ),
    "nothing to audit": Case((), ("nothing to audit", "--state")),
    "bad scope": Case(("--state", "{state}", "--scope", " "), ("--scope",)),
    "unknown baseline": Case(
        ("--state", "{state}", "--live", "{live}", "--baseline", "CHG0000077"), ("CHG0000077",)
    ),
    "unknown severity": Case(("--state", "{state}", "--fail-on", "urgent"), ("--fail-on",)),
    "report in a missing directory": Case(
        ("--state", "{state}", "--live", "{live}", "-o", "json={tmp}/no/dir/r.json"),
        ("cannot write json report", "{tmp}/no/dir/r.json"),
    ),
}


def fill(text: str, tmp: Path, state: Path, live: Path) -> str:
    return text.format(tmp=tmp, state=state, live=live)


def assert_one_line_and_nothing_stored(outcome: Outcome, workspace: Workspace) -> None:
    assert outcome.exit_code == 1, (outcome.stdout, outcome.stderr)
    assert "Traceback" not in outcome.stderr
    assert len(outcome.error_lines) == 1, outcome.stderr
    for table in ("audits", "findings", "baselines"):
        assert count(workspace.db_url, table) == 0, table


@pytest.mark.terraform
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_exit_1_and_nothing_is_stored(
    cli: Runner, workspace: Workspace, state: Path, in_sync: Path, tmp_path: Path, case: Case
) -> None:
    for name, text in case.files:
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [fill(a, tmp_path, state, in_sync) for a in case.args]

    outcome = cli("drift", "audit", *args)

    assert_one_line_and_nothing_stored(outcome, workspace)
    for word in case.words:
        assert fill(word, tmp_path, state, in_sync) in outcome.stderr


@pytest.mark.terraform
def test_the_installed_script_prints_the_same_one_line_error(
    shell: Runner, workspace: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "old.tfstate").write_text('{"version": 3}', encoding="utf-8")

    outcome = shell("drift", "audit", "--state", "old.tfstate")

    assert_one_line_and_nothing_stored(outcome, workspace)
    assert outcome.error_lines == [
        "error: old.tfstate: unsupported state version 3 (changegate reads version 4)"
    ]


@pytest.mark.terraform
def test_a_directory_terraform_never_applied_is_one_line(
    cli: Runner, workspace: Workspace, tmp_path: Path, tf_env: dict[str, str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    outcome = cli("drift", "audit", "--state", f"tfdir:{empty}")

    assert_one_line_and_nothing_stored(outcome, workspace)
    assert f"tfdir:{empty}: terraform state pull" in outcome.stderr


# ---------------------------------------------------------------- S3 access denied (moto)


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Private AWS config and credentials; returns the credentials file."""
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("", encoding="utf-8")
    (tmp_path / "aws-config").write_text("", encoding="utf-8")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    return credentials


@pytest.fixture
def enforce_iam(moto_server: str) -> Iterator[Callable[[], None]]:
    """Returns a switch that makes moto check IAM from then on; checking stops after the test."""

    def switch_on() -> None:
        requests.post(f"{moto_server}/moto-api/reset-auth", data=b"0", timeout=10)

    yield switch_on
    requests.post(f"{moto_server}/moto-api/reset-auth", data=b"inf", timeout=10)


def test_access_denied_on_an_s3_state_is_one_line_and_stores_nothing(
    cli: Runner,
    workspace: Workspace,
    moto_server: str,
    aws_files: Path,
    enforce_iam: Callable[[], None],
    tmp_path: Path,
) -> None:
    bucket = f"states-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="prod.tfstate", Body=b'{"version": 4, "resources": []}')
    iam = boto3.client("iam", endpoint_url=moto_server, region_name="us-east-1")
    user = f"lister-{bucket}"
    iam.create_user(UserName=user)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [f"arn:aws:s3:::{bucket}"]}
    ]}  # fmt: skip
    iam.put_user_policy(UserName=user, PolicyName="list", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    aws_files.write_text(
        f"[lister]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n",
        encoding="utf-8",
    )
    live = write_snapshot(tmp_path / "live.json", [])
    enforce_iam()

    outcome = cli(
        "drift", "audit", "--state", f"s3://{bucket}/prod.tfstate", "--live", str(live),
        "--aws-profile", "lister", "--aws-region", "us-east-1", "--endpoint-url", moto_server,
    )  # fmt: skip

    assert_one_line_and_nothing_stored(outcome, workspace)
    assert outcome.error_lines == [
        f"error: s3://{bucket}/prod.tfstate: access denied (s3:GetObject)"
    ]


def test_an_s3_state_the_profile_may_read_is_audited(
    cli: Runner, moto_server: str, aws_files: Path, tmp_path: Path
) -> None:
    bucket = f"states-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="empty.tfstate", Body=b'{"version": 4, "resources": []}')

    outcome = cli(
        "drift", "audit", "--state", f"s3://{bucket}/empty.tfstate",
        "--live", str(write_snapshot(tmp_path / "live.json", [])), "--endpoint-url", moto_server,
    )  # fmt: skip

    assert outcome.exit_code == 0, outcome.stderr
    assert "No drift" in outcome.stdout
