# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible's callback objects translated into plain ledger bodies, at the hook.

The audit callback calls ``task_facts`` once per result to turn the Ansible objects into a
``TaskFacts`` of plain values, and every other function here works on plain values only: they
are unit-tested with plain objects and dicts, and no Ansible object ever travels further than
the hook that received it.

What is recorded about a result is deliberately small: status, ``changed``, module, duration,
loop item count, a diff *summary* (counts, never content), and a failure's ``msg``. Results of
``no_log`` tasks are recorded as censored, with no message and no diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The task actions that are the gate (how a censored gate result is still recognised).
GATE_ACTIONS = frozenset({"changegate.itsm.gate", "gate"})
#: A failure message longer than this is cut: the ledger is an index, not a log store.
MAX_MSG = 2000


@dataclass(frozen=True)
class TaskFacts:
    """What the callback takes from one Ansible result, as plain values."""

    host: str
    task: str
    task_uuid: str
    action: str
    status: str
    result: Mapping[str, Any]
    no_log: bool = False
    args_module: str | None = None
    play: str = ""


def task_facts(result: Any, status: str, play: str = "") -> TaskFacts:
    """Translate a ``CallbackTaskResult`` (anything with ``host``/``task``/``result``)."""
    task = result.task
    data = getattr(result, "result", None)
    if data is None:  # ansible-core < 2.19
        data = result._result
    args = getattr(task, "args", None) or {}
    module_arg = args.get("module") if isinstance(args, Mapping) else None
    return TaskFacts(
        host=str(result.host.get_name()),
        task=str(task.get_name()),
        task_uuid=str(task._uuid),
        action=str(task.action),
        status=status,
        result=data if isinstance(data, Mapping) else {},
        no_log=bool(getattr(task, "no_log", False)) or _censored(data),
        args_module=str(module_arg) if isinstance(module_arg, str) else None,
        play=play,
    )


def _censored(data: object) -> bool:
    return isinstance(data, Mapping) and "censored" in data


def task_result_body(facts: TaskFacts, duration_ms: int | None) -> dict[str, Any]:
    """The ``task_result`` event body."""
    data = facts.result
    body: dict[str, Any] = {
        "host": facts.host,
        "task": facts.task,
        "task_uuid": facts.task_uuid,
        "play": facts.play,
        "module": module_of(facts),
        "status": facts.status,
        "changed": bool(data.get("changed", False)),
        "duration_ms": duration_ms,
    }
    if facts.no_log:
        body["censored"] = True
        return body
    items = data.get("results")
    if isinstance(items, list):
        body["items"] = len(items)
    summary = diff_summary(data.get("diff"))
    if summary:
        body["diff"] = summary
    if facts.status in {"failed", "unreachable"} and data.get("msg"):
        body["msg"] = str(data["msg"])[:MAX_MSG]
    if isinstance(data.get("changegate"), Mapping):
        body["gated"] = True
        body["allowed"] = bool(data["changegate"].get("allowed"))
    return body


def module_of(facts: TaskFacts) -> str:
    """The module a result is about: the wrapped module for a gate task, else the action."""
    gate = facts.result.get("changegate")
    if isinstance(gate, Mapping) and gate.get("module"):
        return str(gate["module"])
    if facts.action in GATE_ACTIONS and facts.args_module:
        return facts.args_module
    return facts.action


def is_gate(facts: TaskFacts) -> bool:
    """Whether the result came from the gate (also when ``no_log`` censored its details)."""
    return isinstance(facts.result.get("changegate"), Mapping) or facts.action in GATE_ACTIONS


def gate_decision_body(facts: TaskFacts) -> dict[str, Any]:
    """The ``gate_decision`` event body, from the gate's own ``changegate`` result key.

    A censored gate result has no such key; the decision is then inferred from the status
    (a refused task fails) and marked ``censored``.
    """
    gate = facts.result.get("changegate")
    base = {"host": facts.host, "task": facts.task, "task_uuid": facts.task_uuid}
    if not isinstance(gate, Mapping):
        return {
            **base,
            "module": module_of(facts),
            "allowed": facts.status not in {"failed", "unreachable"},
            "censored": True,
        }
    keep = ("allowed", "gated", "reasons", "obligations", "change_id", "module")
    keep += ("executor", "environment", "check_mode", "cached", "lookup_cached")
    return {**base, **{key: gate.get(key) for key in keep}}


def diff_summary(diff: object) -> dict[str, int] | None:
    """Counts of what a diff changed: lines for text, keys for mappings; never the content."""
    parts = diff if isinstance(diff, list) else [diff]
    total: dict[str, int] = {}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, count in _one_diff(part.get("before"), part.get("after")).items():
            total[key] = total.get(key, 0) + count
        if isinstance(part.get("prepared"), str):
            total["prepared"] = total.get("prepared", 0) + 1
    return total or None


def _one_diff(before: object, after: object) -> dict[str, int]:
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        old = before if isinstance(before, Mapping) else {}
        new = after if isinstance(after, Mapping) else {}
        return {
            "keys_added": len(set(new) - set(old)),
            "keys_removed": len(set(old) - set(new)),
            "keys_changed": sum(1 for k in set(old) & set(new) if old[k] != new[k]),
        }
    if isinstance(before, str) or isinstance(after, str):
        added = removed = 0
        old_lines = (before or "").splitlines() if isinstance(before, str) else []
        new_lines = (after or "").splitlines() if isinstance(after, str) else []
        for line in difflib.ndiff(old_lines, new_lines):
            if line.startswith("+ "):
                added += 1
            elif line.startswith("- "):
                removed += 1
        return {"lines_added": added, "lines_removed": removed}
    return {}


def host_stats(processed: Sequence[str], summarize: Any) -> dict[str, dict[str, int]]:
    """Per-host counters from ``AggregateStats`` (``summarize(host) -> dict``), as plain ints."""
    return {
        host: {key: int(value) for key, value in summarize(host).items()}
        for host in sorted(processed)
    }


@dataclass
class RunTally:
    """Counts the summary and the ``run_end`` event report."""

    allowed: int = 0
    denied: int = 0
    ungated: int = 0
    changed_hosts: set[str] | None = None

    def observe(self, facts: TaskFacts, gate: Mapping[str, Any] | None) -> None:
        """Count one result: a gate decision, and whether the host changed something.

        A gate task whose module is read-only (or whose host is not gated) passed without a
        change: it counts as ``ungated``, not as an allowed gated task.
        """
        if self.changed_hosts is None:
            self.changed_hosts = set()
        if gate is not None:
            if gate.get("gated") is False:
                self.ungated += 1
            elif gate.get("allowed"):
                self.allowed += 1
            else:
                self.denied += 1
        if facts.result.get("changed") and facts.status in {"changed", "ok"}:
            self.changed_hosts.add(facts.host)

    def gated(self) -> dict[str, int]:
        """Counts of gate decisions (the write-back note reads ``allowed`` and ``denied``)."""
        return {"allowed": self.allowed, "denied": self.denied, "ungated": self.ungated}
