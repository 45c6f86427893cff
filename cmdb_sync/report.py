"""Plain rows for what ``changegate cmdb`` prints: plans, CIs, links, history, exports.

Each function returns ``(columns, rows)`` of strings (or CSV-ready rows), so the CLI only wraps
them in its tables and the layout is tested without Click. Values longer than a cell allows
are cut with an ellipsis; the JSON forms always carry them whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from change_control.timeutil import isoformat
from cmdb_sync.model import CI, JournalEntry
from cmdb_sync.plan import DELETE, INSERT, InputOutcome, Plan
from cmdb_sync.query import Link
from cmdb_sync.relations import Impacted

Rows = tuple[tuple[str, ...], list[tuple[str, ...]]]
#: Longest value shown in a table cell.
CELL = 60


def short(value: Any, width: int = CELL) -> str:
    """A value as compact JSON text (strings as they are), cut to ``width``."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def plan_inputs(plan: Plan) -> Rows:
    """One row per input: what was read and whether it was skipped."""
    rows: list[tuple[str, ...]] = [
        (i.source, i.kind, str(i.items), _complete(i), i.skipped or "reconciled")
        for i in plan.inputs
    ]
    return ("source", "kind", "items", "complete", "outcome"), rows


def _complete(outcome: InputOutcome) -> str:
    if outcome.skipped:
        return "-"
    return "yes" if outcome.complete else "no"


def plan_changes(plan: Plan) -> Rows:
    """Creates, updates (one row per attribute), status changes and deletions."""
    rows: list[tuple[str, ...]] = []
    for write in plan.cis:
        if write.is_new:
            rows.append(("create", write.ci_id, write.ci_class, write.name, "", ""))
            continue
        for name, (old, new) in sorted(write.diff.items()):
            rows.append(
                ("update", write.ci_id, write.ci_class, name, short(old, 30), short(new, 30))
            )
        if write.status_change:
            old_status, new_status = write.status_change
            action = {"retired": "retire", "stale": "stale"}.get(new_status, "restore")
            rows.append(
                (action, write.ci_id, write.ci_class, "install_status", old_status, new_status)
            )
    for gone in plan.deletes:
        rows.append(("delete", gone.ci_id, gone.ci_class, gone.name, "", ""))
    return ("action", "ci", "class", "name / attribute", "from", "to"), rows


def plan_relations(plan: Plan) -> Rows:
    """Edges added and removed."""
    rows: list[tuple[str, ...]] = [
        ("+" if e.op == INSERT else "-", e.parent_id, e.type, e.child_id, ", ".join(e.sources))
        for e in plan.edges
        if e.op in {INSERT, DELETE}
    ]
    return ("", "parent", "type", "child", "asserted by"), rows


def plan_errors(plan: Plan) -> Rows:
    """Items that could not be reconciled."""
    rows: list[tuple[str, ...]] = [(e.source, e.native_key, e.code, e.message) for e in plan.errors]
    return ("source", "item", "code", "message"), rows


def plan_rows(plan: Plan) -> int:
    """How many rows applying ``plan`` writes (what a dry run would write)."""
    if plan.empty:
        return 0
    return (
        len(plan.cis) + len(plan.journal) + len(plan.bindings) + len(plan.edges)
        + len(plan.identifiers) + len(plan.sources) + len(plan.dues) + len(plan.deletes) + 1
    )  # fmt: skip


def ci_fields(ci: CI) -> list[tuple[str, str]]:
    """Label/value pairs of ``cmdb show CI``."""
    drift = str(ci.drift_status)
    if ci.drift_findings:
        drift += f" ({', '.join(ci.drift_findings)})"
    return [
        ("id", ci.id),
        ("class", ci.ci_class),
        ("name", ci.name),
        ("environment", ci.environment or "-"),
        ("install status", str(ci.install_status)),
        ("drift status", drift),
        ("first seen", isoformat(ci.first_seen)),
        ("last changed", isoformat(ci.last_seen)),
        ("retired at", isoformat(ci.retired_at) if ci.retired_at else "-"),
        ("version", str(ci.version)),
    ]


def ci_identifiers(ci: CI) -> Rows:
    """The identifiers of a CI."""
    return ("kind", "value"), [(kind, value) for kind, value in ci.identifiers]


def ci_attributes(ci: CI) -> Rows:
    """Attributes with the source and time of their last write."""
    rows: list[tuple[str, ...]] = []
    for name in sorted(ci.attributes):
        source, at = ci.attribute_sources.get(name, ("-", "-"))
        rows.append((name, short(ci.attributes[name]), source, at))
    return ("attribute", "value", "last written by", "at"), rows


def link_rows(found: Sequence[Link]) -> Rows:
    """Edges of a CI as seen from it."""
    rows: list[tuple[str, ...]] = [
        (link.type, link.other_id, link.other_name, ", ".join(link.sources)) for link in found
    ]
    return ("relation", "ci", "name", "asserted by"), rows


def ci_list(found: Sequence[CI]) -> Rows:
    """One row per CI (``cmdb show --class/--drifted``)."""
    rows: list[tuple[str, ...]] = [
        (
            ci.id,
            ci.ci_class,
            ci.name,
            ci.environment or "-",
            str(ci.install_status),
            str(ci.drift_status),
        )
        for ci in found
    ]
    return ("id", "class", "name", "environment", "status", "drift"), rows


def history_rows(entries: Sequence[JournalEntry]) -> Rows:
    """A CI's journal, one row per entry."""
    rows: list[tuple[str, ...]] = [
        (isoformat(e.at), e.source, e.action, short(e.changes, 90), e.run_id or "-")
        for e in entries
    ]
    return ("at", "source", "action", "changes", "run"), rows


def impact_rows(found: Sequence[Impacted], names: dict[str, tuple[str, str]]) -> Rows:
    """Impacted CIs, nearest first."""
    rows: list[tuple[str, ...]] = []
    for hit in found:
        ci_class, name = names.get(hit.ci_id, ("-", "-"))
        via = f"{hit.via} {names.get(hit.from_id, ('', hit.from_id))[1] or hit.from_id}"
        rows.append((str(hit.depth), hit.ci_id, ci_class, name, via))
    return ("depth", "ci", "class", "name", "via"), rows


#: Columns of ``cmdb export --format csv``.
CSV_COLUMNS = (
    "id", "class", "name", "environment", "install_status", "drift_status", "drift_findings",
    "identifiers", "first_seen", "last_seen", "version", "attributes",
)  # fmt: skip


def export_csv(found: Sequence[CI]) -> str:
    """CSV with one row per CI; lists joined by spaces, attributes as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ci in found:
        writer.writerow(
            [
                ci.id, ci.ci_class, ci.name, ci.environment or "", str(ci.install_status),
                str(ci.drift_status), " ".join(ci.drift_findings),
                " ".join(f"{k}={v}" for k, v in ci.identifiers), isoformat(ci.first_seen),
                isoformat(ci.last_seen), ci.version,
                json.dumps(dict(ci.attributes), sort_keys=True, default=str),
            ]
        )  # fmt: skip
    return buffer.getvalue()
