"""Inputs as items: --from parsing, Terraform resources, Ansible inventories and facts, audits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from change_control.errors import InputError, RegistryError
from cmdb_sync.config import CmdbConfig
from cmdb_sync.model import DriftStatus, Ref, RefVia
from cmdb_sync.sources import InputContext, parse_from
from cmdb_sync.sources.ansible import AnsibleInput
from cmdb_sync.sources.audit import FindingRow, _statuses
from cmdb_sync.sources.inventory import expand_range, parse_inventory
from cmdb_sync.sources.resources import config_address, module_chain, resource_items
from drift.model import Resource, View


@pytest.mark.parametrize(
    ("text", "kind", "ref", "options"),
    [
        ("tfstate=states/prod.tfstate", "tfstate", "states/prod.tfstate", {}),
        ("TFSTATE=s3://b/k", "tfstate", "s3://b/k", {}),
        ("snapshot=live.json,name=aws-prod", "snapshot", "live.json", {"name": "aws-prod"}),
        ("audit=latest", "audit", "latest", {}),
        (
            "ansible=inventory.ini,facts=/tmp/facts",
            "ansible",
            "inventory.ini",
            {"facts": "/tmp/facts"},
        ),
        (
            "ansible=a,b.ini,env=prod,complete=no",
            "ansible",
            "a,b.ini",
            {"env": "prod", "complete": "no"},
        ),
    ],
)
def test_from_values_split_into_kind_ref_and_options(
    text: str, kind: str, ref: str, options: dict[str, str]
) -> None:
    spec = parse_from(text)
    assert (spec.kind, spec.ref, dict(spec.options)) == (kind, ref, options)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (
            "states/prod.tfstate",
            InputError,
            "expected KIND=REF (kinds: ansible, audit, snapshot, tfstate)",
        ),
        ("terraform=x", RegistryError, "unknown cmdb input kind 'terraform'"),
        ("tfstate=", InputError, "missing REF (for example tfstate=states/prod.tfstate)"),
        ("tfstate=x,facts=/tmp", InputError, "unknown option 'facts' for tfstate"),
        ("snapshot=x,name=", InputError, "option name has no value"),
    ],
)
def test_a_bad_from_value_is_one_line_naming_it(
    text: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        parse_from(text)
    assert message in str(caught.value)


def test_complete_takes_yes_or_no_only() -> None:
    assert parse_from("audit=latest,complete=no").complete() is False
    with pytest.raises(InputError, match="complete='maybe'"):
        parse_from("audit=latest,complete=maybe").complete()


@pytest.mark.parametrize(
    ("address", "config"),
    [
        ("aws_instance.web[0]", "aws_instance.web"),
        ('module.a["x"].module.b[2].aws_instance.web["k]"]', "module.a.module.b.aws_instance.web"),
        ("aws_vpc.main", "aws_vpc.main"),
    ],
)
def test_instance_addresses_map_to_configuration_addresses(address: str, config: str) -> None:
    assert config_address(address) == config


def test_each_module_level_is_its_own_ci() -> None:
    assert module_chain('module.a["x"].module.b') == ['module.a["x"]', 'module.a["x"].module.b']


def res(
    address: str, rid: str, *deps: str, module: str | None = None, **attributes: Any
) -> Resource:
    rtype = address.split(".")[-2] if "." in address else "terraform_data"
    return Resource(
        type=rtype, id=rid, attributes={"id": rid, **attributes}, view=View.DECLARED,
        address=address, module=module, dependencies=deps,
    )  # fmt: skip


def test_state_resources_become_items_with_dependencies_modules_and_no_secrets() -> None:
    vpc = "module.net.aws_vpc.main"
    resources = [
        res(vpc, "vpc-1", module="module.net", arn="arn:aws:ec2:r:1:vpc/vpc-1"),
        res("aws_instance.web[0]", "i-1", vpc, tags={"Name": "web-0", "env": "prod"},
            password="hunter2"),
        res("aws_instance.web[1]", "i-2", vpc, "data.aws_ami.x"),
    ]  # fmt: skip
    items = {i.native_key: i for i in resource_items(resources, "tfstate:p", CmdbConfig(), "dev")}
    assert sorted(items) == [
        "arn:aws:ec2:r:1:vpc/vpc-1",
        "aws_instance:i-1",
        "aws_instance:i-2",
        "module:module.net",
    ]
    web0 = items["aws_instance:i-1"]
    assert (web0.ci_class, web0.name, web0.environment) == ("vm_instance", "web-0", "prod")
    assert "password" not in web0.attributes
    assert ("tf_address", "tfstate:p|aws_instance.web[0]") in web0.identifiers
    assert ("provider_id", "aws_instance:i-1") in web0.identifiers
    assert web0.refs == (Ref("depends_on", "arn:aws:ec2:r:1:vpc/vpc-1"),)
    assert items["aws_instance:i-2"].environment == "dev"
    assert items["arn:aws:ec2:r:1:vpc/vpc-1"].refs == (Ref("contains", "module:module.net"),)
    assert items["module:module.net"].ci_class == "terraform_module"


INI = """
# comment
bastion ansible_host=10.0.0.1

