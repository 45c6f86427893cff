"""``--from ansible=INVENTORY[,facts=DIR]``: hosts and groups from Ansible, facts optional.

Every host becomes a ``host`` CI and every group an ``ansible_group`` CI that the host is
``member_of`` (a child group is a member of its parent). With a fact cache directory (the
``jsonfile`` cache plugin's files, or ``ansible -m setup --tree DIR`` output), a host also
gets its machine id, product UUID and FQDN as identifiers, a few facts as attributes, and a
``runs_on`` edge to the EC2 instance its facts name (``ansible_ec2_instance_id``), else to the
compute CI holding its IP address. The native key is the machine id when the facts give one, so
renaming a host in the inventory keeps its CI; without facts it is the inventory name.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from change_control.errors import InputError
from cmdb_sync.model import InputBatch, Item, Ref, RefVia
from cmdb_sync.sources.base import InputContext, InputSpec, file_digest, inputs, local_path
from cmdb_sync.sources.inventory import IMPLICIT_GROUPS, Inventory, parse_inventory

HOST_CLASS = "host"
GROUP_CLASS = "ansible_group"
#: Facts copied into a host's attributes (fact name without ``ansible_`` -> attribute).
FACT_ATTRIBUTES = {
    "distribution": "distribution",
    "distribution_version": "distribution_version",
    "os_family": "os_family",
    "kernel": "kernel",
    "architecture": "architecture",
    "processor_vcpus": "vcpus",
    "memtotal_mb": "memtotal_mb",
    "virtualization_type": "virtualization_type",
    "fqdn": "fqdn",
    "machine_id": "machine_id",
}
_ENV_VARS = ("environment", "env", "changegate_environment")


@dataclass(frozen=True)
class AnsibleInput:
    """One inventory file plus, optionally, a fact cache directory."""

    inventory: Path
    facts: Path | None
    spec: InputSpec
    context: InputContext
    name: str
    kind: str = "ansible"

    def peek(self) -> Mapping[str, Any] | None:
        """Digest of the inventory and of every fact file (name and content)."""
        digest = hashlib.sha256()
        inventory_digest = file_digest(self.inventory)
        if inventory_digest is None:
            return None
        digest.update(inventory_digest.encode())
        for path in self._fact_files():
            digest.update(path.name.encode() + b"\0" + (file_digest(path) or "").encode())
        return {"sha256": digest.hexdigest()}

    def load(self) -> InputBatch:
        """Parse the inventory and the facts into host and group items."""
        origin = str(self.inventory)
        try:
            text = self.inventory.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{origin}: no such inventory file") from None
        except IsADirectoryError:
            raise InputError(f"{origin}: is a directory (give one inventory file)") from None
        except OSError as exc:
            raise InputError(f"{origin}: cannot read ({exc.strerror})") from None
        inventory = parse_inventory(text, origin)
        facts = self._facts()
        items = [
            self._host(inventory, host, facts.get(host, {})) for host in sorted(inventory.hosts)
        ]
        items += [
            self._group(inventory, g) for g in sorted(inventory.groups) if g not in IMPLICIT_GROUPS
        ]
        return InputBatch(
            source=self.name,
            kind=self.kind,
            items=tuple(items),
            complete=self.spec.complete(),
            watermark=self.peek() or {},
        )

    def _fact_files(self) -> list[Path]:
        if self.facts is None:
            return []
        if not self.facts.is_dir():
            raise InputError(f"{self.facts}: facts= must name a fact cache directory")
        return sorted(p for p in self.facts.iterdir() if p.is_file() and not p.name.startswith("."))

    def _facts(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for path in self._fact_files():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                raise InputError(f"{path}: not a JSON fact file") from None
            if isinstance(doc, dict):
                facts = doc.get("ansible_facts", doc)
                out[path.name.removesuffix(".json")] = facts if isinstance(facts, dict) else {}
        return out

    def _host(self, inventory: Inventory, host: str, facts: Mapping[str, Any]) -> Item:
        variables = inventory.effective_vars(host)
        own = _public(inventory.hosts[host])
        machine_id = _fact(facts, "machine_id")
        identifiers = [("ansible_host", f"{self.name}|{host}")]
        for kind, fact in (("machine_id", "machine_id"), ("product_uuid", "product_uuid")):
            value = _fact(facts, fact)
            if value and value.upper() not in {"NA", "N/A"}:
                identifiers.append((kind, value))
        fqdn = _fact(facts, "fqdn")
        if fqdn and "." in fqdn:
            identifiers.append(("fqdn", fqdn.lower()))
        attributes: dict[str, Any] = {
            attr: facts.get(f"ansible_{fact}", facts.get(fact))
            for fact, attr in FACT_ATTRIBUTES.items()
            if facts.get(f"ansible_{fact}", facts.get(fact)) is not None
        }
        address = _address(variables, facts)
        if address:
            attributes["ip_address"] = address
        if own:
            attributes["vars"] = own
        refs = [Ref("member_of", f"group:{g}") for g in inventory.groups_of(host)]
        refs += _runs_on(variables, facts, address)
        return Item(
            native_key=f"machine:{machine_id}" if machine_id else f"host:{host}",
            ci_class=HOST_CLASS,
            name=host,
            environment=_environment(variables, self.spec.option("env")),
            identifiers=tuple(identifiers),
            attributes=attributes,
            refs=tuple(refs),
        )

    def _group(self, inventory: Inventory, name: str) -> Item:
        group = inventory.groups[name]
        variables = _public(group.vars)
        return Item(
            native_key=f"group:{name}",
            ci_class=GROUP_CLASS,
            name=name,
            environment=_environment(group.vars, self.spec.option("env")),
            identifiers=(("ansible_group", f"{self.name}|{name}"),),
            attributes={"vars": variables} if variables else {},
            refs=tuple(Ref("member_of", f"group:{p}") for p in inventory.parents_of(name)),
        )


def _fact(facts: Mapping[str, Any], name: str) -> str | None:
    value = facts.get(f"ansible_{name}", facts.get(name))
    return str(value) if isinstance(value, str | int) and str(value) else None


def _public(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Variables without secrets (``ansible_password``, ``*_token``...): the CMDB keeps none."""
    from drift.normalize import is_secret_name

    return {k: v for k, v in sorted(variables.items()) if not is_secret_name(k) and "pass" not in k}


