"""Terraform state v4 files become declared resources: addresses, modules, providers, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from change_control.errors import InputError
from drift.model import Resource, View
from drift.sources.base import INVALID_JSON, NOT_A_STATE, NOT_FOUND, UNSUPPORTED_VERSION
from drift.sources.documents import load_declared
from drift.sources.local import StateFileSource
from drift.sources.tfstate import (
    index_suffix,
    provider_short_name,
    resource_id,
    state_sensitive_paths,
)

DATA = Path(__file__).parents[3] / "data" / "tfstate"
FULL = DATA / "full.tfstate"


def load(name: str) -> dict[str, Resource]:
    result = StateFileSource(DATA / name, name).load()
    return {r.address or "": r for r in result.resources}


def test_every_managed_instance_gets_its_terraform_address() -> None:
    assert sorted(load("full.tfstate")) == [
        "aws_iam_role.arn_only",
        "aws_instance.web[0]",
        "aws_instance.web[1]",
        "aws_vpc.main",
        'module.apps["eu"].module.queue.aws_sqs_queue.jobs["blue"]',
        'module.apps["eu"].module.queue.aws_sqs_queue.jobs["green"]',
        "module.db.aws_db_instance.this",
        "widgets_gizmo.thing",
    ]


def test_data_sources_and_deposed_objects_are_skipped_and_counted() -> None:
    result = StateFileSource(FULL, "full.tfstate").load()
    ids = {r.id for r in result.resources}
    assert "ami-0data" not in ids
    assert "i-0old1" not in ids
    assert result.meta["deposed_skipped"] == 1
    assert result.meta["resources"] == 8


def test_a_resource_keeps_its_origin_module_provider_and_view() -> None:
    db = load("full.tfstate")["module.db.aws_db_instance.this"]
    assert (db.type, db.id, db.view, db.source) == (
        "aws_db_instance",
        "db-ABCDEF",
        View.DECLARED,
        "full.tfstate",
    )
    assert (db.module, db.provider, db.region, db.account) == (
        "module.db",
        "aws",
        "eu-west-3",
        "123456789012",
    )
    assert db.dependencies == ("aws_vpc.main", "module.db.aws_db_subnet_group.this")


def test_sensitive_attributes_become_paths_into_the_attributes() -> None:
    db = load("full.tfstate")["module.db.aws_db_instance.this"]
    assert db.sensitive_paths == {
        ("password",),
        ("replicas", 1),
        ("settings", "admin_password"),
    }


def test_an_unknown_provider_and_type_is_kept_as_an_opaque_resource() -> None:
    gizmo = load("full.tfstate")["widgets_gizmo.thing"]
    assert (gizmo.type, gizmo.provider, gizmo.id) == (
        "widgets_gizmo",
        "widgets",
        "widgets_gizmo.thing",
    )
    assert gizmo.attributes == {"serial": 42, "colour": "blue"}


def test_an_empty_id_falls_back_to_the_arn() -> None:
    role = load("full.tfstate")["aws_iam_role.arn_only"]
    assert role.id == "arn:aws:iam::123456789012:role/deploy"
    assert (role.region, role.account) == (None, "123456789012")


def test_attributes_are_passed_through_without_copies() -> None:
    doc = json.loads(FULL.read_bytes())
    result = load_declared(json.dumps(doc), "inline", {})
    vpc = next(r for r in result.resources if r.type == "aws_vpc")
    assert vpc.attributes["tags_all"] == {"Name": "main", "team": "platform"}
    again = next(r for r in result.resources if r.type == "aws_vpc")
    assert vpc.attributes is again.attributes


def test_meta_carries_lineage_serial_and_content_digest() -> None:
    result = StateFileSource(FULL, "full.tfstate").load()
    assert result.meta["lineage"] == "3f1c9a4e-0000-4000-8000-000000000001"
    assert result.meta["serial"] == 17
    assert len(result.meta["sha256"]) == 64


def test_no_output_value_reaches_the_result() -> None:
    result = StateFileSource(FULL, "full.tfstate").load()
    rendered = repr(result)
    assert "canary-output-secret" not in rendered
    assert "outputs" not in result.meta


def test_an_empty_state_has_no_resources() -> None:
    assert StateFileSource(DATA / "empty.tfstate", "empty.tfstate").load().resources == ()


@pytest.mark.parametrize(
    ("name", "message", "code"),
    [
        ("missing.tfstate", "missing.tfstate: no such file", NOT_FOUND),
        (
            "v3.tfstate",
            "v3.tfstate: unsupported state version 3 (changegate reads version 4)",
            UNSUPPORTED_VERSION,
        ),
        (
            "invalid.tfstate",
            "invalid.tfstate: invalid JSON at line 3, column 5: "
            "Expecting property name enclosed in double quotes",
            INVALID_JSON,
        ),
        (
            "not_a_state.json",
            'not_a_state.json: not a Terraform state (no "version" or "format_version" field)',
            NOT_A_STATE,
        ),
        (
            "array.json",
            "array.json: not a Terraform state (the document is not a JSON object)",
            NOT_A_STATE,
        ),
        (
            "plan_drift.json",
            "plan_drift.json: is a saved plan, not a state (read it with plan://plan_drift.json)",
            NOT_A_STATE,
        ),
    ],
)
def test_a_bad_state_file_is_one_line_naming_the_file(name: str, message: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        StateFileSource(DATA / name, name).load()
    assert (str(caught.value), caught.value.code) == (message, code)
    assert "\n" not in str(caught.value)


def test_a_directory_given_as_a_state_says_how_to_read_a_working_directory() -> None:
    with pytest.raises(InputError, match=r"glob: is a directory \(for a Terraform working "):
        StateFileSource(DATA / "glob", "glob").load()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"version": 4, "resources": {}}, "not a Terraform state (resources is not a list)"),
        ({"version": 4, "resources": [7]}, "resources[0] is not an object"),
        ({"version": 4, "resources": [{"mode": "managed"}]}, "resources[0] has no type or name"),
        (
            {"version": 4, "resources": [{"type": "t", "name": "n", "instances": {}}]},
            "resources[0].instances is not a list",
        ),
        (
            {
                "version": 4,
                "resources": [{"type": "t", "name": "n", "instances": [{"attributes": 1}]}],
            },
            "t.n: an instance has no attributes object",
        ),
        ({"version": "4"}, "unsupported state version 4 (changegate reads version 4)"),
    ],
)
def test_a_malformed_state_names_the_offending_part(document: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_declared(json.dumps(document), "s.tfstate", {})
    assert str(caught.value) == f"s.tfstate: {message}"


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ('provider["registry.terraform.io/hashicorp/aws"]', "aws"),
        ('provider["registry.terraform.io/hashicorp/aws"].west', "aws"),
        ('module.net.provider["registry.terraform.io/hashicorp/google"]', "google"),
        ("provider.aws", "aws"),
        ("module.apps.provider.aws.east", "aws"),
        ("registry.terraform.io/hashicorp/aws", "aws"),
        ('provider["terraform.io/builtin/terraform"]', "terraform"),
    ],
)
def test_providers_are_shortened_to_their_type_name(text: str, short: str) -> None:
    assert provider_short_name(text) == short


@pytest.mark.parametrize(
    ("key", "suffix"),
    [(None, ""), (0, "[0]"), (12, "[12]"), ("a", '["a"]'), ('say "hi"', '["say \\"hi\\""]')],
)
def test_index_keys_render_as_terraform_writes_them(key: object, suffix: str) -> None:
    assert index_suffix(key) == suffix


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"id": "i-1", "arn": "arn:x"}, "i-1"),
        ({"id": "", "arn": "arn:x"}, "arn:x"),
        ({"id": None}, "aws_x.y"),
        ({"id": 5}, "5"),
        ({"id": True}, "aws_x.y"),
        ({}, "aws_x.y"),
    ],
)
def test_the_id_is_the_provider_id_then_the_arn_then_the_address(
    attributes: dict[str, object], expected: str
) -> None:
    assert resource_id(attributes, "aws_x.y") == expected


def test_a_sensitive_path_step_that_cannot_be_read_marks_its_parent() -> None:
    paths = [
        [{"type": "get_attr", "value": "block"}, {"type": "index", "value": {"type": "weird"}}],
        [
            {"type": "get_attr", "value": "a"},
            {"type": "index", "value": {"value": 2.0, "type": "number"}},
        ],
        "not a path",
    ]
    assert state_sensitive_paths(paths) == {("block",), ("a", 2)}


def test_terraform_data_values_lose_the_state_type_wrapper_so_secret_paths_line_up() -> None:
    document = {
        "version": 4,
        "resources": [
            {
                "mode": "managed",
                "type": "terraform_data",
                "name": "secret",
                "provider": 'provider["terraform.io/builtin/terraform"]',
                "instances": [
                    {
                        "attributes": {
                            "id": "uuid-1",
                            "input": {"value": {"password": "pw"}, "type": ["object", {}]},
                            "output": {"value": 1, "type": "number", "extra": True},
                            "triggers_replace": None,
                        },
                        "sensitive_attributes": [
                            [
                                {"type": "get_attr", "value": "input"},
                                {"type": "get_attr", "value": "password"},
                            ]
                        ],
                    }
                ],
            }
        ],
    }
    (resource,) = load_declared(json.dumps(document), "s.tfstate", {}).resources
    assert resource.attributes["input"] == {"password": "pw"}
    assert resource.attributes["output"] == {"value": 1, "type": "number", "extra": True}
    assert resource.sensitive_paths == {("input", "password")}
    assert resource.provider == "terraform"


def test_only_terraform_data_is_unwrapped() -> None:
    tags = {"value": "x", "type": "y"}
    document = {
        "version": 4,
        "resources": [
            {
                "type": "aws_vpc",
                "name": "v",
                "instances": [{"attributes": {"id": "v", "input": tags}}],
            }
        ],
    }
    (resource,) = load_declared(json.dumps(document), "s.tfstate", {}).resources
    assert resource.attributes["input"] == tags
