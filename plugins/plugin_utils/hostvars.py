# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the few variables the gate needs from Ansible, templated, as plain values.

Only ``changegate_change`` and ``changegate_environment`` are read (and templated, so
``changegate_change: "{{ lookup('env', 'TICKET') }}"`` works); nothing else of the host's
variables ever reaches the cores. Extra vars come from the variable manager, because only they
may name the AWX/AAP launcher (see ``change_control.runctx``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleError
from ansible_collections.changegate.itsm.plugins.plugin_utils import cores

if cores.available():
    from change_control.errors import InputError
    from change_control.runctx import CHANGE_VAR, ENVIRONMENT_VAR, JOB_ID_VARS, LAUNCHER_VARS

    GATE_VARS = (CHANGE_VAR, ENVIRONMENT_VAR)
    EXTRA_VARS = (CHANGE_VAR, *LAUNCHER_VARS, *JOB_ID_VARS)


def gate_variables(templar: Any, variables: Mapping[str, Any]) -> dict[str, Any]:
    """``changegate_change`` and ``changegate_environment`` as Ansible resolves them, templated."""
    found: dict[str, Any] = {}
    for name in GATE_VARS:
        if name not in variables:
            continue
        try:
            found[name] = plain(templar.template(variables[name]))
        except AnsibleError as err:
            raise InputError(f"{name}: cannot be templated ({err.message})") from None
    return found


def extra_vars_of(task: Any) -> dict[str, Any]:
    """The run's extra vars that the cores read (change, launcher, job id); others are ignored."""
    manager = task.get_variable_manager() if task is not None else None
    extra = getattr(manager, "extra_vars", None) or {}
    return {name: plain(extra[name]) for name in EXTRA_VARS if name in extra}


def extra_var_names(task_or_manager: Any) -> list[str]:
    """Names (never values) of the run's extra vars, for the ledger."""
    manager = getattr(task_or_manager, "get_variable_manager", None)
    source = manager() if callable(manager) else task_or_manager
    return sorted(str(name) for name in (getattr(source, "extra_vars", None) or {}))


def plain(value: Any) -> Any:
    """Ansible's tagged strings and containers as builtin types (the cores pickle and compare)."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def manager_of(playbook: Any) -> Any:
    """The run's variable manager (a ``Playbook`` keeps it only on its plays)."""
    for play in playbook.get_plays():
        manager = play.get_variable_manager()
        if manager is not None:
            return manager
    return None


def play_variables(play: Any, manager: Any) -> dict[str, Any]:
    """``changegate_change``/``changegate_environment`` as the play's first host sees them.

    The play's first host stands for the run in the banner and ``run_start``; every gate task
    still resolves the change for its own host.
    """
    from ansible.template import Templar

    inventory = getattr(manager, "_inventory", None)
    hosts = inventory.get_hosts(play.hosts) if inventory is not None else []
    variables = manager.get_vars(play=play, host=hosts[0] if hosts else None)
    return gate_variables(Templar(loader=play._loader, variables=variables), variables)


def extra_var_secrets(manager: Any) -> list[str]:
    """Extra-var values the ledger must never contain (identifiers it records are exempt)."""
    exempt = set(EXTRA_VARS)
    return [
        str.__str__(value)
        for name, value in (getattr(manager, "extra_vars", None) or {}).items()
        if name not in exempt and isinstance(value, str)
    ]
