"""A plan rendered as ServiceNow's identifyreconcile payload (pure: no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cmdb_sync.backends import CiRef, backends, ire_payload
from cmdb_sync.plan import DELETE, INSERT, CiWrite, EdgeWrite, Plan

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def write(
    ci_id: str, ci_class: str, name: str, *, new: bool = True, **attributes: object
) -> CiWrite:
    values = {"name": name, "attributes": attributes, "install_status": "installed"}
    return CiWrite(ci_id, ci_class, name, new, 0 if new else 3, values)


def plan() -> Plan:
    result = Plan("R1", NOW)
    result.cis = [
        write("ci-web", "vm_instance", "web-1", private_ip="10.0.0.5"),
        write("ci-host", "host", "web-1.example.org", new=False, fqdn="web-1.example.org"),
    ]
    result.edges = [
        EdgeWrite(INSERT, None, "ci-web", "ci-db", "depends_on", ("tfstate:p",), 1),
        EdgeWrite(INSERT, None, "ci-host", "ci-grp", "member_of", ("ansible:i",), 1),
        EdgeWrite(DELETE, 7, "ci-web", "ci-old", "depends_on", (), 2),
    ]
    return result


KNOWN = {
    "ci-web": CiRef(
        "vm_instance",
        "web-1",
        (("arn", "arn:aws:ec2:r:1:instance/i-1"), ("provider_id", "aws_instance:i-1")),
    ),
    "ci-db": CiRef(
        "database", "db", (("provider_id", "aws_db_instance:db-1"),), install_status="retired"
    ),
    "ci-host": CiRef(
        "host", "web-1.example.org", (("machine_id", "m-1"), ("fqdn", "web-1.example.org"))
    ),
    "ci-grp": CiRef("ansible_group", "web"),
}


def test_changed_cis_and_edge_ends_become_items_referenced_by_index() -> None:
    payload = ire_payload(plan(), KNOWN)
    classes = [(i["internal_id"], i["className"]) for i in payload["items"]]
    assert classes == [
        ("ci-web", "cmdb_ci_vm_instance"),
        ("ci-host", "cmdb_ci_server"),
        ("ci-db", "cmdb_ci_cloud_database"),
        ("ci-grp", "cmdb_ci"),
    ]
    assert payload["relations"] == [
        {"parent": 0, "child": 2, "type": "Depends on::Used by"},
        # ServiceNow's "Members::Member of" has the group as parent.
        {"parent": 3, "child": 1, "type": "Members::Member of"},
    ]
    assert payload["relations_removed"] == [
        {"parent": "ci-web", "child": "ci-old", "type": "Depends on::Used by"}
    ]


def test_items_carry_what_ire_identifies_by() -> None:
    web, host, db, _ = ire_payload(plan(), KNOWN)["items"]
    assert web["values"] == {
        "name": "web-1", "object_id": "i-1", "ip_address": "10.0.0.5",
        "install_status": "1", "operational_status": "1",
    }  # fmt: skip
    assert web["sys_object_source_info"] == {
        "source_name": "changegate", "source_native_key": "arn:aws:ec2:r:1:instance/i-1",
    }  # fmt: skip
    assert host["lookup"] == [
        {"className": "cmdb_serial_number",
         "values": {"serial_number": "m-1", "serial_number_type": "uuid", "valid": "true"}}
    ]  # fmt: skip
    assert host["values"]["fqdn"] == "web-1.example.org"
    assert (db["values"]["install_status"], db["values"]["operational_status"]) == ("7", "6")


def test_the_same_plan_always_renders_the_same_payload() -> None:
    assert ire_payload(plan(), KNOWN) == ire_payload(plan(), KNOWN)


def test_an_edge_end_nobody_described_is_a_bug_not_a_guess() -> None:
    with pytest.raises(KeyError, match="ci-db"):
        ire_payload(plan(), {k: v for k, v in KNOWN.items() if k != "ci-db"})


def test_the_sql_backend_is_registered() -> None:
    assert backends.names() == ["sql"]
