"""``terraform show -json`` state output and saved plans become declared (and live) resources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from change_control.errors import InputError
from drift.model import Resource, View
from drift.sources.documents import load_declared, load_plan
from drift.sources.tfshow import sensitive_value_paths

DATA = Path(__file__).parents[3] / "data" / "tfstate"


def show_state() -> dict[str, Resource]:
    data = (DATA / "show_state.json").read_bytes()
    return {r.address or "": r for r in load_declared(data, "show.json", {}).resources}


def plan() -> list[Resource]:
    return list(load_plan((DATA / "plan_drift.json").read_bytes(), "plan.json", {}).resources)


def test_show_json_walks_child_modules_and_skips_data_and_deposed() -> None:
    assert sorted(show_state()) == [
        "aws_instance.web[0]",
        'module.net.aws_subnet.private["a"]',
        "module.net.module.flow.aws_flow_log.this",
    ]


def test_show_json_resources_carry_module_provider_location_and_dependencies() -> None:
    subnet = show_state()['module.net.aws_subnet.private["a"]']
    assert (subnet.id, subnet.module, subnet.provider, subnet.region, subnet.view) == (
        "subnet-0a",
        "module.net",
        "aws",
        "eu-west-3",
        View.DECLARED,
    )
    assert subnet.dependencies == ("aws_instance.web",)


def test_show_json_sensitive_values_become_paths() -> None:
    resources = show_state()
    assert resources["aws_instance.web[0]"].sensitive_paths == {("user_data",)}
    flow = resources["module.net.module.flow.aws_flow_log.this"]
    assert flow.sensitive_paths == {("options", 0, "secret")}


def test_show_json_meta_and_outputs() -> None:
    result = load_declared((DATA / "show_state.json").read_bytes(), "show.json", {})
    assert (result.meta["kind"], result.meta["format_version"]) == ("show-json", "1.0")
    assert "canary-show-output" not in repr(result)


def test_show_json_of_an_empty_state_has_no_resources() -> None:
    assert load_declared((DATA / "empty_show.json").read_bytes(), "e.json", {}).resources == ()


def test_plan_drift_entries_become_declared_and_live_pairs() -> None:
    pairs = [(r.address, r.view, r.id) for r in plan()]
    assert pairs == [
        ("aws_security_group.web", View.DECLARED, "sg-0web"),
        ("aws_security_group.web", View.LIVE, "sg-0web"),
        ("module.db.aws_db_instance.this", View.DECLARED, "db-ABCDEF"),
        ("module.db.aws_db_instance.this", View.LIVE, "db-ABCDEF"),
        ("aws_s3_bucket.gone", View.DECLARED, "gone-bucket"),
    ]


def test_plan_pairs_keep_before_and_after_values_and_their_sensitivity() -> None:
    sg_declared, sg_live, db_declared, db_live, _ = plan()
    assert sg_declared.attributes["tags"] == {"env": "prod"}
    assert sg_live.attributes["tags"] == {"env": "prod", "owner": "console"}
    assert db_declared.sensitive_paths == {("password",)}
    assert db_live.sensitive_paths == {("password",)}
    assert (db_live.module, db_live.provider) == ("module.db", "aws")


def test_plan_meta_counts_drifted_resources_and_never_carries_variables_or_outputs() -> None:
    result = load_plan((DATA / "plan_drift.json").read_bytes(), "plan.json", {})
    assert (result.meta["kind"], result.meta["drifted"]) == ("plan", 3)
    rendered = repr(result.meta)
    assert "canary-plan-variable" not in rendered
    assert "canary-plan-output" not in rendered


def test_a_plan_without_drift_yields_nothing() -> None:
    result = load_plan((DATA / "plan_no_drift.json").read_bytes(), "p.json", {})
    assert (result.resources, result.meta["drifted"]) == ((), 0)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"version": 4, "resources": []},
            "p.json: not the JSON of a saved plan (expected `terraform show -json PLAN` output "
            "with planned_values)",
        ),
        (
            {"format_version": "1.2", "planned_values": {}, "resource_drift": {}},
            "p.json: resource_drift is not a list",
        ),
        (
            {"format_version": "1.2", "planned_values": {}, "resource_drift": [{"type": "t"}]},
            "p.json: resource_drift has an entry without address or type",
        ),
        (
            {
                "format_version": "1.2",
                "planned_values": {},
                "resource_drift": [{"type": "t", "address": "t.a", "change": None}],
            },
            "p.json: resource_drift t.a has no change",
        ),
    ],
)
def test_a_bad_plan_is_one_line(document: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_plan(json.dumps(document), "p.json", {})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("mask", "paths"),
    [
        (None, set()),
        (False, set()),
        ({}, set()),
        (True, {()}),
        ({"password": True, "tags": {}, "list": [False, True]}, {("password",), ("list", 1)}),
        ({"a": {"b": [{"c": True}]}}, {("a", "b", 0, "c")}),
        ({"a": False, "b": []}, set()),
    ],
)
def test_sensitive_masks_mark_exactly_the_true_leaves(
    mask: object, paths: set[tuple[str | int, ...]]
) -> None:
    assert sensitive_value_paths(mask) == paths
