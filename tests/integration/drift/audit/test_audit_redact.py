"""Secrets never enter a stored baseline; comparisons fill the holes from live."""

from __future__ import annotations

from typing import Any

import pytest

from drift.model import View
from drift.persist.redact import (
    fill_withheld,
    paths_from_json,
    paths_to_json,
    secret_key_paths,
    withhold_secrets,
)
from tests.integration.drift.audit.audit_support import res

A = View.APPROVED
Path_ = tuple[str | int, ...]


@pytest.mark.parametrize(
    ("attributes", "sensitive", "kept", "withheld"),
    [
        (
            {"password": "p", "name": "db"},
            frozenset(),
            {"name": "db"},
            [("password",)],
        ),
        (
            {"input": {"user": "u", "password": "p"}},
            frozenset({("input", "password")}),
            {"input": {"user": "u"}},
            [("input", "password")],
        ),
        (
            {"settings": [{"auth_token": "t", "port": 1}, {"port": 2}]},
            frozenset(),
            {"settings": [{"port": 1}, {"port": 2}]},
            [("settings", 0, "auth_token")],
        ),
        (
            {"replicas": ["a", "b"], "username": "admin"},
            frozenset({("replicas", 1), ("username",), ("not_there",)}),
            {"replicas": ["a", None]},
            [("not_there",), ("replicas", 1), ("username",)],
        ),
        (
            {"anything": "x"},
            frozenset({()}),
            {},
            [()],
        ),
    ],
    ids=["secret name", "state sensitive path", "nested secret name", "list index", "everything"],
)
def test_withholding_removes_every_secret_and_lists_its_path(
    attributes: dict[str, Any],
    sensitive: frozenset[Path_],
    kept: dict[str, Any],
    withheld: list[Path_],
) -> None:
    resource = res("r", A, sensitive=sensitive, **attributes)

    stored, paths = withhold_secrets(resource)

    assert stored == ({"id": "r", **kept} if kept or () not in sensitive else {})
    assert paths == withheld
    assert resource.attributes == {"id": "r", **attributes}  # the input is not touched


def test_filling_copies_live_values_into_withheld_paths_only() -> None:
    baseline = res("r", A, sensitive=frozenset({("input", "password")}), input={"user": "u"})
    live = res("r", View.LIVE, input={"user": "v", "password": "p2"})

    filled = fill_withheld(baseline, live)

    assert filled.attributes == {"id": "r", "input": {"user": "u", "password": "p2"}}
    assert filled.sensitive_paths == baseline.sensitive_paths


def test_filling_without_live_or_without_withheld_paths_changes_nothing() -> None:
    plain = res("r", A, size=1)
    withheld = res("r", A, sensitive=frozenset({("password",)}))

    assert fill_withheld(plain, res("r", View.LIVE, size=2)) is plain
    assert fill_withheld(withheld, None) is withheld


def test_a_wholly_sensitive_baseline_takes_the_live_object() -> None:
    baseline = res("r", A, sensitive=frozenset({()}))

    filled = fill_withheld(baseline, res("r", View.LIVE, size=3))

    assert filled.attributes == {"id": "r", "size": 3}


def test_secret_names_are_found_at_any_depth() -> None:
    value = {"a": {"db_password": 1, "b": [{"api_key": 2}]}, "token_ttl": 3}

    assert secret_key_paths(value) == [("a", "db_password"), ("a", "b", 0, "api_key")]


def test_paths_round_trip_through_json_and_junk_is_skipped() -> None:
    paths = [("a", 1), ("b",)]

    assert paths_from_json(paths_to_json(paths)) == frozenset(paths)
    assert paths_from_json([["ok"], "junk", [{"x": 1}]]) == frozenset({("ok",)})
    assert paths_from_json(None) == frozenset()
