"""Sessions against a real moto server: regions, all enabled regions, roles per account."""

from __future__ import annotations

import pytest

from change_control.errors import ConfigError
from drift.aws.engine import collect
from tests.integration.drift.aws.support import Moto

OTHER = "111111111111"
THIRD = "222222222222"


def _vpc(moto: Moto, region: str, **credentials: str) -> str:
    ec2 = moto.client("ec2", region, **credentials)
    vpc: str = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    return vpc


def _assumed(moto: Moto, account: str) -> dict[str, str]:
    role = f"arn:aws:iam::{account}:role/audit"
    answer = moto.client("sts").assume_role(RoleArn=role, RoleSessionName="setup")
    keys = answer["Credentials"]
    return {
        "aws_access_key_id": keys["AccessKeyId"],
        "aws_secret_access_key": keys["SecretAccessKey"],
        "aws_session_token": keys["SessionToken"],
    }


def test_each_region_is_collected_and_global_services_once(moto: Moto) -> None:
    east, west = _vpc(moto, "us-east-1"), _vpc(moto, "eu-west-1")
    options = moto.options(regions=("us-east-1", "eu-west-1"), types=("aws_vpc", "aws_iam_user"))
    result = collect(options)
    regions = {r.id: r.region for r in result.resources if r.type == "aws_vpc"}
    assert (regions[east], regions[west]) == ("us-east-1", "eu-west-1")
    assert result.stats.per_service()["iam"].calls == 1
    assert result.tasks == 3


def test_without_regions_every_enabled_region_is_read_and_no_other(moto: Moto) -> None:
    listed = moto.client("ec2").describe_regions()["Regions"]
    enabled = {r["RegionName"] for r in listed if r["OptInStatus"] != "not-opted-in"}
    result = collect(moto.options(regions=(), types=("aws_key_pair",)))
    seen = {region for (service, region), _ in result.stats.items() if service == "ec2"}
    assert seen == enabled
    assert "ap-east-1" not in seen


def test_each_role_arn_is_one_account_and_its_resources_carry_it(moto: Moto) -> None:
    vpc = _vpc(moto, "us-east-1", **_assumed(moto, OTHER))
    roles = (f"arn:aws:iam::{OTHER}:role/audit", f"arn:aws:iam::{THIRD}:role/audit")
    result = collect(moto.options(role_arns=roles, types=("aws_vpc", "aws_iam_user")))
    owners = {r.id: r.account for r in result.resources if r.type == "aws_vpc"}
    assert result.accounts == [OTHER, THIRD]
    assert owners[vpc] == OTHER
    assert result.stats.per_service()["iam"].calls == 2
    assert "sts" in result.stats.per_service()


def test_missing_credentials_and_unknown_profiles_are_one_line_errors(
    moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="--profile 'nope': no such profile"):
        collect(moto.options(profile="nope"))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ConfigError, match=r"^no AWS credentials found"):
        collect(moto.options())
