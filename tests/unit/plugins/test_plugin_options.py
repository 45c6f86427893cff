"""The one options table drives the docs and the option reading of every plugin."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from ansible_collections.changegate.itsm.plugins.plugin_utils import options


def test_every_option_has_a_changegate_environment_variable_and_an_ini_key() -> None:
    for name, entry in options.definitions().items():
        assert entry["env"] == [{"name": f"CHANGEGATE_{name.upper()}"}]
        assert entry["ini"] == [{"section": "changegate", "key": name}]
        assert entry["description"], name


def test_the_doc_fragment_is_the_table_rendered_as_yaml() -> None:
    assert yaml.safe_load(options.documentation()) == {"options": options.definitions()}


def test_the_action_notes_name_every_environment_variable() -> None:
    notes = yaml.safe_load(options.settings_notes())["notes"]
    for option in options.OPTIONS:
        assert any(f"C({option.env})" in note for note in notes), option.name


def test_action_plugins_read_the_environment_through_ansibles_config_manager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHANGEGATE_DB", "sqlite:////tmp/x.db")
    monkeypatch.setenv("CHANGEGATE_SINKS", "store,jsonl")
    monkeypatch.setenv("CHANGEGATE_FAIL_CLOSED", "false")
    read = options.read("action", f"test.{uuid.uuid4().hex}", {})
    assert read["db"] == "sqlite:////tmp/x.db"
    assert read["sinks"] == ["store", "jsonl"]
    assert read["fail_closed"] is False
    assert read["provider"] == "local"


def test_unset_options_take_the_table_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in options.OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    read = options.read("action", f"test.{uuid.uuid4().hex}", None)
    assert read["sinks"] == ["store", "writeback"]
    assert read["fail_closed"] is None and read["db"] is None


def test_the_ansible_page_documents_every_option_and_its_ini_key() -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "ansible.md").read_text()
    for option in options.OPTIONS:
        assert f"`{option.env}`" in page, option.env
        assert f"| `{option.name}` |" in page, option.name
