# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the ``changegate.itsm.gate`` action plugin (``plugins/action/gate.py``)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: gate
short_description: Run a module only when an approved change allows it on this host
version_added: 0.1.0
author: changegate maintainers (@changegate)
description:
  - Wraps any module. For every host it asks the change gate whether the run's change allows
    this module on this host now, and then either runs the wrapped module (returning its result
    unchanged, plus a RV(changegate) key) or fails the host with every reason code and sentence.
  - The gate checks the change's state and approvals, its implementation window, the freeze
    calendar (policy file and C(changegate freeze add)), its host and environment scope,
    segregation of duties (requester, approvers, executor), standard-change templates and the
    post-implementation-review deadline of emergency changes, as the policy file says.
  - Read-only modules (the policy's C(gate.modules.read_only) list, e.g. C(ansible.builtin.stat))
    and hosts or environments outside the policy's C(gate) section pass without a change.
  - Check mode is allowed without an approved change and recorded; the RV(changegate.reasons)
    say what a real run would meet.
  - "The run's change is, in this order: extra var C(changegate_change), a play or inventory
    variable C(changegate_change) (Ansible's own precedence), environment variable
    C(CHANGEGATE_CHANGE). The variable may also hold the record set by
    M(changegate.itsm.change) with O(changegate.itsm.change#module:state=assert)."
  - The host's environment is the host variable C(changegate_environment), typically set in
    C(group_vars/production.yml); unset, the environment is unknown, which counts as gated and
    is outside every environment-scoped change.
  - The executor is the AWX/AAP launcher (extra var C(awx_user_name) or C(tower_user_name))
    when present, else the controller user.
  - The change is looked up once per run, and decisions are cached per change, host, module,
    arguments and check mode for the rest of the run.
  - Runs on the controller; needs the C(changegate) Python package in the controller's Python.
options:
  module:
    description:
      - The module to run when the gate allows it, by short name or FQCN.
      - The gate decides on the FQCN Ansible resolves, so C(service) and
        C(ansible.legacy.service) are both judged as C(ansible.builtin.service).
    type: str
    required: true
  args:
    description:
      - The wrapped module's arguments. Standard-change templates check them.
    type: dict
    default: {}
extends_documentation_fragment:
  - action_common_attributes
  - action_common_attributes.conn
  - action_common_attributes.flow
  - changegate.itsm.options.settings
attributes:
  action:
    support: full
  async:
    support: full
    details: Async applies to the wrapped module.
  become:
    support: full
    details: Applies to the wrapped module.
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Allowed without an approved change; recorded; the wrapped module runs in check mode.
  connection:
    support: full
    details: The wrapped module runs over the host's connection; the gate decides on the controller.
  delegation:
    support: full
    details: With C(delegate_to), the gate judges the inventory host the task is for (the host in
      the play), which is the host the change's scope names.
  diff_mode:
    support: full
    details: Whatever the wrapped module supports.
  platform:
    platforms: all
requirements:
  - changegate (pip package) in the controller's Python
notes:
  - Enable the P(changegate.itsm.audit#callback) callback to record every decision in the
    tamper-evident ledger; without it the gate still enforces the policy.
seealso:
  - plugin: changegate.itsm.audit
    plugin_type: callback
  - module: changegate.itsm.change
  - plugin: changegate.itsm.change
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Restart nginx only under an approved change
  changegate.itsm.gate:
    module: ansible.builtin.service
    args:
      name: nginx
      state: restarted

- name: Template a file (the wrapped module's action plugin still runs)
  changegate.itsm.gate:
    module: ansible.builtin.template
    args:
      src: nginx.conf.j2
      dest: /etc/nginx/nginx.conf
      mode: "0644"

# ansible-playbook site.yml -e changegate_change=CHG0000042
"""

RETURN = r"""
changegate:
  description: The gate's decision for this host and task.
  returned: always
  type: dict
  contains:
    allowed:
      description: Whether the task ran.
      type: bool
      sample: false
    gated:
      description: False when the module, host or environment is not change-gated.
      type: bool
      sample: true
    reasons:
      description: Why a task is refused (or, in check mode, what a real run would meet).
      type: list
      elements: dict
      sample: [{"code": "window.outside", "message": "the task at ... is outside change
                CHG0000001's window ..."}]
    obligations:
      description: What an allowed run commits to, such as a post-implementation review.
      type: list
      elements: dict
      sample: [{"code": "emergency.pir_due", "message": "...", "due": "2026-11-24T10:00:00Z"}]
    change_id:
      description: The run's change, or null.
      type: str
      sample: CHG0000001
    module:
      description: The FQCN the gate judged.
      type: str
      sample: ansible.builtin.service
    host:
      description: The inventory host name.
      type: str
      sample: web1
    executor:
      description: Who the gate considered to run the task.
      type: str
      sample: carol
    environment:
      description: The host's C(changegate_environment), or null.
      type: str
      sample: production
    check_mode:
      description: Whether the task ran in check mode.
      type: bool
      sample: false
    cached:
      description: Whether the decision came from the run's cache.
      type: bool
      sample: true
    lookup_cached:
      description: Whether the change record came from the run's cache (the provider was not asked).
      type: bool
      sample: true
msg:
  description: On refusal, every reason code with its sentence; otherwise the wrapped module's.
  returned: failure
  type: str
  sample: "changegate refused ansible.builtin.service on web1 (CHG0000001): [window.outside] ..."
changegate_error_code:
  description: Stable code of a configuration or input error (e.g. C(config.invalid)).
  returned: on error
  type: str
  sample: config.invalid
"""
