"""The CMDB's vocabulary: what inputs hand the reconciler, and what a configuration item is.

An input (a Terraform state, a live snapshot, a stored drift audit, an Ansible inventory) is a
named *data source* that yields ``Item`` values, each under a *native key* that is unique and
stable within that source (an ARN, ``type:id``, a machine id, ``host:NAME``). The reconciler
binds every native key to one CI once and for all, so later runs never match again: that
binding, not the Terraform address or the name, is what keeps re-runs from creating duplicates.

Relations are asserted by exactly one item (their *owner*), so a changed item carries every
edge it asserts in its content hash and an unchanged item needs no relation work at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from change_control.store.jsoncodec import canonical_bytes


class DriftStatus(StrEnum):
    """What the newest drift audit said about a CI (``unknown``: no audit covered it)."""

    IN_SYNC = "in_sync"
    DRIFTED = "drifted"
    MISSING = "missing"
    UNMANAGED = "unmanaged"
    UNKNOWN = "unknown"


#: Statuses ``cmdb show --drifted`` lists: everything an auditor would ask about.
OUT_OF_SYNC = frozenset({DriftStatus.DRIFTED, DriftStatus.MISSING, DriftStatus.UNMANAGED})


class InstallStatus(StrEnum):
    """Lifecycle of a CI: seen, not seen lately (``stale``), gone for good (``retired``)."""

    INSTALLED = "installed"
    STALE = "stale"
    RETIRED = "retired"


class RefVia(StrEnum):
    """How a relation's target is found."""

    KEY = "key"
    """A native key of the same data source (Terraform dependencies, modules, groups)."""
    IDENTIFIER = "identifier"
    """An identifier ``kind=value`` of any CI in the CMDB (a host's EC2 instance id)."""
    IP = "ip"
    """An IP address held by a compute CI (a host whose facts name no instance id)."""


class Ref(NamedTuple):
    """One relation an item asserts: ``type`` towards ``target`` found ``via``.

    The owner end (parent or child) is a property of the relation type, see ``relations.py``.
    For ``RefVia.IDENTIFIER`` the target is ``kind=value``. A named tuple, so an item's digest
    encodes its refs without converting them (the digest is what a no-op re-sync costs).
    """

    type: str
    target: str
    via: RefVia = RefVia.KEY


@dataclass(frozen=True)
class DriftInfo:
    """An audit's verdict on one resource: the status and the findings behind it."""

    status: DriftStatus
    finding_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One configuration item as one data source reports it.

    ``identifiers`` are ``(kind, value)`` pairs (``arn``, ``provider_id``, ``machine_id``,
    ``fqdn``, and the aliases ``tf_address`` / ``ansible_host``, which are qualified with the
    source name because two states may both hold ``aws_instance.web``). ``attributes`` are the
    source's own top-level attributes; an absent attribute means "no opinion".
    """

    native_key: str
    ci_class: str
    name: str
    environment: str | None = None
    identifiers: tuple[tuple[str, str], ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[Ref, ...] = ()
    drift: DriftInfo | None = None

    def content_hash(self) -> str:
        """Digest of everything the item says: unchanged digest, nothing to reconcile.

        Kept per (source, native key) in the store, so a re-run compares digests in memory
        and never loads a CI's attributes when its source said the same thing as last time.
        """
        drift = None if self.drift is None else (self.drift.status, self.drift.finding_ids)
        # Sources emit identifiers and refs in a stable order, so they are not sorted again:
        # this runs for every item of every sync, and is most of what a no-op re-sync costs.
        doc = (
            self.ci_class,
            self.name,
            self.environment,
            self.identifiers,
            self.attributes,
            self.refs,
            drift,
        )
        return hashlib.blake2b(canonical_bytes(doc), digest_size=16).hexdigest()


@dataclass(frozen=True)
class InputBatch:
    """Everything one data source produced in one run.

    ``complete`` says the batch is the whole truth for the source (a full state, a snapshot
    without access-denied alerts): only a complete batch may make anything stale or retired.
    ``watermark`` holds cheap change-detection facts (lineage and serial, a digest, an audit
    id); an input whose watermark equals the stored one is skipped without being reconciled.
    """

    source: str
    kind: str
    items: tuple[Item, ...]
    complete: bool = True
    watermark: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CI:
    """A configuration item as the CMDB holds it (what ``cmdb show`` prints)."""

    id: str
    ci_class: str
    name: str
    environment: str | None
    attributes: Mapping[str, Any]
    attribute_sources: Mapping[str, tuple[str, str]]
    """Attribute (or ``ci.name``, ``ci.environment``, ``ci.drift_status``) -> (source, at)."""
    drift_status: DriftStatus
    drift_findings: tuple[str, ...]
    install_status: InstallStatus
    created_by_tool: bool
    first_seen: datetime
    last_seen: datetime
    version: int
    identifiers: tuple[tuple[str, str], ...] = ()
    retired_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``cmdb show --format json``, ``cmdb export --format json``)."""
        from change_control.timeutil import isoformat

        return {
            "id": self.id,
            "class": self.ci_class,
            "name": self.name,
            "environment": self.environment,
            "install_status": str(self.install_status),
            "drift_status": str(self.drift_status),
            "drift_findings": list(self.drift_findings),
            "identifiers": [{"kind": k, "value": v} for k, v in self.identifiers],
            "attributes": dict(self.attributes),
            "attribute_sources": {
                name: {"source": src, "at": at}
                for name, (src, at) in sorted(self.attribute_sources.items())
            },
            "created_by_tool": self.created_by_tool,
            "first_seen": isoformat(self.first_seen),
            "last_seen": isoformat(self.last_seen),
            "retired_at": isoformat(self.retired_at) if self.retired_at else None,
            "version": self.version,
        }


@dataclass(frozen=True)
class Relation:
    """An edge ``parent --type--> child`` and the data sources that assert it."""

    parent_id: str
    child_id: str
    type: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class JournalEntry:
    """One row of a CI's history: who changed what, in which run."""

    ci_id: str
    at: datetime
    source: str
    action: str
    changes: Mapping[str, Any]
    run_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``cmdb history --format json``)."""
        from change_control.timeutil import isoformat

        return {
            "ci_id": self.ci_id,
            "at": isoformat(self.at),
            "source": self.source,
            "action": self.action,
            "changes": dict(self.changes),
            "run_id": self.run_id,
        }
