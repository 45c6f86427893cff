# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the operator reads: the banner at play start and the summary at the end of a run.

Plain functions over plain values (a change record as ``Change.to_dict()`` gives it), so the
wording is unit-tested without Ansible. The banner answers the first question an operator or a
reviewer of the console log has: which change is this run under, and is it good to go?
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

NO_CHANGE = (
    "changegate: this run names no change. Change-gated tasks will be refused; give one with "
    "-e changegate_change=CHG..., a play or inventory variable changegate_change, or "
    "CHANGEGATE_CHANGE."
)


def banner(change: Mapping[str, Any], origin: str, executor: str, run_id: str) -> list[str]:
    """Lines shown at play start for a run under ``change``."""
    window = change.get("window") or {}
    lines = [
        f"changegate: change {change.get('id')} ({change.get('type')}, {change.get('state')}, "
        f"risk {change.get('risk')}) from {origin}: {change.get('summary', '')}",
        "  window:    " + (f"{window.get('start')} -> {window.get('end')}" if window else "none"),
        "  approvals: " + approvals_text(change.get("approvals") or []),
        f"  executor:  {executor}",
        f"  run:       {run_id}",
    ]
    scope = change.get("scope") or {}
    limits = [
        f"{axis} {', '.join(scope[axis])}" for axis in ("hosts", "environments") if scope.get(axis)
    ]
    if limits:
        lines.insert(2, "  scope:     " + "; ".join(limits))
    return lines


def approvals_text(approvals: Sequence[Mapping[str, Any]]) -> str:
    """``bob (CAB) approved at 2026-..., ...`` or ``none``."""
    if not approvals:
        return "none"
    parts = []
    for approval in approvals:
        group = f" ({approval['group']})" if approval.get("group") else ""
        parts.append(
            f"{approval.get('approver')}{group} {approval.get('decision')} at {approval.get('at')}"
        )
    return "; ".join(parts)


def lookup_failed(change_id: str, kind: str, detail: str) -> str:
    """The warning when the run's change cannot be had."""
    if kind == "not_found":
        return (
            f"changegate: change {change_id} does not exist ({detail}); change-gated tasks "
            "will be refused."
        )
    return (
        f"changegate: the ticket provider could not be asked about change {change_id} "
        f"({detail}); the policy decides whether gated tasks run (fail-closed by default)."
    )


def summary(
    run_id: str,
    change_id: str | None,
    gated: Mapping[str, int],
    changed_hosts: Sequence[str],
    failed_sinks: Mapping[str, str],
    spool: str,
) -> list[str]:
    """Lines shown at the end of the run."""
    hosts = ", ".join(sorted(changed_hosts)) or "none"
    lines = [
        f"changegate: run {run_id} under {change_id or 'no change'}: gated tasks "
        f"{gated.get('allowed', 0)} allowed, {gated.get('denied', 0)} denied "
        f"({gated.get('ungated', 0)} passed ungated); "
        f"changed hosts: {hosts}",
    ]
    if failed_sinks:
        names = ", ".join(f"{name} ({why})" for name, why in sorted(failed_sinks.items()))
        lines.append(
            f"changegate: ledger sinks failed: {names}; events are kept in {spool} and replayed "
            "on the next run or by 'changegate audit replay'"
        )
    return lines
