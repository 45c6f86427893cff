"""The policy as typed, frozen data: what ``changegate.yml`` says once it has been validated.

``evaluate`` reads only these objects, never YAML, so it stays a pure function and the loader is
the one place that knows the file format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from change_control.model import ChangeType, Risk

#: Modules that cannot change a managed node's state. They pass the gate with no change.
#: Users extend the list with ``gate.read_only`` in the policy. ``*_info`` and ``*_facts`` follow
#: Ansible's collection requirements: such modules must never change state.
DEFAULT_READ_ONLY_MODULES: tuple[str, ...] = (
    "*_info",
    "*_facts",
    "ansible.builtin.add_host",
    "ansible.builtin.assert",
    "ansible.builtin.async_status",
    "ansible.builtin.debug",
    "ansible.builtin.fail",
    "ansible.builtin.find",
    "ansible.builtin.gather_facts",
    "ansible.builtin.getent",
    "ansible.builtin.group_by",
    "ansible.builtin.import_role",
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.include_tasks",
    "ansible.builtin.include_vars",
    "ansible.builtin.meta",
    "ansible.builtin.package_facts",
    "ansible.builtin.pause",
    "ansible.builtin.ping",
    "ansible.builtin.service_facts",
    "ansible.builtin.set_fact",
    "ansible.builtin.set_stats",
    "ansible.builtin.setup",
    "ansible.builtin.slurp",
    "ansible.builtin.stat",
    "ansible.builtin.validate_argument_spec",
    "ansible.builtin.wait_for",
    "ansible.builtin.wait_for_connection",
    "changegate.itsm.change",
)


@dataclass(frozen=True)
class FreezeWindow:
    """A period in which changes are frozen.

    Either absolute (``start``/``end``, tz-aware) or weekly recurring (``weekly`` such as
    ``"Fri 18:00-Mon 06:00"`` read as wall-clock time in ``tz``, so it follows DST).
    ``exempt_types`` lists change types the freeze does not stop (emergency by default policy).
    """

    reason: str
    name: str = ""
    start: datetime | None = None
    end: datetime | None = None
    weekly: str | None = None
    tz: str = "UTC"
    environments: tuple[str, ...] = ()
    exempt_types: tuple[ChangeType, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class ApprovalRule:
    """Approvals needed for changes of the given risks: ``count`` approvals, incl. ``groups``."""

    risks: tuple[Risk, ...]
    count: int = 1
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArgConstraint:
    """One argument constraint of a standard-change template.

    Exactly the non-None fields apply: ``equals``, ``one_of``, ``regex`` (full match on the
    string form), ``absent`` (the argument must not be given).
    """

    equals: Any = None
    one_of: tuple[Any, ...] | None = None
    regex: str | None = None
    absent: bool = False


@dataclass(frozen=True)
class StandardTemplate:
    """A pre-approved standard change: which modules it may run, with which arguments."""

    name: str
    modules: tuple[str, ...]
    args: Mapping[str, ArgConstraint] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class EmergencyRules:
    """How emergency changes are treated."""

    approvals: int = 1
    pir_within_hours: int = 48
    bypass_freeze: bool = True


@dataclass(frozen=True)
class SodRules:
    """Segregation of duties."""

    allow_self_approval: bool = False
    executor_may_approve: bool = False


@dataclass(frozen=True)
class GateScope:
    """Which hosts, environments and modules the gate guards.

    Patterns are shell-style (fnmatch). ``environments`` empty means every environment.
    Modules are gated when they match ``modules`` and are not read-only.
    """

    hosts: tuple[str, ...] = ("*",)
    exempt_hosts: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    modules: tuple[str, ...] = ("*",)
    read_only_modules: tuple[str, ...] = DEFAULT_READ_ONLY_MODULES


@dataclass(frozen=True)
class Policy:
    """The whole policy. ``Policy()`` is the documented safe default."""

    gate: GateScope = field(default_factory=GateScope)
    approvals: tuple[ApprovalRule, ...] = (ApprovalRule(risks=tuple(Risk), count=1),)
    sod: SodRules = field(default_factory=SodRules)
    freezes: tuple[FreezeWindow, ...] = ()
    standard_changes: Mapping[str, StandardTemplate] = field(default_factory=dict)
    emergency: EmergencyRules = field(default_factory=EmergencyRules)
    fail_closed: bool = True
    redact: tuple[str, ...] = ()
    store_url: str | None = None
    source: str = "<default policy>"
