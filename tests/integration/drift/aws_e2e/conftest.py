"""The AWS end-to-end scenario: the real hashicorp/aws provider against a real moto server.

Expensive (one ``terraform apply`` of about 30-40 s and one refresh-only plan of 20-30 s), so
the whole scenario runs once per module (``scenario``) and every test reads its artefacts.
Skipped, with the reason, where Terraform or the provider mirror is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.drift.aws_e2e.aws_e2e_support import AWS_KEYS, Scenario
from tests.integration.terraform_support import aws_provider_mirror, cli_config, require_terraform

#: Where the image's provider binary was found last time (``find /`` takes seconds).
_CACHE_KEY = "changegate/aws-provider-mirror"
_FIND = ("find", "/", "-name", "terraform-provider-aws_*", "-path", "*registry.terraform.io*")

MAIN_TF = """
provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {{
    ec2 = "{url}"
    s3  = "{url}"
    iam = "{url}"
    sts = "{url}"
  }}
  default_tags {{
    tags = {{ managed_by = "terraform" }}
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
  tags       = {{ Name = "main", env = "prod" }}
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = {{ Name = "a" }}
}}

resource "aws_security_group" "web" {{
  name   = "web"
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  tags = {{ Name = "web" }}
}}

resource "aws_s3_bucket" "logs" {{
  bucket = "changegate-e2e-logs"
  tags   = {{ env = "prod" }}
}}

resource "aws_iam_role" "app" {{
  name = "app"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Service = "ec2.amazonaws.com" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}
"""


def mirror_root(config: pytest.Config) -> Path | None:
    """The provider mirror: the known places first, then a cached ``find /``."""
    known = aws_provider_mirror()
    if known is not None:
        return known
    cached = config.cache.get(_CACHE_KEY, None) if config.cache else None
    if isinstance(cached, str) and Path(cached).is_dir():
        return Path(cached)
    done = subprocess.run(
        [*_FIND, "-not", "-path", "/proc/*"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        parts = Path(line).parts
        if "registry.terraform.io" in parts:
            root = Path(*parts[: parts.index("registry.terraform.io")])
            if config.cache:
                config.cache.set(_CACHE_KEY, str(root))
            return root
    return None


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A real moto server (EC2, S3, IAM, STS) for the module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _terraform(workdir: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [require_terraform(), *args], cwd=workdir, env=env, capture_output=True, text=True,
        check=False, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"terraform {' '.join(args)} failed:\n{done.stderr[-3000:]}", pytrace=False)
    return done.stdout


def _environment(root: Path, mirror: Path) -> dict[str, str]:
    config = root / "terraform.rc"
    config.write_text(cli_config(mirror), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        TF_CLI_CONFIG_FILE=str(config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
        TF_INPUT="0", AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    return env


def change_behind_terraforms_back(endpoint: str, ids: dict[str, str]) -> None:
    """What an operator does in the console: tags, an SG rule, a reformatted role policy."""
    import boto3

    kwargs: dict[str, Any] = {"endpoint_url": endpoint, "region_name": "us-east-1", **AWS_KEYS}
    ec2 = boto3.client("ec2", **kwargs)
    ec2.create_tags(
        Resources=[ids["aws_vpc.main"]],
        Tags=[{"Key": "env", "Value": "staging"}, {"Key": "owner", "Value": "console"}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=ids["aws_security_group.web"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    boto3.client("s3", **kwargs).put_bucket_tagging(
        Bucket=ids["aws_s3_bucket.logs"],
        Tagging={
            "TagSet": [{"Key": "env", "Value": "dev"}, {"Key": "managed_by", "Value": "terraform"}]
        },
    )
    # The same policy, spelled differently: keys reordered, Action a list, indented.
    policy = {
        "Statement": [
            {"Action": ["sts:AssumeRole"], "Principal": {"Service": "ec2.amazonaws.com"},
             "Effect": "Allow"}
        ],
        "Version": "2012-10-17",
    }  # fmt: skip
    boto3.client("iam", **kwargs).update_assume_role_policy(
        RoleName="app", PolicyDocument=json.dumps(policy, indent=4)
    )


@pytest.fixture(scope="module")
def scenario(
    request: pytest.FixtureRequest, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Scenario:
    """Apply once, change things behind Terraform's back, make one refresh-only plan."""
    require_terraform()
    mirror = mirror_root(request.config)
    if mirror is None:
        pytest.skip(
            "the image carries no filesystem mirror of registry.terraform.io/hashicorp/aws "
            "(searched the known places and `find /`); the provider cannot be downloaded here"
        )
    root = tmp_path_factory.mktemp("aws-e2e")
    workdir = root / "work"
    workdir.mkdir()
    (workdir / "main.tf").write_text(MAIN_TF.format(url=moto_endpoint), encoding="utf-8")
    env = _environment(root, mirror)
    _terraform(workdir, env, "init", "-input=false", "-no-color")
    _terraform(workdir, env, "apply", "-auto-approve", "-input=false", "-no-color")
    original = root / "original.tfstate"
    shutil.copyfile(workdir / "terraform.tfstate", original)
    state = json.loads(original.read_text(encoding="utf-8"))
    ids = {
        f"{block['type']}.{block['name']}": block["instances"][0]["attributes"]["id"]
        for block in state["resources"]
    }
    change_behind_terraforms_back(moto_endpoint, ids)
    _terraform(
        workdir, env, "plan", "-refresh-only", "-out=drift.plan", "-input=false", "-no-color"
    )
    plan_json = json.loads(_terraform(workdir, env, "show", "-json", "drift.plan"))
    (root / "drift.json").write_text(json.dumps(plan_json), encoding="utf-8")
    return Scenario(workdir, original, plan_json, moto_endpoint, ids)
