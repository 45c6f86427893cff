"""Read the CMDB: one CI, lists, history, export rows, impact, and Ansible inventory hosts.

A CI can be named by its id, by any identifier value (an ARN, ``aws_instance:i-0abc``, a
machine id, an FQDN), by a Terraform address or inventory host name (the aliases, without their
source prefix), or by its name; a reference that names several CIs is an error listing them,
never a guess.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from change_control.errors import InputError, NotFoundError
from change_control.store.schema import ci_history, ci_identifiers, ci_relations, cis
from cmdb_sync.model import CI, OUT_OF_SYNC, DriftStatus, InstallStatus, JournalEntry
from cmdb_sync.relations import RELATION_TYPES, Impacted, impact
from cmdb_sync.repository import chunks, expand_writers

#: Alias kinds whose values are ``SOURCE|NAME``: a reference may give just NAME.
ALIAS_KINDS = ("tf_address", "ansible_host", "ansible_group")


@dataclass(frozen=True)
class Link:
    """One edge as seen from a CI: ``depends_on`` out, or ``used_by`` in."""

    direction: str
    type: str
    label: str
    other_id: str
    other_name: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "direction": self.direction,
            "type": self.type,
            "label": self.label,
            "ci": self.other_id,
            "name": self.other_name,
            "sources": list(self.sources),
        }


def resolve_ci(conn: Connection, ref: str) -> str:
    """The id of the CI ``ref`` names (see the module docstring)."""
    text = ref.strip()
    if not text:
        raise InputError("CI: give a CI id, an identifier (ARN, address, host) or a name")
    if conn.execute(select(cis.c.id).where(cis.c.id == text)).first() is not None:
        return text
    c = ci_identifiers.c
    aliases = [c.value.like("%|" + _escape(text), escape="\\") & (c.kind == k) for k in ALIAS_KINDS]
    found = {str(r[0]) for r in conn.execute(select(c.ci_id).where(or_(c.value == text, *aliases)))}
    if not found:
        found = {str(r[0]) for r in conn.execute(select(cis.c.id).where(cis.c.name == text))}
    if len(found) == 1:
        return found.pop()
    if not found:
        raise NotFoundError(f"no CI matches {text!r} (try `changegate cmdb show --class CLASS`)")
    listed = ", ".join(sorted(found)[:5])
    raise InputError(f"{text!r} names {len(found)} CIs ({listed}); give the CI id")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_ci(conn: Connection, ci_id: str) -> CI:
    """One CI with its identifiers."""
    found = list_cis(conn, ids=[ci_id])
    if not found:
        raise NotFoundError(f"no CI {ci_id!r}")
    return found[0]


def list_cis(
    conn: Connection,
    *,
    ids: Sequence[str] | None = None,
    ci_class: str | None = None,
    environment: str | None = None,
    drifted: bool = False,
    include_retired: bool = True,
) -> list[CI]:
    """CIs matching every filter given, sorted by class and name."""
    query = select(cis).order_by(cis.c.ci_class, cis.c.name, cis.c.id)
    if ids is not None:
        query = query.where(cis.c.id.in_(list(ids)))
    if ci_class is not None:
        query = query.where(cis.c.ci_class == ci_class)
    if environment is not None:
        query = query.where(cis.c.environment == environment)
    if drifted:
        query = query.where(cis.c.drift_status.in_([str(s) for s in OUT_OF_SYNC]))
    if not include_retired:
        query = query.where(cis.c.install_status != str(InstallStatus.RETIRED))
    rows = [row._mapping for row in conn.execute(query)]
    idents = identifiers_of(conn, [r["id"] for r in rows])
    return [_ci(row, idents.get(row["id"], ())) for row in rows]


def identifiers_of(conn: Connection, ci_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """CI id -> its (kind, value) identifiers, sorted."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    c = ci_identifiers.c
    for part in chunks(list(ci_ids)):
        query = select(c.ci_id, c.kind, c.value).where(c.ci_id.in_(part))
        for ci_id, kind, value in conn.execute(query.order_by(c.kind, c.value)):
            out[ci_id].append((kind, value))
    return out


def _ci(row: Any, identifiers: Iterable[tuple[str, str]]) -> CI:
    writers = expand_writers(row["attribute_sources"])
    return CI(
        id=row["id"],
        ci_class=row["ci_class"],
        name=row["name"],
        environment=row["environment"],
        attributes=row["attributes"] or {},
        attribute_sources={k: (w.source, _iso(w.at)) for k, w in writers.items()},
        drift_status=DriftStatus(row["drift_status"]),
        drift_findings=tuple(row["drift_findings"] or ()),
        install_status=InstallStatus(row["install_status"]),
        created_by_tool=bool(row["created_by_tool"]),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        version=row["version"],
        identifiers=tuple(identifiers),
        retired_at=row["retired_at"],
    )


def _iso(moment: Any) -> str:
    from change_control.timeutil import isoformat

    return isoformat(moment)


def links(conn: Connection, ci_id: str) -> list[Link]:
    """Every edge of the CI, outgoing first, each with the other end's name."""
    r = ci_relations.c
    query = select(r.parent_id, r.child_id, r.type, r.sources).where(
        or_(r.parent_id == ci_id, r.child_id == ci_id)
    )
    rows = list(conn.execute(query))
    others = {p if c == ci_id else c for p, c, _, _ in rows}
    names = dict(
        conn.execute(select(cis.c.id, cis.c.name).where(cis.c.id.in_(sorted(others)))).all()
    )
    out: list[Link] = []
    for parent, child, kind, sources in rows:
        rel = RELATION_TYPES.get(kind)
        outgoing = parent == ci_id
        other = child if outgoing else parent
        shown = kind if outgoing else (rel.inverse if rel else f"{kind}_of")
        out.append(
            Link("out" if outgoing else "in", shown, rel.label if rel else kind, other,
                 names.get(other, ""), tuple(sources or ()))
        )  # fmt: skip
    return sorted(out, key=lambda link: (link.direction != "out", link.type, link.other_name))


def history(conn: Connection, ci_id: str, limit: int | None = None) -> list[JournalEntry]:
    """The CI's journal, oldest first."""
    h = ci_history.c
    query = select(h.ci_id, h.at, h.source, h.action, h.changes, h.run_id).where(h.ci_id == ci_id)
    query = query.order_by(h.at, h.id)
    if limit is not None:
        query = query.limit(limit)
    return [JournalEntry(*row) for row in conn.execute(query)]


def edges(conn: Connection, ci_ids: Iterable[str]) -> list[tuple[str, str, str]]:
    """Every edge touching these CIs, as ``(parent, child, type)``."""
    r = ci_relations.c
    out: list[tuple[str, str, str]] = []
    for part in chunks(sorted(set(ci_ids)), 500):
        query = select(r.parent_id, r.child_id, r.type).where(
            or_(r.parent_id.in_(part), r.child_id.in_(part))
        )
        out.extend((p, c, t) for p, c, t in conn.execute(query))
    return out


def impact_of(conn: Connection, ci_id: str, max_depth: int | None = None) -> list[Impacted]:
    """Everything that depends on ``ci_id``, transitively (one query per level)."""
    return impact(ci_id, lambda ids: edges(conn, ids), max_depth)


def names_of(conn: Connection, ci_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """CI id -> (class, name)."""
    out: dict[str, tuple[str, str]] = {}
    for part in chunks(sorted(set(ci_ids))):
        query = select(cis.c.id, cis.c.ci_class, cis.c.name).where(cis.c.id.in_(part))
        out.update({i: (c, n) for i, c, n in conn.execute(query)})
    return out
