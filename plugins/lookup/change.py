# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``changegate.itsm.change`` lookup: the change record, for templates and conditions."""

from __future__ import annotations

DOCUMENTATION = r"""
name: change
short_description: The run's change record (or any change's), for templates and conditions
version_added: 0.1.0
author: changegate maintainers (@changegate)
description:
  - Returns the change record as a dictionary - id, type, state, risk, summary, requested_by,
    window, scope, approvals (approver, group, decision, at), template, close code and notes.
  - Without terms, returns the run's change - extra var C(changegate_change), else the play or
    inventory variable C(changegate_change), else the environment variable C(CHANGEGATE_CHANGE).
  - The record is looked up once per run and shared with M(changegate.itsm.gate).
options:
  _terms:
    description: Change ids to look up. None means the run's change.
    type: list
    elements: str
    required: false
extends_documentation_fragment:
  - changegate.itsm.options
requirements:
  - changegate (pip package) in the controller's Python
seealso:
  - module: changegate.itsm.change
  - module: changegate.itsm.gate
"""

EXAMPLES = r"""
- name: Show the run's change window
  ansible.builtin.debug:
    msg: "{{ lookup('changegate.itsm.change').window }}"

- name: Only on emergency changes, page the on-call lead
  ansible.builtin.debug:
    msg: "Emergency change {{ lookup('changegate.itsm.change').id }} - PIR due"
  when: lookup('changegate.itsm.change').type == 'emergency'

- name: Approvers of a given change
  ansible.builtin.debug:
    msg: >-
      {{ lookup('changegate.itsm.change', 'CHG0000042').approvals
         | map(attribute='approver') }}
"""

RETURN = r"""
_raw:
  description: One change record per term (or the run's change when there are no terms).
  type: list
  elements: dict
  contains:
    id:
      description: The change id.
      type: str
      sample: CHG0000042
    type:
      description: standard, normal or emergency.
      type: str
    state:
      description: >-
        The change's state (new, assess, authorize, scheduled, implement, review, closed,
        cancelled).
      type: str
    window:
      description: Implementation window C(start)/C(end) (UTC, ISO 8601), or null.
      type: dict
    approvals:
      description: Every approval decision (approver, group, decision, at, comment).
      type: list
      elements: dict
"""

import os
from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible_collections.changegate.itsm.plugins.plugin_utils import cores, options, services
from ansible_collections.changegate.itsm.plugins.plugin_utils.hostvars import gate_variables

display = Display()


class LookupModule(LookupBase):
    """The change lookup."""

    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[dict[str, Any]]:
        """One record per term; the run's change without terms."""
        if not cores.available():
            raise AnsibleLookupError(cores.missing_message())
        from change_control.errors import ChangegateError
        from change_control.gate import LookupFailure
        from change_control.runctx import resolve_change

        self.set_options(var_options=variables, direct=kwargs)
        settings = {name: self.get_option(name) for name in options.names()}
        variables = variables or {}
        wanted = [str(term) for term in terms] or [
            resolve_change({}, gate_variables(self._templar, variables), os.environ).change_id
        ]
        records = []
        try:
            gatekeeper = services.get_services(settings, display.vvv).gatekeeper
            for change_id in wanted:
                if change_id is None:
                    raise AnsibleLookupError(
                        "changegate.itsm.change: the run names no change (give a term, "
                        "-e changegate_change=... or CHANGEGATE_CHANGE)"
                    )
                found = gatekeeper.lookup(change_id).change
                if isinstance(found, LookupFailure) or found is None:
                    detail = found.detail if found is not None else "no change"
                    raise AnsibleLookupError(f"changegate.itsm.change: {detail}")
                records.append(found.to_dict())
        except ChangegateError as err:
            raise AnsibleLookupError(f"changegate.itsm.change: {err.message}") from None
        return records
