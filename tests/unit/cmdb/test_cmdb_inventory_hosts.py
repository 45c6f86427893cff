"""CIs as Ansible hosts: names, groups and host variables (the plugin adds only Ansible glue)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cmdb_sync.inventory import InventoryQuery, build_hosts, group_name
from cmdb_sync.model import CI, DriftStatus, InstallStatus

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def ci(
    ci_id: str, name: str, *, env: str | None = "prod", drift: str = "in_sync", **attrs: Any
) -> CI:
    return CI(
        id=ci_id, ci_class="vm_instance", name=name, environment=env, attributes=attrs,
        attribute_sources={}, drift_status=DriftStatus(drift), drift_findings=(),
        install_status=InstallStatus.INSTALLED, created_by_tool=True, first_seen=NOW,
        last_seen=NOW, version=1, identifiers=(("arn", f"arn:{ci_id}"),),
    )  # fmt: skip


def test_hosts_are_grouped_by_class_environment_drift_and_membership() -> None:
    hosts = build_hosts(
        [
            ci("ci-1", "web", private_ip="10.0.0.5", tags={"Role": "web"}),
            ci("ci-2", "db", env=None, drift="drifted"),
        ],
        {"ci-1": ["frontends"]},
        InventoryQuery(),
    )
    by_name = {h.name: h for h in hosts}
    assert by_name["web"].groups == ("class_vm_instance", "drift_in_sync", "env_prod", "frontends")
    assert by_name["db"].groups == ("class_vm_instance", "drift_drifted")
    variables = by_name["web"].variables
    assert variables["ansible_host"] == "10.0.0.5"
    assert variables["cmdb_drift_status"] == "in_sync"
    assert variables["cmdb_tags"] == {"Role": "web"}
    assert variables["cmdb_identifiers"] == {"arn": "arn:ci-1"}
    assert "ansible_host" not in by_name["db"].variables


def test_two_cis_with_one_name_stay_two_hosts() -> None:
    hosts = build_hosts([ci("ci-1", "web"), ci("ci-2", "web")], {}, InventoryQuery())
    assert [h.name for h in hosts] == ["web_ci-1", "web_ci-2"]


def test_group_names_are_made_valid_for_ansible() -> None:
    assert group_name("env_prod-eu.1") == "env_prod_eu_1"
