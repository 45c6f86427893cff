"""The auditor agrees with Terraform's own ``resource_drift`` on a real AWS provider + moto.

Scenario (``conftest.scenario``, one apply for the module): a VPC, a subnet, a security group
with inline rules, an S3 bucket and an IAM role are applied with hashicorp/aws against moto;
then, behind Terraform's back, the VPC and the bucket are re-tagged, an SSH rule is added to
the group and the role's trust policy is rewritten with the same meaning in another spelling.
``terraform plan -refresh-only`` records what the provider sees.

The live snapshot given to the auditor is the plan's ``prior_state``: the provider's full
refresh of every resource (in-sync ones included), not the drift entries, so the auditor
decides for itself what changed. One value is taken from AWS instead: the role's trust policy,
read with boto3 as a collector would, because the provider's refresh keeps the state's
spelling of an equivalent policy and would hide the very case the auditor must get right.

The auditor's changed attribute paths must equal Terraform's, compared per resource at the
level both report (top-level attribute; tag key for tags), with these deliberate exceptions:

- ``tags_all`` is folded into ``tags`` (the auditor compares the tags a resource carries);
- a ``null`` -> ``{}``/``[]``/``""`` change is not drift (the IAM role's ``tags``, which
  Terraform reports after refresh although nobody touched them);
- an inline security-group rule added in the console is reported as an unmanaged
  ``aws_security_group_rule`` under its canonical id, where Terraform reports a change of the
  group's ``ingress`` set (one rule never shows up as both missing and unmanaged).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from drift.audit import AuditRequest, plan_audit, run_audit
from drift.engine.diff import diff
from drift.model import SNAPSHOT_FORMAT, Finding, FindingKind
from tests.integration.drift.aws_e2e.aws_e2e_support import AWS_KEYS, Scenario

pytestmark = [pytest.mark.terraform, pytest.mark.slow]

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
Projected = tuple[str, ...]


def project(path: Sequence[str | int]) -> Projected:
    """The level both tools report: the attribute, or ``tags.<key>`` (``tags_all`` folded)."""
    head = "tags" if path[0] in ("tags", "tags_all") else str(path[0])
    if head == "tags" and len(path) > 1:
        return ("tags", str(path[1]))
    return (head,)


def _unset(value: Any) -> bool:
    return value is None or value in ({}, [], "")


def terraform_paths(plan: dict[str, Any]) -> dict[str, set[Projected]]:
    """Per address, the projected paths where ``resource_drift`` before and after differ,
    without null-vs-empty changes."""
    out: dict[str, set[Projected]] = {}
    for entry in plan.get("resource_drift") or ():
        change = entry["change"]
        paths = {
            project(path)
            for path, _, before, after in diff(change["before"], change["after"])
            if not (_unset(before) and _unset(after))
        }
        if paths:
            out[entry["address"]] = paths
    return out


def auditor_paths(findings: Iterable[Finding]) -> dict[str, set[Projected]]:
    """Per address, the projected paths of the auditor's ``changed`` findings."""
    out: dict[str, set[Projected]] = {}
    for finding in findings:
        if finding.kind is FindingKind.CHANGED:
            out[finding.address or finding.resource_id] = {
                project(d.path) for d in finding.differences
            }
    return out


def live_snapshot(scenario: Scenario, path: Path) -> Path:
    """The plan's refreshed ``prior_state`` as a snapshot; the role's policy as AWS spells it."""
    iam: Any = boto3.client(
        "iam", endpoint_url=scenario.endpoint, region_name="us-east-1", **AWS_KEYS
    )
    role = iam.get_role(RoleName="app")["Role"]
    resources = []
    for entry in scenario.plan_json["prior_state"]["values"]["root_module"]["resources"]:
        attributes = dict(entry["values"])
        if entry["address"] == "aws_iam_role.app":
            attributes["assume_role_policy"] = json.dumps(role["AssumeRolePolicyDocument"])
        resources.append({"type": entry["type"], "id": attributes["id"], "attributes": attributes})
    doc = {"format": SNAPSHOT_FORMAT, "captured_at": "2026-11-22T12:00:00Z", "resources": resources}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def audit(**request: Any) -> list[Finding]:
    outcome = run_audit(plan_audit(AuditRequest(**request)), now=NOW)
    return list(outcome.result.findings)


@pytest.fixture(scope="module")
def snapshot_findings(
    scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> list[Finding]:
    live = live_snapshot(scenario, tmp_path_factory.mktemp("live") / "live.json")
    return audit(states=(str(scenario.original_state),), live=(str(live),))


def test_the_auditor_reports_the_attributes_terraform_reports_as_drifted(
    scenario: Scenario, snapshot_findings: list[Finding]
) -> None:
    expected = terraform_paths(scenario.plan_json)
    # Exception 3 (module doc): the group's ingress change is the unmanaged rule below.
    assert expected.pop("aws_security_group.web") == {("ingress",)}

    assert auditor_paths(snapshot_findings) == expected
    assert expected == {
        "aws_vpc.main": {("tags", "env"), ("tags", "owner")},
        "aws_s3_bucket.logs": {("tags", "env")},
    }


def test_the_console_rule_is_one_unmanaged_rule_and_the_group_is_in_sync(
    scenario: Scenario, snapshot_findings: list[Finding]
) -> None:
    group = scenario.ids["aws_security_group.web"]

    rules = [f for f in snapshot_findings if f.resource_type == "aws_security_group_rule"]

    assert [(f.kind, f.resource_id) for f in rules] == [
        (FindingKind.UNMANAGED, f"sgrule-{group}-ingress-tcp-22-22-10.0.0.0/8")
    ]
    assert "aws_security_group.web" not in {f.address for f in snapshot_findings}


def test_a_reformatted_trust_policy_is_not_drift_for_either_tool(
    scenario: Scenario, snapshot_findings: list[Finding]
) -> None:
    (role,) = [
        e for e in scenario.plan_json["resource_drift"] if e["address"] == "aws_iam_role.app"
    ]
    raw = [(p, b, a) for p, _, b, a in diff(role["change"]["before"], role["change"]["after"])]

    # Terraform's only complaint about the role is exception 2: tags null -> {}.
    assert raw == [(("tags",), None, {})]
    assert "aws_iam_role.app" not in {f.address for f in snapshot_findings}


def test_untouched_resources_are_in_sync(snapshot_findings: list[Finding]) -> None:
    assert {f.address for f in snapshot_findings if f.address} == {
        "aws_vpc.main",
        "aws_s3_bucket.logs",
    }


def _signature(findings: Iterable[Finding]) -> set[tuple[str, str, frozenset[Projected]]]:
    return {
        (str(f.kind), f.resource_id, frozenset(project(d.path) for d in f.differences))
        for f in findings
    }


@pytest.mark.parametrize("with_state", [False, True], ids=["plan alone", "state and plan"])
def test_the_saved_plan_route_finds_the_same_drift(
    scenario: Scenario, snapshot_findings: list[Finding], with_state: bool
) -> None:
    plan = scenario.original_state.parent / "drift.json"
    states = (str(scenario.original_state),) if with_state else ()

    findings = audit(states=states, plans=(str(plan),))

    assert _signature(findings) == _signature(snapshot_findings)
