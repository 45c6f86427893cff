# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``changegate.itsm.cmdb`` inventory: Ansible hosts from the changegate CMDB.

A thin adapter: it reads its options, calls ``cmdb_sync.inventory.inventory_hosts`` once (or
takes the cached answer), and adds the hosts, their groups and variables, then Ansible's own
``compose``/``groups``/``keyed_groups``. Everything it shows is tested without Ansible in
``tests/unit/cmdb``.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: cmdb
short_description: Hosts from the changegate CMDB, grouped by class, environment and drift
version_added: 0.1.0
author: changegate maintainers (@changegate)
description:
  - Builds an inventory from the configuration items that C(changegate cmdb sync) reconciled
    from Terraform states, live snapshots, drift audits and other inventories.
  - Hosts are the CIs of the chosen classes (C(host) and C(vm_instance) by default) that are not
    retired, optionally only of some environments or with some tags.
  - Every host is put in the groups C(class_<class>), C(env_<environment>) and
    C(drift_<status>) and in every Ansible group it is a member of in the CMDB, and gets the
    host variables C(cmdb_id), C(cmdb_class), C(cmdb_environment), C(cmdb_install_status),
    C(cmdb_drift_status), C(cmdb_drift_findings), C(cmdb_identifiers), C(cmdb_attributes),
    C(cmdb_tags) and, when the CI holds an IP address, C(ansible_host).
  - The inventory file must be named C(*cmdb.yml) or C(*cmdb.yaml) and set the C(plugin) key
    to C(changegate.itsm.cmdb).
  - With the C(cache) option on, the answer is kept in the configured inventory cache, so a
    large CMDB is read once per cache timeout rather than once per run.
options:
  plugin:
    description: The name of this plugin; it must be C(changegate.itsm.cmdb).
    required: true
    type: str
    choices: [changegate.itsm.cmdb]
  db:
    description:
      - URL of the changegate store that holds the CMDB.
      - Defaults to C(sqlite:///$XDG_STATE_HOME/changegate/changegate.db).
    type: str
    env:
      - name: CHANGEGATE_DB
  classes:
    description: CI classes that become hosts.
    type: list
    elements: str
    default: [host, vm_instance]
  environments:
    description: Only CIs of these environments (all when empty).
    type: list
    elements: str
    default: []
  tags:
    description: Only CIs whose C(tags) attribute has every one of these key/value pairs.
    type: dict
    default: {}
  include_retired:
    description: Also list retired CIs (stale ones are always listed).
    type: bool
    default: false
  address_attributes:
    description: CI attributes tried in order for C(ansible_host).
    type: list
    elements: str
    default: [ip_address, private_ip, public_ip]
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - changegate (pip package) in the controller's Python
seealso:
  - name: changegate CMDB
    description: How CIs are reconciled (docs/cmdb.md).
    link: https://github.com/changegate/changegate/blob/main/docs/cmdb.md
"""

EXAMPLES = r"""
# prod.cmdb.yml: every production host and instance, grouped by role tag and drift status
plugin: changegate.itsm.cmdb
db: postgresql+psycopg://changegate@db.example.org/changegate
environments: [prod]
keyed_groups:
  - key: cmdb_tags.Role | default('none')
    prefix: role
groups:
  needs_attention: cmdb_drift_status in ['drifted', 'missing']
compose:
  ansible_user: "'ec2-user' if cmdb_class == 'vm_instance' else 'root'"

---
# web.cmdb.yml: only CIs tagged Role=web, read from the CMDB at most once an hour
plugin: changegate.itsm.cmdb
tags:
  Role: web
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/changegate-inventory
cache_timeout: 3600
"""

from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.changegate.itsm.plugins.plugin_utils import cores


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Hosts from the changegate CMDB."""

    NAME = "changegate.itsm.cmdb"

    def verify_file(self, path: str) -> bool:
        """Only files named ``*cmdb.yml``/``*cmdb.yaml`` are ours."""
        return bool(super().verify_file(path)) and path.endswith(("cmdb.yml", "cmdb.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        """Read the options, fetch (or take from the cache) and add the hosts."""
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if not cores.available():
            raise AnsibleParserError(cores.missing_message())
        key = self.get_cache_key(path)
        use_cache = bool(self.get_option("cache"))
        hosts = None
        if use_cache and cache:
            try:
                hosts = self._cache[key]
            except KeyError:
                hosts = None
        if hosts is None:
            hosts = self._fetch()
            if use_cache:
                self._cache[key] = hosts
        self._populate(hosts)

    def _fetch(self) -> list[dict[str, Any]]:
        from change_control.errors import ChangegateError
        from cmdb_sync.inventory import InventoryQuery, inventory_hosts

        query = InventoryQuery(
            classes=tuple(self.get_option("classes")),
            environments=tuple(self.get_option("environments")),
            tags={str(k): str(v) for k, v in (self.get_option("tags") or {}).items()},
            include_retired=bool(self.get_option("include_retired")),
            address_attributes=tuple(self.get_option("address_attributes")),
        )
        try:
            found = inventory_hosts(self._db_url(), query)
        except ChangegateError as err:
            raise AnsibleParserError(f"changegate.itsm.cmdb: {err.message}") from None
        return [{"name": h.name, "groups": list(h.groups), "vars": h.variables} for h in found]

    def _db_url(self) -> str:
        import os

        from change_control.settings import default_db_url

        return str(self.get_option("db") or default_db_url(os.environ))

    def _populate(self, hosts: list[dict[str, Any]]) -> None:
        strict = bool(self.get_option("strict"))
        for host in hosts:
            name = self.inventory.add_host(host["name"])
            for group in host["groups"]:
                self.inventory.add_group(group)
                self.inventory.add_child(group, name)
            for key, value in host["vars"].items():
                self.inventory.set_variable(name, key, value)
            hostvars = host["vars"]
            self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(
                self.get_option("groups"), hostvars, name, strict=strict
            )
            self._add_host_to_keyed_groups(
                self.get_option("keyed_groups"), hostvars, name, strict=strict
            )
