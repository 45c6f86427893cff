"""``changegate policy``: validate a ``changegate.yml`` and show the policy the gate applies.

``check`` is meant for CI on the repository that holds the policy: exit 0 and a summary a
reviewer can read in the job log, or exit 1 and the loader's one line naming the file, the key
path and what is wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drift.cli import exitcodes
from drift.cli.context import cli_context
from drift.cli.options import global_options
from drift.cli.output import Block, TableView, emit, fields, format_option

if TYPE_CHECKING:
    from change_control.policy.model import FreezeWindow, Policy


@click.group()
@global_options
def policy() -> None:
    """Validate and explain a changegate.yml policy.

    \b
    Example:
      changegate policy check changegate.yml
    """


@policy.command("check")
@click.argument("file", metavar="FILE")
@format_option
@global_options
def check(file: str, fmt: str) -> int:
    """Validate a policy file and summarize it. Exit 0 valid, 1 invalid (with the reason).

    \b
    Example:
      changegate policy check changegate.yml
    """
    from change_control.policy import load_policy

    loaded = load_policy(Path(file))
    data = {"valid": True, "source": loaded.source, "summary": summary(loaded)}
    emit(fmt, data, lambda: [f"OK: {loaded.source} is a valid policy", *_summary_view(loaded)])
    return exitcodes.OK


@policy.command("show")
@format_option
@global_options
@click.pass_context
def show(ctx: click.Context, fmt: str) -> int:
    """Show the effective policy: the file (or the safe default) plus the store's freezes.

    \b
    Example:
      changegate policy show --format json
      changegate --config ops/changegate.yml policy show
    """
    effective = cli_context(ctx).effective_policy()
    emit(fmt, to_jsonable(effective), lambda: _full_view(effective))
    return exitcodes.OK


def summary(loaded: Policy) -> dict[str, str]:
    """One sentence per part of the policy, in the order a reviewer reads them."""
    gate = loaded.gate
    exempt = f" (exempt: {', '.join(gate.exempt_hosts)})" if gate.exempt_hosts else ""
    rules = "; ".join(
        f"{', '.join(str(r) for r in rule.risks)}: {_plural(rule.count, 'approval')}"
        + (f" incl. {', '.join(rule.groups)}" if rule.groups else "")
        for rule in loaded.approvals
    )
    emergency = loaded.emergency
    return {
        "gated hosts": ", ".join(gate.hosts) + exempt,
        "gated environments": ", ".join(gate.environments) or "all",
        "gated modules": f"{', '.join(gate.modules)} "
        f"(except {_plural(len(gate.read_only_modules), 'read-only module')})",
        "approvals": rules or "none",
        "segregation": _sod(loaded),
        "standard changes": ", ".join(sorted(loaded.standard_changes)) or "none",
        "emergency": f"{_plural(emergency.approvals, 'approval')}, review within "
        f"{emergency.pir_within_hours} h, "
        + ("bypasses freezes" if emergency.bypass_freeze else "stopped by freezes"),
        "freezes": "; ".join(_freeze_text(f) for f in loaded.freezes) or "none",
        "provider unreachable": "deny (fail-closed)" if loaded.fail_closed else "allow (fail-open)",
    }


def to_jsonable(value: Any) -> Any:
    """Dataclasses, mappings, enums and instants as plain JSON values (for ``--format json``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        from change_control.timeutil import isoformat

        return isoformat(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _summary_view(loaded: Policy) -> list[Block]:
    return [*fields(list(summary(loaded).items()))]


def _full_view(loaded: Policy) -> list[Block]:
    templates = tuple(
        (t.name, ", ".join(t.modules), ", ".join(sorted(t.args)) or "-", t.description or "-")
        for t in sorted(loaded.standard_changes.values(), key=lambda t: t.name)
    )
    freezes = tuple(
        (str(f.id) if f.id is not None else "policy", _freeze_text(f), f.reason)
        for f in loaded.freezes
    )
    return [
        f"policy: {loaded.source}",
        *_summary_view(loaded),
        "",
        TableView(
            ("name", "modules", "constrained args", "description"),
            templates,
            "Standard-change templates",
        ),
        "",
        TableView(("id", "when", "reason"), freezes, "Freezes"),
        "",
        "Read-only modules (never gated): " + ", ".join(loaded.gate.read_only_modules),
    ]


def _sod(loaded: Policy) -> str:
    self_approval = "allowed" if loaded.sod.allow_self_approval else "refused"
    executor = "may" if loaded.sod.executor_may_approve else "may not"
    return f"self-approval {self_approval}; an approver {executor} run the change"


def _freeze_text(window: FreezeWindow) -> str:
    from change_control.timeutil import isoformat

    if window.weekly:
        when = f"weekly {window.weekly} ({window.tz})"
    else:
        start = isoformat(window.start) if window.start else "?"
        end = isoformat(window.end) if window.end else "?"
        when = f"{start} -> {end}"
    label = f"{window.name}: " if window.name else ""
    scope = f" in {', '.join(window.environments)}" if window.environments else ""
    exempt = (
        f", {', '.join(str(t) for t in window.exempt_types)} exempt" if window.exempt_types else ""
    )
    return f"{label}{when}{scope}{exempt}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
