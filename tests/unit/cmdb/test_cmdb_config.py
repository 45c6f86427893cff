"""Reconciliation settings as data: defaults, YAML over defaults, one-line errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from change_control.errors import ConfigError
from cmdb_sync.config import CmdbConfig, parse_duration
from cmdb_sync.rules import config_from_mapping


def test_the_defaults_identify_by_arn_then_provider_id_and_hosts_by_machine_id() -> None:
    config = CmdbConfig()
    assert config.rules_for("vm_instance") == (("arn",), ("provider_id",))
    assert config.rules_for("host")[0] == ("machine_id",)
    assert config.class_of("aws_instance") == "vm_instance"
    assert config.class_of("terraform_data") == "terraform_data"


def test_live_data_outranks_declared_data_and_an_audit_owns_drift_status() -> None:
    config = CmdbConfig()
    live = config.authority_for("snapshot:x", "snapshot", "vm_instance", "instance_type")
    declared = config.authority_for("tfstate:x", "tfstate", "vm_instance", "instance_type")
    audit = config.authority_for("audit:x", "audit", "vm_instance", "ci.drift_status")
    assert live.priority < declared.priority
    assert audit.priority < live.priority


def test_a_rules_file_replaces_the_sections_it_names() -> None:
    config = config_from_mapping(
        {
            "identification": {"host": [["fqdn"], ["name", "environment"]]},
            "authority": [{"source": "tfstate:*prod*", "priority": 1, "attributes": ["tags"]}],
            "staleness": {"stale_after_runs": 2, "retire_after_runs": 4, "delete_after": "30d"},
            "circuit_breaker": "20%",
            "classes": {"aws_instance": "server"},
        },
        "rules.yml",
    )
    assert config.rules_for("host") == (("fqdn",), ("name", "environment"))
    assert config.rules_for("vm_instance") == (("arn",), ("provider_id",))
    assert config.authority_for("tfstate:/s/prod.tfstate", "tfstate", "x", "tags").priority == 1
    assert config.authority_for("tfstate:/s/dev.tfstate", "tfstate", "x", "tags").priority == 1000
    assert config.staleness.delete_after == timedelta(days=30)
    assert config.circuit_breaker == pytest.approx(0.2)
    assert config.class_of("aws_instance") == "server"
    assert config.class_of("aws_vpc") == "network"
    assert config.digest() != CmdbConfig().digest()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "rules.yml: the rules file must be a mapping"),
        ({"colour": 1}, "rules.yml: unknown key 'colour'"),
        (
            {"identification": {"host": [["serial"]]}},
            "identification.host[0]: unknown identifier 'serial'",
        ),
        ({"identification": {"host": "fqdn"}}, "identification.host: must be a list"),
        ({"authority": [{"priority": 1}]}, "authority[0].source: required"),
        (
            {"authority": [{"source": "x", "priority": "high"}]},
            "authority[0].priority: required, an integer",
        ),
        (
            {"authority": [{"source": "x", "priority": 1, "stale_after": "soon"}]},
            "is not a duration",
        ),
        (
            {"authority": [{"source": "x", "priority": 1, "when": 1}]},
            "authority[0]: unknown key 'when'",
        ),
        (
            {"staleness": {"stale_after_runs": 3, "retire_after_runs": 2}},
            "must be >= stale_after_runs",
        ),
        ({"staleness": {"stale_after_runs": 0}}, "at least 1"),
        ({"circuit_breaker": 2}, "circuit_breaker: give a fraction between 0 and 1"),
        ({"circuit_breaker": "lots%"}, "is not a percentage"),
    ],
)
def test_every_mistake_is_one_line_naming_the_file_and_field(doc: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(doc, "rules.yml")
    assert message in caught.value.message
    assert caught.value.message.startswith("rules.yml")
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        (90, timedelta(seconds=90)),
    ],
)
def test_durations_read_in_days_hours_minutes_seconds_or_weeks(
    text: Any, expected: timedelta
) -> None:
    assert parse_duration(text, "x") == expected
