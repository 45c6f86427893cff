"""Table-format views of changes and gate decisions (the JSON forms are the models' to_dict).

Kept apart from the commands so that ``change.py`` stays a map from flags to provider calls, and
so the demo and later commands (``audit``, ``report``) render a change the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from drift.cli.output import Block, TableView, cell, fields

if TYPE_CHECKING:
    from change_control.gate import Decision, Request
    from change_control.model import Change, Window


def window_text(window: Window | None) -> str:
    """``start -> end`` in canonical UTC, or ``-`` for a change without a window."""
    return f"{cell(window.start)} -> {cell(window.end)}" if window else "-"


def _scope_text(record: Change) -> str:
    axes = [
        ("hosts", record.scope.hosts),
        ("environments", record.scope.environments),
        ("terraform", record.scope.terraform_addresses),
        ("CIs", record.scope.ci_ids),
    ]
    parts = [f"{name} {', '.join(values)}" for name, values in axes if values]
    return "; ".join(parts) or "unrestricted"


def change_view(record: Change, history: Sequence[Mapping[str, Any]]) -> list[Block]:
    """``change show``: aligned fields, then the approvals and the history as tables."""
    pairs = [
        ("id", record.id),
        ("type", str(record.type)),
        ("state", str(record.state)),
        ("risk", str(record.risk)),
        ("summary", record.summary),
        ("requested by", record.requested_by),
        ("created", cell(record.created_at)),
        ("window", window_text(record.window)),
        ("scope", _scope_text(record)),
        ("template", cell(record.template)),
        ("rollback plan", cell(record.rollback_plan)),
        ("links", cell(record.links)),
    ]
    if record.close_code or record.close_notes:
        pairs.append(("closed", f"{cell(record.close_code)}: {cell(record.close_notes)}"))
    approvals = tuple(
        (a.approver, cell(a.group), str(a.decision), cell(a.at), cell(a.comment))
        for a in record.approvals
    )
    journal = tuple(_history_row(entry) for entry in history)
    return [
        *fields(pairs),
        "",
        TableView(("approver", "group", "decision", "at", "comment"), approvals, "Approvals"),
        "",
        TableView(("at", "actor", "action", "state", "detail"), journal, "History"),
    ]


def _history_row(entry: Mapping[str, Any]) -> tuple[str, ...]:
    before, after = entry.get("from_state"), entry.get("to_state")
    moved = f"{before} -> {after}" if before and after else cell(after or before)
    detail = entry.get("detail")
    text = ", ".join(f"{k}={v}" for k, v in detail.items() if v) if detail else ""
    return (
        cell(entry.get("at")),
        cell(entry.get("actor")),
        cell(entry.get("action")),
        moved,
        cell(text),
    )


def decision_view(decision: Decision, request: Request) -> list[Block]:
    """``change check``: the verdict line, then the reasons and obligations as tables."""
    verdict = "ALLOWED" if decision.allowed else "DENIED"
    if not decision.gated:
        verdict += " (not gated)"
    if request.check_mode:
        verdict += " (check mode)"
    target = f"{request.module} on {request.host} by {request.executor}"
    blocks: list[Block] = [f"{verdict}: {request.change_id}: {target}"]
    if decision.reasons:
        title = "Reasons" if not decision.allowed else "A real run would meet"
        rows = tuple((r.code, r.message) for r in decision.reasons)
        blocks.append(TableView(("code", "reason"), rows, title))
    if decision.obligations:
        duties = tuple((o.code, o.message, cell(o.due)) for o in decision.obligations)
        blocks.append(TableView(("code", "obligation", "due"), duties, "Obligations"))
    return blocks
