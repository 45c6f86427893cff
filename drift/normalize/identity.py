"""Identities rebuilt from attributes, for types whose Terraform id a live reader cannot know.

- ``aws_iam_role_policy_attachment``: the provider stores a random prefixed unique id
  (``role-20240101...``); the attachment *is* the pair, so both views use ``ROLE/POLICY_ARN``
  (also the provider's import id).
- ``aws_route53_record``: the id is ``ZONE_NAME_TYPE[_SET]`` with ``NAME`` as the configuration
  spelled it, which may be relative to the zone (``www``) or end with a dot. Both views use the
  record's fully qualified name (lowercase, no trailing dot) for ``name`` and the id, which is
  driftctl's reconciliation (snyk/driftctl pkg/middlewares).

``canonical_id`` returns ``None`` for every other type: its id is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ATTACHMENT = "aws_iam_role_policy_attachment"
RECORD = "aws_route53_record"


def fqdn(name: str) -> str:
    """A DNS name as compared: lowercase, no trailing dot, ``\\052`` written ``*``."""
    return name.rstrip(".").replace("\\052", "*").lower()


def record_id(attributes: Mapping[str, Any]) -> str:
    """``ZONE_FQDN_TYPE`` plus ``_SET`` for a record with a set identifier."""
    name = fqdn(str(attributes.get("fqdn") or attributes.get("name") or ""))
    parts = [str(attributes.get("zone_id", "")), name, str(attributes.get("type", ""))]
    if attributes.get("set_identifier"):
        parts.append(str(attributes["set_identifier"]))
    return "_".join(parts)


def route53_record_normalizer(resource_type: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """``aws_route53_record``: ``name`` is the fully qualified name; records are a set."""
    name = attributes.get("fqdn") or attributes.get("name")
    if isinstance(name, str) and name:
        attributes["name"] = attributes["fqdn"] = fqdn(name)
    records = attributes.get("records")
    if isinstance(records, list):
        attributes["records"] = sorted(records, key=str)
    return attributes


def canonical_id(resource_type: str, attributes: Mapping[str, Any]) -> str | None:
    """The id both views share for ``resource_type``, or ``None`` to keep the given id."""
    if resource_type == ATTACHMENT:
        role, arn = attributes.get("role"), attributes.get("policy_arn")
        return f"{role}/{arn}" if role and arn else None
    if resource_type == RECORD and attributes.get("zone_id") and attributes.get("type"):
        return record_id(attributes)
    return None
