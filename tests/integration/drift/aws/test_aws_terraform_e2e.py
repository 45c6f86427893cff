"""``changegate drift audit --aws`` agrees with Terraform's own ``resource_drift`` (real provider).

Scenario (one ``terraform apply`` for the module, about a minute and a half): hashicorp/aws
5.x applies a VPC, subnet, gateway, route table, two security groups and a VPC rule, an EBS
volume, an instance, a key pair, a bucket with versioning and a public-access block, an IAM
role, policy, attachment, user and inline user policy, a KMS key, a DynamoDB table, a hosted
zone and a record against a moto server. Then, behind Terraform's back, boto3 re-tags, resizes,
disables, suspends, rewrites and deletes some of them and creates a rogue group.
``terraform plan -refresh-only`` says what the provider sees; ``changegate drift audit --aws``
(with ``--keep-computed``, so computed attributes such as ``attachment_count`` count too)
says what the collectors see.

Compared per resource address at the top-level attribute, after the normalization both tools
agree on (``null`` equals an empty value; ``tags_all`` is ``tags`` plus provider defaults),
every attribute Terraform reports must be reported by changegate and changegate must report
nothing Terraform considers equal, with these deliberate exceptions:

- ``ingress``/``egress`` of ``aws_security_group``: changegate compares rules as canonical
  ``aws_security_group_rule`` identities, so a rule added by hand is an *unmanaged rule*, and a
  rule Terraform lists inline because a separate ``aws_vpc_security_group_ingress_rule``
  declares it is that rule, not a change of the group;
- objects Terraform does not manage (the rogue group and its default egress rule, the hand-made
  SSH rule) are reported ``unmanaged`` by changegate; Terraform cannot see them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drift.cli.main import main
from drift.normalize.rules import prune
from tests.integration.drift.aws.support import Moto
from tests.integration.terraform_support import require_terraform, run_terraform, terraform_env

pytestmark = [pytest.mark.terraform, pytest.mark.slow]

SERVICES = ("ec2", "s3", "iam", "sts", "kms", "dynamodb", "route53")
#: Inline rule sets: compared as canonical rules (module doc).
RULE_SETS = {"ingress", "egress"}

CONFIG = (Path(__file__).parent / "data" / "e2e.tf").read_text(encoding="utf-8")


def _provider(url: str) -> str:
    endpoints = "\n".join(f'    {service} = "{url}"' for service in SERVICES)
    return (
        'provider "aws" {\n  region = "us-east-1"\n  access_key = "testing"\n'
        '  secret_key = "testing"\n  skip_credentials_validation = true\n'
        "  skip_metadata_api_check = true\n  s3_use_path_style = true\n"
        f"  endpoints {{\n{endpoints}\n  }}\n}}\n"
    )


def _state_ids(workdir: Path) -> dict[str, dict[str, Any]]:
    state = json.loads((workdir / "terraform.tfstate").read_text())
    return {f"{r['type']}.{r['name']}": r["instances"][0]["attributes"] for r in state["resources"]}


def change_behind_terraforms_back(moto: Moto, ids: dict[str, dict[str, Any]]) -> str:
    """What an operator did in the console; returns the rogue group's id."""
    ec2, s3, iam = moto.client("ec2"), moto.client("s3"), moto.client("iam")
    ec2.create_tags(Resources=[ids["aws_vpc.main"]["id"]], Tags=[{"Key": "owner", "Value": "al"}])
    ec2.modify_subnet_attribute(
        SubnetId=ids["aws_subnet.a"]["id"], MapPublicIpOnLaunch={"Value": True}
    )
    ssh = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
    }
    ec2.authorize_security_group_ingress(
        GroupId=ids["aws_security_group.web"]["id"], IpPermissions=[ssh]
    )
    ec2.delete_key_pair(KeyName=ids["aws_key_pair.k"]["key_name"])
    ec2.modify_volume(VolumeId=ids["aws_ebs_volume.data"]["id"], Size=20)
    ec2.create_tags(Resources=[ids["aws_instance.web"]["id"]], Tags=[{"Key": "p", "Value": "y"}])
    s3.put_bucket_versioning(Bucket="cg-e2e-logs", VersioningConfiguration={"Status": "Suspended"})
    s3.put_bucket_tagging(
        Bucket="cg-e2e-logs", Tagging={"TagSet": [{"Key": "team", "Value": "sec"}]}
    )
    iam.update_role(RoleName="cg-e2e-app", Description="changed by hand", MaxSessionDuration=7200)
    iam.create_policy_version(
        PolicyArn=ids["aws_iam_policy.read"]["arn"],
        SetAsDefault=True,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}],
            }
        ),
    )
    iam.tag_user(UserName="cg-e2e-ci", Tags=[{"Key": "purpose", "Value": "deploy"}])
    moto.client("kms").disable_key(KeyId=ids["aws_kms_key.k"]["id"])
    moto.client("dynamodb").tag_resource(
        ResourceArn=ids["aws_dynamodb_table.t"]["arn"], Tags=[{"Key": "t", "Value": "2"}]
    )
    record = {
        "Name": "www.cg-e2e.example",
        "Type": "A",
        "TTL": 60,
        "ResourceRecords": [{"Value": "10.0.0.1"}],
    }
    moto.client("route53").change_resource_record_sets(
        HostedZoneId=ids["aws_route53_zone.z"]["zone_id"],
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]},
    )
    rogue = ec2.create_security_group(
        GroupName="rogue", Description="by hand", VpcId=ids["aws_vpc.main"]["id"]
    )
    return str(rogue["GroupId"])


