"""Standard-change templates: does a task stay inside what its pre-approved template allows?

A standard change needs no approval because its template was approved once, in advance. That
only holds if every task run under it is one the template describes, so the check is strict: the
module must be one of the template's modules and every argument constraint must hold.
Arguments the template does not mention are not constrained.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from change_control.model import Change
from change_control.policy.matching import module_matches
from change_control.policy.model import ArgConstraint, Policy, StandardTemplate

CONSTRAINT_KINDS: tuple[str, ...] = ("equals", "one_of", "regex", "absent")


def template_violations(
    change: Change, module: str, args: Mapping[str, Any], policy: Policy
) -> list[str]:
    """Why the task is not what the change's template pre-approves; empty when it is.

    Returns at most one sentence: either the template is missing or unknown, or one sentence
    naming the template and every module and argument problem (so the operator fixes them all).
    """
    if not change.template:
        return [f"standard change {change.id} names no template, so nothing pre-approves it"]
    template = policy.standard_changes.get(change.template)
    if template is None:
        known = ", ".join(sorted(policy.standard_changes)) or "none"
        return [
            f"standard change {change.id} names template {change.template!r}, which is not in "
            f"the policy's standard-change catalog (known: {known})"
        ]
    problems: list[str] = []
    if not module_matches(module, template.modules):
        problems.append(
            f"module {module} is not one of its modules ({', '.join(template.modules)})"
        )
    problems.extend(argument_violations(template, args))
    if not problems:
        return []
    return [
        f"standard change {change.id} departs from template {template.name}: " + "; ".join(problems)
    ]


def argument_violations(template: StandardTemplate, args: Mapping[str, Any]) -> list[str]:
    """One sentence per argument constraint of ``template`` that ``args`` break, in name order."""
    problems: list[str] = []
    for name in sorted(template.args):
        problem = constraint_violation(name, template.args[name], args)
        if problem is not None:
            problems.append(problem)
    return problems


def constraint_violation(name: str, rule: ArgConstraint, args: Mapping[str, Any]) -> str | None:
    """What is wrong with argument ``name`` under ``rule``, or ``None`` when it holds.

    ``absent`` forbids the argument. Otherwise a constrained argument must be given, and must
    equal ``equals``, be one of ``one_of`` and fully match ``regex`` (on its text form).
    """
    if rule.absent:
        return f"argument {name} must not be given, but is {args[name]!r}" if name in args else None
    if name not in args:
        if rule.equals is None and rule.one_of is None and rule.regex is None:
            return None
        return f"argument {name} is missing but the template requires {describe_constraint(rule)}"
    return value_violation(name, rule, args[name])


def value_violation(name: str, rule: ArgConstraint, value: Any) -> str | None:
    """What is wrong with the given ``value`` of argument ``name``, or ``None``."""
    if rule.equals is not None and not same_value(value, rule.equals):
        return f"argument {name} is {value!r} but must equal {rule.equals!r}"
    if rule.one_of is not None and not any(same_value(value, item) for item in rule.one_of):
        allowed = ", ".join(repr(item) for item in rule.one_of)
        return f"argument {name} is {value!r} but must be one of {allowed}"
    if rule.regex is not None and re.fullmatch(rule.regex, as_text(value)) is None:
        return f"argument {name} is {value!r} but must fully match the regex {rule.regex!r}"
    return None


def describe_constraint(rule: ArgConstraint) -> str:
    """The constraint in words, for messages and ``changegate policy check``."""
    parts: list[str] = []
    if rule.absent:
        parts.append("that it is absent")
    if rule.equals is not None:
        parts.append(f"value {rule.equals!r}")
    if rule.one_of is not None:
        parts.append("one of " + ", ".join(repr(item) for item in rule.one_of))
    if rule.regex is not None:
        parts.append(f"a full match of the regex {rule.regex!r}")
    return " and ".join(parts) or "nothing"


def same_value(actual: Any, expected: Any) -> bool:
    """Equality as Ansible's arguments need it: ``80`` and ``"80"``, ``True`` and ``"true"``.

    Task arguments often arrive as strings after templating, while the policy file holds YAML
    scalars, so values are also compared by their text form.
    """
    return bool(actual == expected) or as_text(actual) == as_text(expected)


def as_text(value: Any) -> str:
    """The text form used for comparisons: booleans as ``true``/``false``, others ``str()``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
