"""Audit results the report tests render: built directly, no engine, no I/O.

``clean`` has no findings; ``mixed`` has one finding of every kind with the awkward cases
(nested paths, a sensitive value, markup in a tag value, authorized and unauthorized drift, an
alert); ``many`` has thirty findings across types and severities to exercise ordering and long
tables. ``CANARY`` is a secret that must never reach any report.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from drift.model import (
    Alert,
    Attribution,
    AttributionStatus,
    AuditResult,
    Difference,
    Finding,
    FindingKind,
    Op,
    Severity,
    Summary,
)

GENERATED_AT = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
CANARY = "canary-Pa55w0rd-7f3e9b"
SCRIPT_TAG = "<script>alert('x')</script>"
STATE = "envs/prod/terraform.tfstate"
SNAPSHOT = "snapshots/prod-live.json"


def finding_id(kind: FindingKind, resource_type: str, resource_id: str) -> str:
    """A stable-looking id, as the engine's hashes look."""
    return hashlib.sha256(f"{kind}|{resource_type}|{resource_id}".encode()).hexdigest()[:16]


def make_finding(
    kind: FindingKind,
    severity: Severity,
    resource_type: str,
    resource_id: str,
    address: str | None,
    *,
    source: str = STATE,
    differences: tuple[Difference, ...] = (),
    attribution: Attribution | None = None,
    rule: str | None = None,
    region: str | None = "eu-west-3",
    account: str | None = "123456789012",
) -> Finding:
    """A finding with the scenario defaults filled in."""
    return Finding(
        id=finding_id(kind, resource_type, resource_id),
        kind=kind,
        severity=severity,
        resource_type=resource_type,
        resource_id=resource_id,
        address=address,
        source=source,
        differences=differences,
        attribution=attribution or Attribution(AttributionStatus.UNAUTHORIZED),
        region=region,
        account=account,
        rule=rule,
    )


def clean() -> AuditResult:
    """Twelve managed resources, all in sync."""
    return AuditResult(
        audit_id="aud-20261122-clean",
        generated_at=GENERATED_AT,
        summary=Summary(total=12, managed=12, in_sync=12),
        findings=(),
        sources=(STATE, SNAPSHOT),
    )


def _web_changed() -> Finding:
    return make_finding(
        FindingKind.CHANGED,
        Severity.HIGH,
        "aws_instance",
        "i-0abc123def4567890",
        "module.app.aws_instance.web",
        differences=(
            Difference(("tags", "env"), Op.CHANGE, "prod", "staging"),
            Difference(("tags", "note"), Op.ADD, None, SCRIPT_TAG),
            Difference(("tags", "cost|center"), Op.REMOVE, "a|b", None),
            Difference(("instance_type",), Op.CHANGE, "t3.micro", "t3.large"),
            Difference(("ebs_block_device", 0, "volume_size"), Op.CHANGE, 20, 40, computed=True),
            Difference(("user_data",), Op.CHANGE, CANARY, CANARY + "-new", sensitive=True),
        ),
        attribution=Attribution(AttributionStatus.UNAUTHORIZED),
    )


def _db_changed() -> Finding:
    return make_finding(
        FindingKind.CHANGED,
        Severity.MEDIUM,
        "aws_db_instance",
        "prod-db",
        "aws_db_instance.main",
        differences=(
            Difference(("allocated_storage",), Op.CHANGE, 100, 200),
            Difference(("password",), Op.CHANGE, CANARY, CANARY, sensitive=True),
        ),
        attribution=Attribution(AttributionStatus.AUTHORIZED, "CHG0001234"),
    )


