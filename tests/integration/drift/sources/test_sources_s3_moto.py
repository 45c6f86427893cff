"""``s3://`` states are read with boto3 from a real (moto) S3 endpoint, errors in one line."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from change_control.errors import ConfigError, InputError
from drift.sources import parse_spec
from drift.sources.base import ACCESS_DENIED, NOT_FOUND, UNAVAILABLE

DATA = Path(__file__).parents[3] / "data" / "tfstate"


def s3(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(moto_endpoint: str, aws_env: Path) -> str:
    name = f"states-{uuid.uuid4().hex[:12]}"
    s3(moto_endpoint).create_bucket(Bucket=name)
    return name


def test_a_state_in_s3_is_read_through_the_endpoint_url(moto_endpoint: str, bucket: str) -> None:
    body = (DATA / "full.tfstate").read_bytes()
    s3(moto_endpoint).put_object(Bucket=bucket, Key="prod/terraform.tfstate", Body=body)
    (source,) = parse_spec(
        f"s3://{bucket}/prod/terraform.tfstate", region="us-east-1", endpoint_url=moto_endpoint
    )
    result = source.load()
    assert result.origin == f"s3://{bucket}/prod/terraform.tfstate"
    assert {r.source for r in result.resources} == {result.origin}
    assert "module.db.aws_db_instance.this" in {r.address for r in result.resources}
    assert (result.meta["bucket"], result.meta["key"]) == (bucket, "prod/terraform.tfstate")
    assert result.meta["lineage"] == "3f1c9a4e-0000-4000-8000-000000000001"
    assert result.meta["etag"]


def test_driftctl_spelling_reads_the_same_object(moto_endpoint: str, bucket: str) -> None:
    s3(moto_endpoint).put_object(Bucket=bucket, Key="a.tfstate", Body=b'{"version": 4}')
    (source,) = parse_spec(f"tfstate+s3://{bucket}/a.tfstate", endpoint_url=moto_endpoint)
    assert source.load().resources == ()


@pytest.mark.parametrize(
    ("key", "message", "code"),
    [
        ("missing.tfstate", "no such key", NOT_FOUND),
        ("bad.tfstate", "invalid JSON at line 1, column 2: Expecting value", "source.invalid_json"),
        (
            "v3.tfstate",
            "unsupported state version 3 (changegate reads version 4)",
            "source.unsupported_version",
        ),
    ],
)
def test_a_bad_s3_state_is_one_line_naming_the_object(
    moto_endpoint: str, bucket: str, key: str, message: str, code: str
) -> None:
    client = s3(moto_endpoint)
    client.put_object(Bucket=bucket, Key="bad.tfstate", Body=b"[,]")
    client.put_object(Bucket=bucket, Key="v3.tfstate", Body=json.dumps({"version": 3}).encode())
    (source,) = parse_spec(f"s3://{bucket}/{key}", endpoint_url=moto_endpoint)
    with pytest.raises(InputError) as caught:
        source.load()
    assert (str(caught.value), caught.value.code) == (f"s3://{bucket}/{key}: {message}", code)


def test_a_missing_bucket_is_named(moto_endpoint: str, aws_env: Path) -> None:
    (source,) = parse_spec("s3://no-such-bucket-here/k.tfstate", endpoint_url=moto_endpoint)
    with pytest.raises(InputError) as caught:
        source.load()
    assert str(caught.value) == (
        "s3://no-such-bucket-here/k.tfstate: no such bucket 'no-such-bucket-here'"
    )


def test_an_unreachable_endpoint_is_one_line(aws_env: Path) -> None:
    (source,) = parse_spec("s3://b/k.tfstate", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(InputError) as caught:
        source.load()
    assert (str(caught.value), caught.value.code) == (
        "s3://b/k.tfstate: cannot reach http://127.0.0.1:9/b/k.tfstate",
        UNAVAILABLE,
    )


def test_an_unknown_profile_is_a_configuration_error(moto_endpoint: str, aws_env: Path) -> None:
    (source,) = parse_spec("s3://b/k.tfstate", profile="nobody", endpoint_url=moto_endpoint)
    with pytest.raises(ConfigError) as caught:
        source.load()
    assert str(caught.value) == "s3://b/k.tfstate: AWS profile 'nobody' not found"


def _user_with_keys(iam: Any, name: str, actions: list[str], bucket: str) -> dict[str, str]:
    iam.create_user(UserName=name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": actions,
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="state", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


@pytest.fixture
def iam_enforced(moto_endpoint: str) -> Iterator[None]:
    """Make moto check IAM policies from now on, and stop checking after the test."""
    requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=b"0", timeout=10)
    try:
        yield
    finally:
        requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=b"inf", timeout=10)


def test_profiles_are_honoured_and_access_denied_is_one_line(
    moto_endpoint: str, bucket: str, aws_env: Path, request: pytest.FixtureRequest
) -> None:
    s3(moto_endpoint).put_object(Bucket=bucket, Key="s.tfstate", Body=b'{"version": 4}')
    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1")
    reader = _user_with_keys(iam, f"reader-{bucket}", ["s3:GetObject"], bucket)
    lister = _user_with_keys(iam, f"lister-{bucket}", ["s3:ListBucket"], bucket)
    profiles = [
        f"[{name}]\naws_access_key_id = {keys['id']}\naws_secret_access_key = {keys['secret']}\n"
        for name, keys in (("reader", reader), ("lister", lister))
    ]
    aws_env.write_text("".join(profiles), encoding="utf-8")
    request.getfixturevalue("iam_enforced")
    spec = f"s3://{bucket}/s.tfstate"
    (allowed,) = parse_spec(spec, profile="reader", endpoint_url=moto_endpoint)
    assert allowed.load().meta["kind"] == "tfstate"
    (denied,) = parse_spec(spec, profile="lister", endpoint_url=moto_endpoint)
    with pytest.raises(InputError) as caught:
        denied.load()
    assert (str(caught.value), caught.value.code) == (
        f"{spec}: access denied (s3:GetObject)",
        ACCESS_DENIED,
    )
