# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the gate finds the module it wraps and the action plugin that runs it.

``TaskExecutor`` picks an action plugin for a task the same way (the module's own
``action_plugin``, else an action plugin of the same name, else ``normal``); the gate repeats
that choice for the wrapped module so ``template``, ``copy`` and friends keep their
controller-side work.

Resolving a plugin and loading its action class costs a few milliseconds in a freshly forked
worker whose plugin-loader caches are cold. ``prime`` does both in the controller's main process
when the audit callback sees a gate task start, before the task is forked, so every worker
inherits warm caches.
"""

from __future__ import annotations

from typing import Any

GATE_ACTIONS = frozenset({"changegate.itsm.gate", "gate"})


def resolve(module_loader: Any, name: str, collections: Any) -> Any:
    """The module's plugin load context (``resolved``, ``resolved_fqcn``, ``action_plugin``)."""
    return module_loader.find_plugin_with_context(name, collection_list=collections)


def handler_name(action_loader: Any, found: Any) -> str:
    """The action plugin that runs the resolved module."""
    if found.action_plugin:
        return str(found.action_plugin)
    module = str(found.resolved_fqcn)
    if action_loader.has_plugin(module):
        return module
    return "ansible.legacy.normal"


def prime(task: Any) -> str | None:
    """Warm the plugin loader for a gate task's module in this (main) process.

    Returns the resolved FQCN, or ``None`` when the task is not a gate task or its ``module``
    argument is a template that only a worker can render. Never raises: it is an optimisation.
    """
    if str(getattr(task, "action", "")) not in GATE_ACTIONS:
        return None
    args = getattr(task, "args", None) or {}
    name = args.get("module") if isinstance(args, dict) else None
    if not isinstance(name, str) or "{" in name:
        return None
    from ansible.plugins.loader import action_loader, module_loader

    try:
        found = resolve(module_loader, name, getattr(task, "collections", None))
        if not found.resolved:
            return None
        action_loader.get(handler_name(action_loader, found), class_only=True)
    except Exception:
        return None
    return str(found.resolved_fqcn)