def _others() -> tuple[Finding, Finding, Finding]:
    """A missing bucket, an unmanaged security group and a policy-baseline violation."""
    missing = make_finding(
        FindingKind.MISSING,
        Severity.CRITICAL,
        "aws_s3_bucket",
        "prod-logs",
        'aws_s3_bucket.logs["prod"]',
    )
    unmanaged = make_finding(
        FindingKind.UNMANAGED,
        Severity.LOW,
        "aws_security_group",
        "sg-0fedcba987654321",
        None,
        source=SNAPSHOT,
        attribution=Attribution(),
    )
    violation = make_finding(
        FindingKind.BASELINE_VIOLATION,
        Severity.HIGH,
        "aws_s3_bucket",
        "prod-assets",
        "aws_s3_bucket.assets",
        rule="s3-block-public-access",
        differences=(
            Difference(("block_public_acls",), Op.CHANGE, True, False),
            Difference(("policy", "Statement", 0, "Principal"), Op.CHANGE, {"AWS": "arn"}, "*"),
        ),
    )
    return missing, unmanaged, violation


def mixed() -> AuditResult:
    """One finding of every kind, the awkward values, an alert and a previous audit."""
    web, db = _web_changed(), _db_changed()
    missing, unmanaged, violation = _others()
    denied = Alert(
        "aws",
        "access_denied",
        "iam:ListUsers denied for role auditor",
        type="aws_iam_user",
        region="us-east-1",
    )
    return AuditResult(
        audit_id="aud-20261122-mixed",
        generated_at=GENERATED_AT,
        summary=Summary(
            total=9,
            managed=8,
            in_sync=4,
            changed=2,
            missing=1,
            unmanaged=1,
            baseline_violations=1,
        ),
        findings=(violation, unmanaged, web, missing, db),
        alerts=(denied,),
        sources=(STATE, SNAPSHOT),
        new_finding_ids=frozenset({web.id, violation.id}),
        resolved_finding_ids=frozenset({"0a1b2c3d4e5f6a7b"}),
    )


_TYPES = ("aws_instance", "aws_s3_bucket", "aws_iam_role", "aws_security_group", "aws_lb")
_SEVERITIES = tuple(Severity)
_KINDS = tuple(FindingKind)


def _many_finding(index: int) -> Finding:
    kind = _KINDS[index % 4]
    resource_type = _TYPES[index % 5]
    resource_id = f"res-{index:03d}"
    differences: tuple[Difference, ...] = ()
    if kind in (FindingKind.CHANGED, FindingKind.BASELINE_VIOLATION):
        differences = (
            Difference(("tags", "owner"), Op.CHANGE, f"team-{index}", "unknown"),
            Difference(("settings", index % 3, "value"), Op.ADD, None, index),
        )
    authorized = index % 7 == 0
    return make_finding(
        kind,
        _SEVERITIES[(index // 4) % 4],
        resource_type,
        resource_id,
        None if kind is FindingKind.UNMANAGED else f"{resource_type}.r{index:03d}",
        source=SNAPSHOT
        if kind is FindingKind.UNMANAGED
        else f"s3://tf-states/team{index % 3}.tfstate",
        differences=differences,
        attribution=Attribution(AttributionStatus.AUTHORIZED, f"CHG{index:07d}")
        if authorized
        else Attribution(AttributionStatus.UNAUTHORIZED),
        rule="tags-required" if kind is FindingKind.BASELINE_VIOLATION and index % 8 == 3 else None,
    )


def many() -> AuditResult:
    """Thirty findings across four kinds, five types and four severities."""
    findings = tuple(_many_finding(index) for index in range(30))
    return AuditResult(
        audit_id="aud-20261122-many",
        generated_at=GENERATED_AT,
        summary=Summary(
            total=157,
            managed=150,
            in_sync=134,
            changed=8,
            missing=8,
            unmanaged=7,
            baseline_violations=7,
        ),
        findings=findings,
        sources=(
            "s3://tf-states/team0.tfstate",
            "s3://tf-states/team1.tfstate",
            "s3://tf-states/team2.tfstate",
            SNAPSHOT,
        ),
    )


SCENARIOS = {"clean": clean, "mixed": mixed, "many": many}