[web]
web[01:02].example.org ansible_user=deploy

[db]
db-[a:b]

[prod:children]
web
db

[prod:vars]
environment=prod
ansible_password=secret
"""

YAML = """
all:
  vars:
    environment: dev
  children:
    web:
      hosts:
        web1:
          ansible_host: 10.1.0.1
    app:
      children:
        web:
"""

LIST_JSON = """{"_meta": {"hostvars": {"web1": {"ansible_host": "10.2.0.1"}}},
 "all": {"children": ["ungrouped", "web"]}, "web": {"hosts": ["web1"], "vars": {"tier": 1}}}"""


def test_ini_inventories_expand_ranges_and_inherit_group_variables() -> None:
    inventory = parse_inventory(INI, "inv.ini")
    assert sorted(inventory.hosts) == [
        "bastion",
        "db-a",
        "db-b",
        "web01.example.org",
        "web02.example.org",
    ]
    assert inventory.groups_of("web01.example.org") == ["web"]
    assert inventory.ancestors("db-a") == ["db", "prod"]
    assert inventory.effective_vars("web02.example.org")["environment"] == "prod"
    assert inventory.groups_of("bastion") == []


def test_yaml_and_list_json_inventories_read_alike() -> None:
    yaml_inventory = parse_inventory(YAML, "inv.yml")
    assert yaml_inventory.parents_of("web") == ["app"]
    assert yaml_inventory.effective_vars("web1") == {
        "environment": "dev",
        "ansible_host": "10.1.0.1",
    }
    listed = parse_inventory(LIST_JSON, "inv.json")
    assert listed.groups_of("web1") == ["web"]
    assert listed.effective_vars("web1")["tier"] == 1


@pytest.mark.parametrize(
    ("pattern", "hosts"), [("h[1:3:2]", ["h1", "h3"]), ("n[a:c]x", ["nax", "nbx", "ncx"])]
)
def test_host_ranges_expand_like_ansibles(pattern: str, hosts: list[str]) -> None:
    assert list(expand_range(pattern, "x")) == hosts


def test_a_bad_inventory_line_names_the_file_and_line() -> None:
    with pytest.raises(InputError, match=r"inv.ini:3: expected KEY=VALUE after the host name"):
        parse_inventory("[web]\n\nweb1 oops\n", "inv.ini")


def test_hosts_get_identity_from_facts_groups_and_the_instance_they_run_on() -> None:
    inventory = parse_inventory(INI, "inv.ini")
    source = AnsibleInput(
        Path("inv.ini"),
        None,
        parse_from("ansible=inv.ini"),
        InputContext(CmdbConfig()),
        "ansible:inv",
    )
    facts = {
        "ansible_machine_id": "m-1", "ansible_product_uuid": "NA",
        "ansible_fqdn": "web01.example.org",
        "ansible_default_ipv4": {"address": "10.0.0.7"}, "ansible_ec2_instance_id": "i-7",
        "ansible_distribution": "Debian",
    }  # fmt: skip
    host = source._host(inventory, "web01.example.org", facts)
    assert host.native_key == "machine:m-1"
    assert ("machine_id", "m-1") in host.identifiers
    assert ("fqdn", "web01.example.org") in host.identifiers
    assert not any(kind == "product_uuid" for kind, _ in host.identifiers)
    assert host.environment == "prod"
    assert host.attributes["distribution"] == "Debian"
    assert host.attributes["vars"] == {"ansible_user": "deploy"}
    assert Ref("member_of", "group:web") in host.refs
    assert Ref("runs_on", "provider_id=aws_instance:i-7", RefVia.IDENTIFIER) in host.refs
    bare = source._host(inventory, "bastion", {})
    assert bare.native_key == "host:bastion"
    assert Ref("runs_on", "10.0.0.1", RefVia.IP) in bare.refs
    group = source._group(inventory, "web")
    assert group.refs == (Ref("member_of", "group:prod"),)
    assert "ansible_password" not in source._group(inventory, "prod").attributes.get("vars", {})


def test_findings_set_the_worst_drift_status_per_resource() -> None:
    rows = [
        FindingRow("f1", "changed", "aws_alb", "arn:lb", None),
        FindingRow("f2", "missing", "aws_lb", "arn:lb", None),
        FindingRow("f3", "unmanaged", "aws_s3_bucket", "logs", None),
        FindingRow("f4", "baseline_violation", "aws_s3_bucket", "data", None),
    ]
    status = _statuses(rows)
    assert status["aws_lb:arn:lb"].status is DriftStatus.MISSING
    assert status["aws_lb:arn:lb"].finding_ids == ("f1", "f2")
    assert status["aws_s3_bucket:logs"].status is DriftStatus.UNMANAGED
    assert status["aws_s3_bucket:data"].status is DriftStatus.DRIFTED