def _environment(variables: Mapping[str, Any], default: str | None) -> str | None:
    for key in _ENV_VARS:
        value = variables.get(key)
        if isinstance(value, str) and value:
            return value
    return default


def _address(variables: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
    default = facts.get("ansible_default_ipv4") or facts.get("default_ipv4")
    if isinstance(default, Mapping) and isinstance(default.get("address"), str):
        return str(default["address"])
    target = variables.get("ansible_host")
    if isinstance(target, str):
        try:
            return str(ipaddress.ip_address(target))
        except ValueError:
            return None
    return None


def _runs_on(
    variables: Mapping[str, Any], facts: Mapping[str, Any], address: str | None
) -> list[Ref]:
    instance = facts.get("ansible_ec2_instance_id") or variables.get("ec2_instance_id")
    if isinstance(instance, str) and instance:
        return [Ref("runs_on", f"provider_id=aws_instance:{instance}", RefVia.IDENTIFIER)]
    if address:
        return [Ref("runs_on", address, RefVia.IP)]
    return []


@inputs.register(
    "ansible",
    help="an Ansible inventory (INI, YAML, or `ansible-inventory --list` JSON for dynamic "
    "ones), with facts=DIR for a fact cache directory",
    example="ansible=inventory.ini,facts=/tmp/facts",
)
def _ansible(spec: InputSpec, context: InputContext) -> list[AnsibleInput]:
    named = spec.option("name")
    facts = spec.option("facts")
    name = f"ansible:{named}" if named else f"ansible:{local_path(spec.ref)}"
    return [AnsibleInput(Path(spec.ref), Path(facts) if facts else None, spec, context, name)]
