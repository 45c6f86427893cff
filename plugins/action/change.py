# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``changegate.itsm.change``: assert, move or annotate the run's change from a play.

An adapter over ``Gatekeeper`` (``decide`` for ``assert``, ``transition`` and ``note`` for the
rest). It runs per host like any task; writes (a transition, a note) happen once per run and
change however many hosts run the task, so a play without ``run_once`` does not move the change
five times or add five identical notes. Documentation: ``plugins/modules/change.py``.
"""

from __future__ import annotations

import os
from typing import Any

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.changegate.itsm.plugins.plugin_utils import cores, options, services
from ansible_collections.changegate.itsm.plugins.plugin_utils.errors import (
    ChangegateError,
    failed_result,
    missing_cores_result,
)
from ansible_collections.changegate.itsm.plugins.plugin_utils.hostvars import (
    extra_vars_of,
    gate_variables,
)

display = Display()

TRANSITIONS = ("implement", "review", "closed")
ARGUMENT_SPEC = {
    "state": {"type": "str", "choices": ["assert", *TRANSITIONS]},
    "change": {"type": "str"},
    "module": {"type": "str", "default": "ansible.builtin.command"},
    "note": {"type": "str"},
    "close_code": {"type": "str"},
    "close_notes": {"type": "str"},
}
REQUIRED_ONE_OF = [["state", "note"]]
REQUIRED_IF = [["state", "closed", ["close_code", "close_notes"]]]


class ActionModule(ActionBase):
    """The change action (see the module documentation)."""

    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _supports_check_mode = True
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        """Do what ``state`` and ``note`` ask, in that order."""
        task_vars = task_vars or {}
        super().run(tmp, task_vars)
        if not cores.available():
            return missing_cores_result()
        _validated, params = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            required_one_of=REQUIRED_ONE_OF,
            required_if=REQUIRED_IF,
        )
        try:
            return self._run(params, task_vars)
        except ChangegateError as err:
            return failed_result(err)

    def _run(self, params: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        from change_control.model import ChangeState
        from change_control.runctx import build_request
        from change_control.timeutil import utcnow

        gatekeeper = services.get_services(
            options.read("action", "changegate.itsm.change", task_vars), display.vvv
        ).gatekeeper
        request = build_request(
            variables=gate_variables(self._templar, task_vars),
            extra_vars=extra_vars_of(self._task),
            env=os.environ,
            host=str(task_vars.get("inventory_hostname", "localhost")),
            module=params["module"],
            args={},
            check_mode=bool(self._play_context.check_mode),
            controller=services.controller(),
        )
        change_id = params["change"] or request.change_id
        if not change_id:
            from change_control.errors import InputError

            raise InputError(
                "changegate.itsm.change: the run names no change (give change:, "
                "-e changegate_change=... or CHANGEGATE_CHANGE)"
            )
        now = utcnow()
        if params["state"] == "assert":
            return self._assert(gatekeeper, request, change_id, now)
        result: dict[str, Any] = {"changed": False, "change_id": change_id}
        if params["state"] in TRANSITIONS:
            update = gatekeeper.transition(
                change_id,
                ChangeState(params["state"]),
                request.executor,
                now,
                close_code=params["close_code"],
                close_notes=params["close_notes"],
                check_mode=request.check_mode,
            )
            result.update(changed=update.changed, msg=update.message)
            result["change"] = update.change.to_dict()
        if params["note"]:
            added = gatekeeper.note(
                change_id, request.executor, params["note"], now, check_mode=request.check_mode
            )
            result["changed"] = result["changed"] or added
            result["note_added"] = added
        return result

    def _assert(self, gatekeeper: Any, request: Any, change_id: str, now: Any) -> dict[str, Any]:
        """Fail unless the change allows this host now; set the ``changegate_change`` fact."""
        import dataclasses

        from change_control.gate import LookupFailure

        outcome = gatekeeper.decide(dataclasses.replace(request, change_id=change_id), now)
        gate = outcome.to_dict()
        if not outcome.decision.allowed:
            return {"failed": True, "changed": False, "msg": outcome.message(), "changegate": gate}
        if outcome.decision.reasons:  # check mode: allowed, but a real run would be refused
            display.warning(outcome.message().replace("refused", "would refuse", 1))
        found = gatekeeper.lookup(change_id).change
        if found is None or isinstance(found, LookupFailure):
            return {
                "failed": False,
                "changed": False,
                "changegate": gate,
                "msg": f"{request.module} is not change-gated on {request.host}",
            }
        record = found.to_dict()
        return {
            "changed": False,
            "change": record,
            "changegate": gate,
            "ansible_facts": {"changegate_change": record},
            "msg": f"change {change_id} allows {request.module} on {request.host}",
        }
