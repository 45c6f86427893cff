# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the ``changegate.itsm.change`` action plugin (``plugins/action/change.py``)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: change
short_description: Assert, move or annotate the run's change request from a play
version_added: 0.1.0
author: changegate maintainers (@changegate)
description:
  - O(state=assert) fails the host early unless the run's change would allow a change-gated
    module (O(module)) on it now, the same decision M(changegate.itsm.gate) makes, and sets the
    fact C(changegate_change) to the change record. Put it first in a play with
    C(any_errors_fatal=true) to stop the whole play when any host is refused.
  - O(state=implement), O(state=review) and O(state=closed) move the change along its state
    machine (closing needs O(close_code) and O(close_notes)). A change already in the target
    state is left alone (C(changed=false)).
  - O(note) adds a work note to the change.
  - Writes happen once per run however many hosts run the task; the other hosts report
    C(changed=false). Use C(run_once=true) anyway to keep the output short.
  - The change is the run's change (extra var C(changegate_change), play or inventory variable
    C(changegate_change), environment C(CHANGEGATE_CHANGE)) unless O(change) names one.
  - The actor recorded for transitions and notes is the AWX/AAP launcher when the job says so,
    else the controller user.
options:
  state:
    description:
      - C(assert) checks the change; the others move it to that state.
    type: str
    choices: [assert, implement, review, closed]
  change:
    description: The change id, instead of the run's change.
    type: str
  module:
    description:
      - The module O(state=assert) asks the gate about (a change-gated module, so that
        approvals, window, freezes and scope are all checked).
    type: str
    default: ansible.builtin.command
  note:
    description: Text of a work note to add to the change.
    type: str
  close_code:
    description:
      - Why the change is closed, for example C(successful), C(successful_issues) or
        C(unsuccessful). Required with O(state=closed).
    type: str
  close_notes:
    description: What happened. Required with O(state=closed).
    type: str
extends_documentation_fragment:
  - action_common_attributes
  - action_common_attributes.flow
  - changegate.itsm.options.settings
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Nothing is written; C(changed) says what a real run would do. O(state=assert)
      passes in check mode and warns about what a real run would meet.
  diff_mode:
    support: none
  platform:
    platforms: all
requirements:
  - changegate (pip package) in the controller's Python
seealso:
  - module: changegate.itsm.gate
  - plugin: changegate.itsm.change
    plugin_type: lookup
  - plugin: changegate.itsm.audit
    plugin_type: callback
"""

EXAMPLES = r"""
- name: Patch the web tier under change control
  hosts: web
  any_errors_fatal: true
  tasks:
    - name: Stop here unless the change allows every host
      changegate.itsm.change:
        state: assert

    - name: Mark the change as being implemented
      changegate.itsm.change:
        state: implement
        note: "Started by {{ ansible_play_name }}"
      run_once: true

    - name: Upgrade nginx
      changegate.itsm.gate:
        module: ansible.builtin.package
        args: {name: nginx, state: latest}

    - name: Hand over for review
      changegate.itsm.change:
        state: review
      run_once: true

- name: Close the change after the review
  hosts: localhost
  tasks:
    - name: Close CHG0000042 as successful
      changegate.itsm.change:
        change: CHG0000042
        state: closed
        close_code: successful
        close_notes: Upgraded on all web hosts; no incident.
"""

RETURN = r"""
change:
  description: The change record after the task.
  returned: success, except O(note) alone
  type: dict
  sample: {"id": "CHG0000042", "type": "normal", "state": "implement", "approvals": []}
change_id:
  description: The change the task worked on.
  returned: unless O(state=assert)
  type: str
  sample: CHG0000042
changegate:
  description: With O(state=assert), the gate's decision (see M(changegate.itsm.gate)).
  returned: O(state=assert)
  type: dict
note_added:
  description: Whether this task added the note (false when another host already did).
  returned: when O(note) is given
  type: bool
ansible_facts:
  description: C(changegate_change) set to the change record (O(state=assert)). Extra vars beat
    facts, so when the change was given with C(-e), the variable keeps the id; the returned
    RV(change) and the P(changegate.itsm.change#lookup) lookup always give the record.
  returned: O(state=assert)
  type: dict
msg:
  description: What happened, or every reason the change does not allow the host.
  returned: always
  type: str
changegate_error_code:
  description: Stable code of an error, such as C(change.illegal_transition).
  returned: on error
  type: str
"""
