"""Ansible inputs and the ``changegate.itsm.cmdb`` inventory plugin, with the real Ansible.

An inventory plus a fact cache directory become host and group CIs, a host ``runs_on`` the EC2
instance a snapshot brought in (by instance id, or by IP), and the plugin feeds a real
``ansible-inventory --graph`` and ``ansible-playbook --list-hosts`` from that CMDB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from change_control.store.engine import Store
from change_control.store.schema import ci_relations, cis
from tests.integration.cmdb.cmdb_support import T0, days, run_sync, write_snapshot

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

INVENTORY = """
[web]
web1 ansible_host=10.0.0.11
web2 ansible_host=10.0.0.12

[db]
db1 ansible_host=10.0.0.21 ansible_password=canary-inventory-password

[prod:children]
web
db

[prod:vars]
environment=prod
"""


def write_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(INVENTORY, encoding="utf-8")
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "web1").write_text(json.dumps({
        "ansible_machine_id": "mid-web1", "ansible_fqdn": "web1.example.org",
        "ansible_default_ipv4": {"address": "10.0.0.11"}, "ansible_ec2_instance_id": "i-web1",
        "ansible_distribution": "Debian", "ansible_distribution_version": "12",
    }))  # fmt: skip
    (facts / "web2").write_text(json.dumps({"ansible_facts": {"ansible_machine_id": "mid-web2"}}))
    snapshot = write_snapshot(
        tmp_path / "live.json",
        [
            (
                "aws_instance",
                "i-web1",
                {"id": "i-web1", "private_ip": "10.0.0.11", "tags": {"Role": "web"}},
            ),
            (
                "aws_instance",
                "i-web2",
                {"id": "i-web2", "private_ip": "10.0.0.12", "tags": {"Role": "web"}},
            ),
            (
                "aws_instance",
                "i-db1",
                {"id": "i-db1", "private_ip": "10.0.0.21", "tags": {"Role": "db"}},
            ),
        ],
    )
    return inventory, facts, snapshot


def relations(store: Store) -> set[tuple[str, str, str]]:
    with store.read() as conn:
        names = dict(conn.execute(select(cis.c.id, cis.c.name)).all())
        return {
            (names[r.parent_id], r.type, names[r.child_id])
            for r in conn.execute(select(ci_relations))
        }


def test_hosts_groups_and_runs_on_come_from_inventory_facts_and_snapshot(
    store: Store, tmp_path: Path
) -> None:
    inventory, facts, snapshot = write_inputs(tmp_path)
    report = run_sync(store, f"ansible={inventory},facts={facts}", f"snapshot={snapshot}")
    assert report.summary()["errors"] == []
    found = relations(store)
    assert ("web1", "runs_on", "i-web1") in found  # by the instance id in its facts
    assert ("web2", "runs_on", "i-web2") in found  # by IP, found after the snapshot's CIs
    assert ("db1", "runs_on", "i-db1") in found
    assert {("web1", "member_of", "web"), ("web", "member_of", "prod")} <= found
    with store.read() as conn:
        rows = {r.name: r for r in conn.execute(select(cis))}
    assert rows["web1"].environment == "prod"
    assert rows["web1"].attributes["distribution"] == "Debian"
    assert "canary-inventory-password" not in json.dumps(rows["db1"].attributes)

    with_facts_later = run_sync(store, f"ansible={inventory},facts={facts}", now=T0 + days(0.1))
    assert with_facts_later.writes == 0


def ansible_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections"),
        "ANSIBLE_INVENTORY_ENABLED": "changegate.itsm.cmdb",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "CHANGEGATE_DB": db_url,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


@pytest.mark.ansible
def test_the_inventory_plugin_feeds_real_ansible_inventory_and_playbook(
    store_url: str, store: Store, tmp_path: Path
) -> None:
    inventory, facts, snapshot = write_inputs(tmp_path)
    run_sync(store, f"ansible={inventory},facts={facts}", f"snapshot={snapshot}")
    source = tmp_path / "prod.cmdb.yml"
    source.write_text(
        "plugin: changegate.itsm.cmdb\n"
        "classes: [host, vm_instance]\n"
        "keyed_groups:\n"
        "  - key: cmdb_tags.Role | default('none')\n"
        "    prefix: role\n"
        "groups:\n"
        "  debian: cmdb_attributes.distribution | default('') == 'Debian'\n",
        encoding="utf-8",
    )
    env = ansible_env(store_url, tmp_path)
    graph = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source), "--graph", "--vars"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert graph.returncode == 0, graph.stderr
    for line in (
        "@class_host:",
        "@class_vm_instance:",
        "@env_prod:",
        "@web:",
        "@role_web:",
        "@debian:",
    ):
        assert line in graph.stdout
    assert "{ansible_host = 10.0.0.11}" in graph.stdout
    assert "{cmdb_drift_status = unknown}" in graph.stdout

    playbook = tmp_path / "site.yml"
    playbook.write_text(
        "- hosts: role_web:&class_vm_instance\n  gather_facts: false\n  tasks: []\n"
    )
    hosts = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(source), str(playbook), "--list-hosts"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert hosts.returncode == 0, hosts.stderr
    assert "hosts (2):" in hosts.stdout
    assert "i-web1" in hosts.stdout and "i-web2" in hosts.stdout


@pytest.mark.ansible
def test_the_inventory_plugin_answers_from_its_cache_until_flushed(
    sqlite_url: str, tmp_path: Path
) -> None:
    from change_control.store.engine import open_store

    store = open_store(sqlite_url)
    try:
        inventory, facts, _ = write_inputs(tmp_path)
        run_sync(store, f"ansible={inventory},facts={facts}")
    finally:
        store.dispose()
    source = tmp_path / "cached.cmdb.yml"
    source.write_text(
        "plugin: changegate.itsm.cmdb\n"
        "cache: true\n"
        "cache_plugin: ansible.builtin.jsonfile\n"
        f"cache_connection: {tmp_path / 'inventory-cache'}\n"
        "cache_timeout: 3600\n",
        encoding="utf-8",
    )

    def graph(db_url: str, *extra: str) -> str:
        done = subprocess.run(
            [str(BIN / "ansible-inventory"), "-i", str(source), "--graph", *extra],
            capture_output=True, text=True, env=ansible_env(db_url, tmp_path), cwd=tmp_path,
            timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "web1" in graph(sqlite_url)
    empty = f"sqlite:///{tmp_path / 'empty' / 'changegate.db'}"
    assert "web1" in graph(empty)  # the CMDB was not read again
    assert "web1" not in graph(empty, "--flush-cache")