@pytest.fixture(scope="module")
def scenario(
    module_moto: Moto, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(Terraform's refresh-only plan, changegate's JSON report, the rogue group id)."""
    require_terraform()
    root = tmp_path_factory.mktemp("e2e")
    env = terraform_env(root / "cli", aws_mirror=True)
    workdir = root / "work"
    workdir.mkdir()
    (workdir / "main.tf").write_text(_provider(module_moto.url) + CONFIG, encoding="utf-8")
    run_terraform(workdir, "init", "-input=false", env=env)
    run_terraform(workdir, "apply", "-auto-approve", "-parallelism=30", env=env)
    rogue = change_behind_terraforms_back(module_moto, _state_ids(workdir))
    run_terraform(workdir, "plan", "-refresh-only", "-parallelism=30", "-out=drift.plan", env=env)
    plan = json.loads(run_terraform(workdir, "show", "-json", "drift.plan", env=env).stdout)
    report = root / "report.json"
    code = main(
        [
            "drift",
            "audit",
            "--aws",
            "--region",
            "us-east-1",
            "--endpoint-url",
            module_moto.url,
            "--state",
            str(workdir / "terraform.tfstate"),
            "--keep-computed",
            "--no-store",
            "--db",
            f"sqlite:///{root / 'store.db'}",
            "-o",
            f"json={report}",
            "-q",
        ]
    )
    assert code == 2
    return plan, json.loads(report.read_text()), rogue


def terraform_drift(plan: dict[str, Any]) -> dict[str, set[str]]:
    """Per address: the top-level attributes Terraform reports changed, or ``{"missing"}``."""
    out: dict[str, set[str]] = {}
    for entry in plan.get("resource_drift", []):
        if "delete" in entry["change"]["actions"]:
            out[entry["address"]] = {"missing"}
            continue
        before, after = (prune(entry["change"][side] or {}) for side in ("before", "after"))
        for side in (before, after):
            side.pop("tags_all", None)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if changed:
            out[entry["address"]] = changed
    return out


def changegate_drift(report: dict[str, Any]) -> dict[str, set[str]]:
    """Per declared address: changed top-level attributes, or ``{"missing"}``."""
    out: dict[str, set[str]] = {}
    for finding in report["findings"]:
        address = finding["resource"]["address"]
        if finding["kind"] == "missing":
            out[address] = {"missing"}
        elif finding["kind"] == "changed":
            out.setdefault(address, set()).update(str(d["path"][0]) for d in finding["differences"])
    return out


def _without_rule_sets(drift: dict[str, set[str]]) -> dict[str, set[str]]:
    kept = {address: names - RULE_SETS for address, names in drift.items()}
    return {address: names for address, names in kept.items() if names}


def test_every_attribute_terraform_reports_drifted_is_reported_by_changegate(
    scenario: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    plan, report, _ = scenario
    theirs, ours = _without_rule_sets(terraform_drift(plan)), changegate_drift(report)
    missed = {
        a: sorted(n - ours.get(a, set())) for a, n in theirs.items() if n - ours.get(a, set())
    }
    assert missed == {}
    assert len(theirs) >= 12


def test_changegate_reports_no_changed_attribute_terraform_considers_equal(
    scenario: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    plan, report, _ = scenario
    theirs, ours = terraform_drift(plan), changegate_drift(report)
    extra = {
        a: sorted(n - theirs.get(a, set())) for a, n in ours.items() if n - theirs.get(a, set())
    }
    assert extra == {}


def test_what_terraform_cannot_see_is_reported_unmanaged_with_canonical_rules(
    scenario: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    _, report, rogue = scenario
    unmanaged = {
        (f["resource"]["type"], f["resource"]["id"])
        for f in report["findings"]
        if f["kind"] == "unmanaged"
    }
    groups = {ident for kind, ident in unmanaged if kind == "aws_security_group"}
    rules = [ident for kind, ident in unmanaged if kind == "aws_security_group_rule"]
    assert groups == {rogue}
    assert any(ident.endswith("-ingress-tcp-22-22-10.0.0.0/8") for ident in rules)
    assert {kind for kind, _ in unmanaged} == {"aws_security_group", "aws_security_group_rule"}
