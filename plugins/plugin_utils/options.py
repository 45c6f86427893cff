# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ONE table of changegate options every plugin reads.

It drives three things, so they cannot drift apart: the ``changegate.itsm.options`` doc fragment
(what ``ansible-doc`` shows), the audit callback's and the lookup's options (Ansible reads them
from that fragment), and the action plugins' options (Ansible has no option machinery for action
plugins, so ``read`` registers the same definitions with Ansible's config manager and asks it).
Every option has an environment variable and a key in the ``[changegate]`` section of
``ansible.cfg``; precedence is Ansible's: ini < environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The ``ansible.cfg`` section every option is read from.
SECTION = "changegate"


@dataclass(frozen=True)
class Option:
    """One option: its name, type, default, environment variable and what it is for."""

    name: str
    type: str
    env: str
    description: tuple[str, ...]
    default: Any = None
    elements: str | None = None
    choices: tuple[str, ...] | None = None


OPTIONS: tuple[Option, ...] = (
    Option(
        "db",
        "str",
        "CHANGEGATE_DB",
        (
            "URL of the changegate store (changes, approvals, freezes, the run ledger).",
            "Defaults to C(sqlite:///$XDG_STATE_HOME/changegate/changegate.db); point every "
            "controller and AWX/AAP node at one C(postgresql+psycopg://) URL to share it.",
        ),
    ),
    Option(
        "config",
        "path",
        "CHANGEGATE_CONFIG",
        (
            "Policy file (C(changegate.yml)): gated modules and hosts, approvals, freezes, "
            "standard-change templates, emergency rules, redaction list.",
            "Defaults to C(./changegate.yml) when present, else the built-in safe policy.",
        ),
    ),
    Option(
        "provider",
        "str",
        "CHANGEGATE_PROVIDER",
        ("Ticket provider the change is looked up in.",),
        default="local",
    ),
    Option(
        "sinks",
        "list",
        "CHANGEGATE_SINKS",
        (
            "Where the audit callback records the run ledger: C(store) (the hash-chained "
            "ledger in the store), C(jsonl) (a JSON Lines file, see O(jsonl)), C(writeback) "
            "(a work note on the change at the end of the run).",
        ),
        default=("store", "writeback"),
        elements="str",
    ),
    Option(
        "jsonl",
        "path",
        "CHANGEGATE_JSONL",
        ("File the C(jsonl) sink appends to. Required when O(sinks) lists C(jsonl).",),
    ),
    Option(
        "spool",
        "path",
        "CHANGEGATE_SPOOL",
        (
            "Directory where ledger events wait when a sink fails; they are replayed at the "
            "start of the next run or by C(changegate audit replay).",
            "Defaults to C($XDG_STATE_HOME/changegate/spool).",
        ),
    ),
    Option(
        "fail_closed",
        "bool",
        "CHANGEGATE_FAIL_CLOSED",
        (
            "Refuse gated tasks when the ticket provider cannot be asked. Overrides the "
            "policy's C(fail_closed) when set; unset, the policy decides (default true).",
        ),
    ),
)


def definitions() -> dict[str, dict[str, Any]]:
    """The options in Ansible's plugin-documentation shape (``options:`` of DOCUMENTATION)."""
    defs: dict[str, dict[str, Any]] = {}
    for option in OPTIONS:
        entry: dict[str, Any] = {
            "description": list(option.description),
            "type": option.type,
            "env": [{"name": option.env}],
            "ini": [{"section": SECTION, "key": option.name}],
        }
        if option.default is not None:
            entry["default"] = (
                list(option.default) if isinstance(option.default, tuple) else option.default
            )
        if option.elements:
            entry["elements"] = option.elements
        if option.choices:
            entry["choices"] = list(option.choices)
        defs[option.name] = entry
    return defs


def documentation() -> str:
    """The doc fragment's YAML text."""
    import yaml

    return yaml.safe_dump({"options": definitions()}, sort_keys=True, default_flow_style=False)


def settings_notes() -> str:
    """The fragment for action plugins: the same options as notes, since they are not task args.

    Action plugins read the options from the environment and ``ansible.cfg`` only, so a play
    cannot point the gate at another policy or store; listing them as module options would
    invite exactly that.
    """
    import yaml

    notes = [
        "changegate settings are read from the environment or the C([changegate]) section of "
        "C(ansible.cfg), never from task arguments:"
    ]
    for option in OPTIONS:
        default = option.default
        if isinstance(default, tuple):
            default = ", ".join(default)
        shown = f" Default C({default})." if default is not None else ""
        # O(name) links to an option of the plugin being documented; the action plugins have
        # no such options, so the notes name them as code instead.
        text = re.sub(r"O\(([^)]*)\)", r"C(\1)", option.description[0])
        notes.append(f"C({option.env}) or C({option.name}) in C([{SECTION}]): {text}{shown}")
    return yaml.safe_dump(
        {"notes": notes, "options": {}}, sort_keys=False, default_flow_style=False
    )


def names() -> tuple[str, ...]:
    """Option names, in table order."""
    return tuple(option.name for option in OPTIONS)


#: Options resolved in this process, per plugin. The environment and ``ansible.cfg`` do not
#: change during a run, and a fork inherits what the main process resolved.
_READ: dict[tuple[str, str], dict[str, Any]] = {}


def read(plugin_type: str, plugin_name: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Resolve the options for a plugin Ansible does not configure itself (action plugins).

    The definitions are registered once per process under ``plugin_type``/``plugin_name`` with
    Ansible's config manager, which then applies the same ini/env precedence as for callbacks.
    The options have no ``vars:`` sources, so ``variables`` cannot change the answer and the
    result is memoised per process.
    """
    key = (plugin_type, plugin_name)
    if key not in _READ:
        from ansible import constants as C

        config = C.config
        if not config.get_configuration_definitions(plugin_type, plugin_name):
            config.initialize_plugin_configuration_definitions(
                plugin_type, plugin_name, definitions()
            )
        _READ[key] = config.get_plugin_options(
            plugin_type, plugin_name, variables=dict(variables or {})
        )
    return dict(_READ[key])
