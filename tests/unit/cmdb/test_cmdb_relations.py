"""Relation types as data, and the impact walk (transitive dependants, nearest first)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from change_control.errors import InputError
from cmdb_sync.relations import RELATION_TYPES, edge, impact, owner_of, relation_type

EDGES = [
    ("web", "db", "depends_on"),
    ("lb", "web", "depends_on"),
    ("host1", "web", "runs_on"),
    ("mod", "db", "contains"),
    ("host1", "grp", "member_of"),
    ("db", "lb", "depends_on"),  # a cycle: db -> lb -> web -> db
]


def neighbours(ids: Iterable[str]) -> list[tuple[str, str, str]]:
    wanted = set(ids)
    return [e for e in EDGES if e[0] in wanted or e[1] in wanted]


def test_every_relation_type_names_a_servicenow_relation_type() -> None:
    for kind in RELATION_TYPES.values():
        assert "::" in kind.label


def test_an_edge_is_stored_parent_first_whoever_asserts_it() -> None:
    assert edge("web", "db", "depends_on") == ("web", "db", "depends_on")
    assert edge("db", "mod", "contains") == ("mod", "db", "contains")
    assert owner_of("mod", "db", "contains") == "db"
    assert owner_of("web", "db", "depends_on") == "web"


def test_an_unknown_relation_type_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="valid: contains, depends_on, member_of, runs_on"):
        relation_type("hosts")


def test_impact_walks_dependants_transitively_nearest_first_through_cycles() -> None:
    found = impact("db", neighbours)
    assert [(i.ci_id, i.depth, i.via, i.from_id) for i in found] == [
        ("web", 1, "depends_on", "db"),
        ("host1", 2, "runs_on", "web"),
        ("lb", 2, "depends_on", "web"),
    ]


def test_a_module_impacts_what_it_contains_and_a_group_its_members() -> None:
    assert [i.ci_id for i in impact("mod", neighbours, max_depth=1)] == ["db"]
    assert [i.ci_id for i in impact("grp", neighbours)] == ["host1"]


def test_nothing_depends_on_a_leaf() -> None:
    assert impact("host1", neighbours) == []
