"""Relation types as data, and the impact walk a CAB asks for.

An edge is stored once as ``parent --type--> child`` (keyed by the three) with the data
sources that assert it. Each type names which end *owns* the assertion (the item whose content
hash covers it), its ServiceNow ``cmdb_rel_type`` name, and which way impact travels: if ``web``
depends on ``db``, changing ``db`` impacts ``web``; if a module contains a resource, changing
the module impacts the resource.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from change_control.errors import InputError


class End(StrEnum):
    """One end of an edge."""

    PARENT = "parent"
    CHILD = "child"


@dataclass(frozen=True)
class RelationType:
    """How one kind of edge behaves."""

    name: str
    owner: End
    """The end whose item asserts the edge."""
    label: str
    """ServiceNow ``cmdb_rel_type`` name, ``parent descriptor::child descriptor``."""
    impact_from: End
    """Changing a CI at this end impacts the CI at the other end."""
    ire_swap: bool = False
    """ServiceNow names the type with the ends the other way round."""

    @property
    def inverse(self) -> str:
        """The child's view of the edge (``used_by`` for ``depends_on``)."""
        return INVERSE_NAMES.get(self.name, f"{self.name}_of")


RELATION_TYPES: Mapping[str, RelationType] = {
    "depends_on": RelationType("depends_on", End.PARENT, "Depends on::Used by", End.CHILD),
    "runs_on": RelationType("runs_on", End.PARENT, "Runs on::Runs", End.CHILD),
    "member_of": RelationType("member_of", End.PARENT, "Members::Member of", End.CHILD, True),
    "contains": RelationType("contains", End.CHILD, "Contains::Contained by", End.PARENT),
}
_PARENT_OWNS = {name: kind.owner is End.PARENT for name, kind in RELATION_TYPES.items()}
INVERSE_NAMES = {
    "depends_on": "used_by",
    "runs_on": "hosts",
    "member_of": "has_member",
    "contains": "contained_by",
}


def relation_type(name: str) -> RelationType:
    """The type ``name``, or an ``InputError`` listing the known ones."""
    try:
        return RELATION_TYPES[name]
    except KeyError:
        valid = ", ".join(sorted(RELATION_TYPES))
        raise InputError(f"unknown relation type {name!r} (valid: {valid})") from None


def edge(owner: str, target: str, type_name: str) -> tuple[str, str, str]:
    """``(parent, child, type)`` for an assertion by ``owner`` towards ``target``."""
    parent_owns = _PARENT_OWNS.get(type_name)
    if parent_owns is None:
        relation_type(type_name)  # raises, naming the known types
    if parent_owns:
        return owner, target, type_name
    return target, owner, type_name


def owner_of(parent: str, child: str, type_name: str) -> str:
    """The CI whose item asserts the edge."""
    return parent if relation_type(type_name).owner is End.PARENT else child


@dataclass(frozen=True)
class Impacted:
    """One CI reached by the impact walk."""

    ci_id: str
    depth: int
    via: str
    """The relation that reached it, as ``type`` from the CI one step closer."""
    from_id: str


Neighbours = Callable[[Iterable[str]], Iterable[tuple[str, str, str]]]
"""Given CI ids, every edge ``(parent, child, type)`` touching any of them."""


def impact(start: str, neighbours: Neighbours, max_depth: int | None = None) -> list[Impacted]:
    """Everything that depends on ``start``, transitively, breadth first (nearest first).

    ``neighbours`` is asked once per level with the whole frontier, so a store-backed walk
    costs one query per level rather than one per CI. Cycles are cut by the visited set.
    """
    seen = {start}
    out: list[Impacted] = []
    frontier = deque([start])
    depth = 0
    while frontier and (max_depth is None or depth < max_depth):
        depth += 1
        level = set(frontier)
        frontier.clear()
        found: list[Impacted] = []
        for parent, child, type_name in sorted(neighbours(sorted(level))):
            kind = RELATION_TYPES.get(type_name)
            if kind is None:
                continue
            source, target = (parent, child) if kind.impact_from is End.PARENT else (child, parent)
            if source in level and target not in seen:
                seen.add(target)
                found.append(Impacted(target, depth, type_name, source))
        out.extend(sorted(found, key=lambda i: i.ci_id))
        frontier.extend(i.ci_id for i in found)
    return out
