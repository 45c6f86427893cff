# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Doc fragment ``changegate.itsm.options``: generated from the one options table."""

from __future__ import annotations

from ansible_collections.changegate.itsm.plugins.plugin_utils.options import (
    documentation,
    settings_notes,
)


class ModuleDocFragment:
    """The shared changegate options (store, policy, provider, sinks, spool, fail-closed).

    ``DOCUMENTATION`` (as ``changegate.itsm.options``) declares them as options for the callback
    and the lookup; ``SETTINGS`` (as ``changegate.itsm.options.settings``) lists them as notes
    for the action plugins, which read them from the environment and ``ansible.cfg`` only.
    """

    DOCUMENTATION = documentation()
    SETTINGS = settings_notes()
