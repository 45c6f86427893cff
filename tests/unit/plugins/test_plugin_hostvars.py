"""Only the few variables the gate needs are read from Ansible, templated, as plain values."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from ansible_collections.changegate.itsm.plugins.plugin_utils import hostvars

from change_control.errors import InputError


class Templar:
    """Renders ``{{ ticket }}`` from a fixed mapping, like Ansible's templar would."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def template(self, value: Any) -> Any:
        if value == "{{ undefined }}":
            from ansible.errors import AnsibleError

            raise AnsibleError("'undefined' is undefined")
        if isinstance(value, str) and value.startswith("{{"):
            return self.values[value.strip("{} ")]
        return value


def manager(extra: dict[str, Any]) -> Any:
    return SimpleNamespace(extra_vars=extra)


def test_only_the_change_and_environment_variables_are_read_and_templated() -> None:
    variables = {
        "changegate_change": "{{ ticket }}",
        "changegate_environment": "production",
        "db_password": "never read",
    }
    read = hostvars.gate_variables(Templar({"ticket": "CHG7"}), variables)
    assert read == {"changegate_change": "CHG7", "changegate_environment": "production"}


def test_a_change_variable_that_cannot_be_templated_is_a_one_line_input_error() -> None:
    with pytest.raises(InputError, match="changegate_change: cannot be templated"):
        hostvars.gate_variables(Templar({}), {"changegate_change": "{{ undefined }}"})


def test_extra_vars_yield_only_the_change_launcher_and_job_id() -> None:
    extra = {"awx_user_name": "dana", "awx_job_id": 7, "db_password": "x", "changegate_change": "C"}
    task = SimpleNamespace(get_variable_manager=lambda: manager(extra))
    assert hostvars.extra_vars_of(task) == {
        "awx_user_name": "dana",
        "awx_job_id": 7,
        "changegate_change": "C",
    }
    assert hostvars.extra_vars_of(None) == {}


def test_the_ledger_gets_extra_var_names_and_masks_their_values_except_identifiers() -> None:
    extra = {"db_password": "Sup3r", "changegate_change": "CHG1", "tower_user_name": "erin"}
    assert hostvars.extra_var_names(manager(extra)) == [
        "changegate_change",
        "db_password",
        "tower_user_name",
    ]
    assert hostvars.extra_var_secrets(manager(extra)) == ["Sup3r"]


def test_tagged_strings_and_containers_become_builtin_types() -> None:
    class Tagged(str):
        pass

    value = hostvars.plain({"k": [Tagged("v"), (1, Tagged("w"))]})
    assert value == {"k": ["v", [1, "w"]]}
    assert type(value["k"][0]) is str
