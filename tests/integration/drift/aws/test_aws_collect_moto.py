"""Every supported type, created with boto3 on a real moto server, collects in Terraform's shape.

One world and one collection per module (building it is the slow part); the tests only read
them. Expected attributes are written as the Terraform AWS provider stores them, and every
collected attribute is checked against the provider's own schema (5.100.0, trimmed copy in
tests/unit/drift/aws/data).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drift.aws import registry
from drift.aws.engine import Collection, collect
from drift.aws.stats import current_type
from drift.model import Resource
from drift.normalize.digests import digest
from tests.integration.drift.aws.support import (
    ACCOUNT,
    ALLOW_ALL,
    TRUST_EC2,
    Moto,
    World,
    build_world,
)

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "unit/drift/aws/data/aws_provider_5.100.0_schema.json").read_text()
)["resource_schemas"]


@pytest.fixture(scope="module")
def world(module_moto: Moto) -> World:
    return build_world(module_moto)


@pytest.fixture(scope="module")
def collection(module_moto: Moto, world: World) -> Collection:
    return collect(module_moto.options())


def _find(collection: Collection, kind: str, test: Callable[[Resource], bool]) -> Resource:
    matches = [r for r in collection.resources if r.type == kind and test(r)]
    assert len(matches) == 1, f"{kind}: {len(matches)} matches"
    return matches[0]


def _policy(text: str) -> Any:
    return json.loads(text)


# (type, how to pick the resource, expected attributes as the provider stores them)
EXPECTED: list[tuple[str, Callable[[Resource, World], bool], Callable[[World], dict[str, Any]]]] = [
    ("aws_vpc", lambda r, w: r.id == w["vpc"], lambda w: {
        "cidr_block": "10.0.0.0/16", "enable_dns_hostnames": True, "enable_dns_support": True,
        "instance_tenancy": "default", "tags": {"Name": "main"}, "tags_all": {"Name": "main"},
        "arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{w['vpc']}", "owner_id": ACCOUNT}),
    ("aws_subnet", lambda r, w: r.id == w["subnet"], lambda w: {
        "vpc_id": w["vpc"], "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a",
        "map_public_ip_on_launch": False, "assign_ipv6_address_on_creation": False}),
    ("aws_internet_gateway", lambda r, w: r.id == w["igw"], lambda w: {"vpc_id": w["vpc"]}),
    ("aws_route_table", lambda r, w: r.id == w["route_table"], lambda w: {
        "vpc_id": w["vpc"], "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": w["igw"]}]}),
    ("aws_security_group", lambda r, w: r.id == w["web"], lambda w: {
        "name": "web", "description": "web", "vpc_id": w["vpc"],
        "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                     "security_groups": [], "self": False, "protocol": "tcp", "from_port": 443,
                     "to_port": 443, "description": "https"}]}),
    ("aws_vpc_security_group_ingress_rule",
     lambda r, w: r.attributes["security_group_id"] == w["db_sg"], lambda w: {
        "ip_protocol": "tcp", "from_port": 5432, "to_port": 5432,
        "referenced_security_group_id": w["web"]}),
    ("aws_vpc_security_group_egress_rule",
     lambda r, w: r.attributes["security_group_id"] == w["web"], lambda w: {
        "ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}),
    ("aws_key_pair", lambda r, w: r.id == "deploy", lambda w: {
        "key_name": "deploy", "arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:key-pair/deploy"}),
    ("aws_ebs_volume", lambda r, w: r.id == w["volume"], lambda w: {
        "size": 10, "availability_zone": "us-east-1a", "type": "gp2", "encrypted": False,
        "tags": {"Name": "data"}}),
    ("aws_instance", lambda r, w: r.id == w["instance"], lambda w: {
        "ami": "ami-12c6146b", "instance_type": "t3.micro", "subnet_id": w["subnet"],
        "vpc_security_group_ids": [w["web"]], "instance_state": "running",
        "tags": {"Name": "web"}, "monitoring": False, "source_dest_check": True}),
    ("aws_s3_bucket", lambda r, w: r.id == w["bucket"], lambda w: {
        "bucket": "cg-logs", "region": "us-east-1", "arn": "arn:aws:s3:::cg-logs",
        "versioning": [{"enabled": True, "mfa_delete": False}], "tags": {"team": "ops"},
        "bucket_regional_domain_name": "cg-logs.s3.us-east-1.amazonaws.com"}),
    ("aws_s3_bucket_versioning", lambda r, w: r.id == w["bucket"], lambda w: {
        "bucket": "cg-logs", "versioning_configuration": [{"status": "Enabled",
                                                           "mfa_delete": None}]}),
    ("aws_s3_bucket_server_side_encryption_configuration", lambda r, w: r.id == w["bucket"],
     lambda w: {"rule": [{"apply_server_side_encryption_by_default": [
         {"sse_algorithm": "aws:kms", "kms_master_key_id": "alias/logs"}],
         "bucket_key_enabled": True}]}),
    ("aws_s3_bucket_public_access_block", lambda r, w: r.id == w["bucket"], lambda w: {
        "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
        "restrict_public_buckets": False}),
    ("aws_iam_role", lambda r, w: r.id == "app", lambda w: {
        "name": "app", "description": "app role", "max_session_duration": 7200, "path": "/",
        "tags": {"app": "web"}, "managed_policy_arns": [w["policy"]],
        "arn": f"arn:aws:iam::{ACCOUNT}:role/app"}),
    ("aws_iam_policy", lambda r, w: r.id == w["policy"], lambda w: {
        "name": "read", "path": "/", "tags": {"owner": "ops"}, "arn": w["policy"]}),
    ("aws_iam_role_policy_attachment", lambda r, w: r.id == f"app/{w['policy']}", lambda w: {
        "role": "app", "policy_arn": w["policy"]}),
    ("aws_iam_user", lambda r, w: r.id == "ci", lambda w: {
        "name": "ci", "path": "/", "tags": {"purpose": "ci"}}),
    ("aws_iam_user_policy", lambda r, w: r.id == "ci:inline", lambda w: {
        "user": "ci", "name": "inline"}),
    ("aws_kms_key", lambda r, w: r.id == w["key"], lambda w: {
        "description": "logs key", "enable_key_rotation": True, "is_enabled": True,
        "customer_master_key_spec": "SYMMETRIC_DEFAULT", "tags": {"k": "v"}}),
    ("aws_db_instance", lambda r, w: r.id == w["db"], lambda w: {
        "identifier": "orders", "engine": "postgres", "instance_class": "db.t3.micro",
        "allocated_storage": 20, "username": "admin", "tags": {"tier": "data"}}),
    ("aws_dynamodb_table", lambda r, w: r.id == "sessions", lambda w: {
        "name": "sessions", "billing_mode": "PAY_PER_REQUEST", "hash_key": "pk",
        "attribute": [{"name": "pk", "type": "S"}], "tags": {"t": "1"}}),
    ("aws_lambda_function", lambda r, w: r.id == "worker", lambda w: {
        "function_name": "worker", "runtime": "python3.11", "handler": "index.handler",
        "role": f"arn:aws:iam::{ACCOUNT}:role/app", "tags": {"svc": "worker"},
        "environment": [{"variables": {"DB_URL": digest("postgres://u:secret@db/x"),
                                       "MODE": digest("batch")}}]}),
    ("aws_route53_zone", lambda r, w: r.id == w["zone"], lambda w: {
        "name": "example.test", "zone_id": w["zone"]}),
    ("aws_route53_record", lambda r, w: r.id == f"{w['zone']}_www.example.test_A", lambda w: {
        "zone_id": w["zone"], "name": "www.example.test", "fqdn": "www.example.test",
        "type": "A", "ttl": 300, "records": ["10.0.0.1"]}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "pick", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_each_supported_type_is_collected_with_the_providers_attribute_names_and_shapes(
    collection: Collection,
    world: World,
    kind: str,
    pick: Callable[[Resource, World], bool],
    expected: Callable[[World], dict[str, Any]],
) -> None:
    resource = _find(collection, kind, lambda r: pick(r, world))
    wanted = expected(world)
    assert {k: resource.attributes.get(k) for k in wanted} == wanted
    assert resource.attributes["id"] == resource.id
    assert resource.account == ACCOUNT


def test_every_type_the_issue_lists_is_found_in_the_collection(collection: Collection) -> None:
    emitted = {r.type for r in collection.resources}
    assert {kind for kind, _, _ in EXPECTED} <= emitted
    assert collection.alerts == []


def test_policy_documents_are_json_text_equal_to_what_was_put(
    collection: Collection, world: World
) -> None:
    role = _find(collection, "aws_iam_role", lambda r: r.id == "app")
    policy = _find(collection, "aws_iam_policy", lambda r: r.id == world["policy"])
    bucket_policy = _find(collection, "aws_s3_bucket_policy", lambda r: r.id == "cg-logs")
    assert _policy(role.attributes["assume_role_policy"]) == TRUST_EC2
    assert _policy(policy.attributes["policy"]) == ALLOW_ALL
    assert _policy(bucket_policy.attributes["policy"])["Statement"][0]["Effect"] == "Deny"


def test_global_resources_carry_no_region_and_buckets_their_own(collection: Collection) -> None:
    regions = {r.type: r.region for r in collection.resources}
    assert regions["aws_iam_role"] is None
    assert regions["aws_route53_zone"] is None
    assert regions["aws_s3_bucket"] == "us-east-1"
    assert regions["aws_instance"] == "us-east-1"


def test_secrets_never_reach_the_collection(collection: Collection) -> None:
    text = json.dumps([r.attributes for r in collection.resources], default=str)
    assert "not-collected-1" not in text
    assert "postgres://u:secret@db/x" not in text
    function = _find(collection, "aws_lambda_function", lambda r: r.id == "worker")
    assert ("environment",) in function.sensitive_paths


def test_txt_records_lose_the_quotes_the_api_adds(collection: Collection, world: World) -> None:
    record = _find(collection, "aws_route53_record", lambda r: r.attributes["type"] == "TXT")
    assert record.attributes["records"] == ["hello world"]


def _block_keys(value: Any) -> Iterator[tuple[str, set[str]]]:
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield "", set(item)


def _check_against_schema(
    kind: str, attributes: dict[str, Any], markers: frozenset[str]
) -> list[str]:
    schema = SCHEMA[kind]
    problems = [
        f"{kind}.{name}" for name in attributes if name not in schema and name not in markers
    ]
    for name, value in attributes.items():
        spec = schema.get(name)
        if isinstance(spec, dict) and isinstance(value, list):
            allowed = set(spec["attributes"])
            for _, keys in _block_keys(value):
                problems += [f"{kind}.{name}.{key}" for key in sorted(keys - allowed)]
    return problems


def test_every_collected_attribute_exists_in_the_provider_schema(collection: Collection) -> None:
    markers = {name: c.markers for c in registry.load() for name in c.types}
    problems: list[str] = []
    for resource in collection.resources:
        problems += _check_against_schema(
            resource.type, dict(resource.attributes), markers.get(resource.type, frozenset())
        )
    assert sorted(set(problems)) == []


def test_every_call_a_collector_makes_is_declared_for_the_iam_policy(
    module_moto: Moto, world: World
) -> None:
    made: set[tuple[str | None, str, str]] = set()

    def record(model: Any = None, **_: Any) -> None:
        made.add((current_type(), model.service_model.service_name, model.name))

    collect(module_moto.options(), hooks=[("before-call", record)])
    declared = {c.type: {(a.service, a.operation) for a in c.apis} for c in registry.load()}
    undeclared = [
        (kind, service, name)
        for kind, service, name in made
        if kind is not None and (service, name) not in declared[kind]
    ]
    session = {(service, name) for kind, service, name in made if kind is None}
    assert undeclared == []
    assert session == {("sts", "GetCallerIdentity")}
    # Calls shared through the cache are charged to whichever collector made them first, so
    # not every type shows up; every type that does made only calls it declares.
    assert len({kind for kind, _, _ in made if kind}) > len(declared) // 2
