# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``changegate.itsm.gate``: run a module only when the run's change allows it on this host.

An adapter: it turns the task and host into a ``Request`` (``change_control.runctx``), asks the
run's ``Gatekeeper`` (one call), and either runs the wrapped module through the action plugin
Ansible itself would pick for it (so ``template``/``copy`` keep their controller-side work) or
fails the host with every reason. Documentation: ``plugins/modules/gate.py``.
"""

from __future__ import annotations

import os
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.changegate.itsm.plugins.plugin_utils import (
    cores,
    options,
    services,
    wrapped,
)
from ansible_collections.changegate.itsm.plugins.plugin_utils.errors import (
    ChangegateError,
    failed_result,
    missing_cores_result,
)
from ansible_collections.changegate.itsm.plugins.plugin_utils.hostvars import (
    extra_vars_of,
    gate_variables,
    plain,
)

display = Display()

ARGUMENT_SPEC = {
    "module": {"type": "str", "required": True},
    "args": {"type": "dict", "default": {}},
}


class ActionModule(ActionBase):
    """The gate. Check mode is supported: the wrapped module runs in check mode, recorded."""

    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        """Decide, then run the wrapped module or refuse with the reasons."""
        task_vars = task_vars or {}
        super().run(tmp, task_vars)
        if not cores.available():
            return missing_cores_result()
        _validated, params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        found = self._resolve(params["module"])
        try:
            outcome = self._decide(str(found.resolved_fqcn), params["args"] or {}, task_vars)
        except ChangegateError as err:
            return failed_result(err)
        gate = outcome.to_dict()
        if not outcome.decision.allowed:
            return {"failed": True, "changed": False, "msg": outcome.message(), "changegate": gate}
        result = self._run_wrapped(found, params["args"] or {}, task_vars)
        result["changegate"] = gate
        return result

    def _decide(self, module: str, args: dict[str, Any], task_vars: dict[str, Any]) -> Any:
        from change_control.runctx import build_request
        from change_control.timeutil import utcnow

        settings = options.read("action", "changegate.itsm.gate", task_vars)
        request = build_request(
            variables=gate_variables(self._templar, task_vars),
            extra_vars=extra_vars_of(self._task),
            env=os.environ,
            host=str(task_vars["inventory_hostname"]),
            module=module,
            args=plain(args),
            check_mode=bool(self._play_context.check_mode),
            controller=services.controller(),
        )
        gatekeeper = services.get_services(settings, display.vvv).gatekeeper
        return gatekeeper.decide(request, utcnow())

    def _resolve(self, name: str) -> Any:
        """The plugin context of ``name``; its FQCN is what the gate judges.

        Policies match on FQCNs, so a short or ``ansible.legacy`` spelling must not slip past
        (``service`` is judged as ``ansible.builtin.service``).
        """
        found = wrapped.resolve(self._shared_loader_obj.module_loader, name, self._task.collections)
        if not found.resolved:
            raise AnsibleError(f"changegate.itsm.gate: module {name!r} was not found")
        return found

    def _run_wrapped(
        self, found: Any, args: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        """Run the module as Ansible would run it as a task of its own; return its result as is.

        The task is copied without its parent block (a copy with parents would duplicate the
        whole play's task list for every host-task) and re-attached to the same parent.
        """
        module = str(found.resolved_fqcn)
        task = self._task.copy(exclude_parent=True, exclude_tasks=True)
        task._parent = self._task._parent
        task.action = module
        task._resolved_action = module
        task.args = dict(args)
        loader = self._shared_loader_obj
        handler = loader.action_loader.get(
            wrapped.handler_name(loader.action_loader, found),
            task=task,
            connection=self._connection,
            play_context=self._play_context,
            loader=self._loader,
            templar=self._templar,
            shared_loader_obj=loader,
        )
        result: dict[str, Any] = handler.run(task_vars=task_vars)
        return result
