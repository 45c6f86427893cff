"""Shape helpers shared by the collectors: AWS response pieces to provider attribute shapes.

The Terraform AWS provider writes tags as a map without the ``aws:`` system tags, nested
configuration as a list of one block, JSON policy documents as strings, and absent values as
``null``/``""`` (pruned by the normalizer, so collectors may leave them out or set ``None``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from drift.normalize.identity import fqdn


def tag_map(
    tags: Iterable[Mapping[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` as ``{k: v}``, without AWS's own ``aws:`` tags.

    The provider ignores ``aws:``-prefixed tags (CloudFormation, Auto Scaling, ...): they are
    not user configuration and can never be declared.
    """
    out: dict[str, str] = {}
    for tag in tags or ():
        name = str(tag.get(key, ""))
        if name and not name.startswith("aws:"):
            out[name] = str(tag.get(value, ""))
    return out


def tagged(attributes: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    """``attributes`` with ``tags`` and ``tags_all`` (the provider stores both)."""
    attributes["tags"] = tags
    attributes["tags_all"] = dict(tags)
    return attributes


def policy_text(document: Any) -> str | None:
    """A policy document as the provider stores it: JSON text (boto3 may hand back a dict)."""
    if document is None or document == "":
        return None
    if isinstance(document, str):
        return document
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def block(values: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A nested ``MaxItems: 1`` block: ``[values]``, or ``[]`` when there is nothing in it."""
    if not values:
        return []
    kept = {k: v for k, v in values.items() if v is not None}
    return [kept] if kept else []


def timestamp(value: Any) -> str | None:
    """An RFC 3339 timestamp as the provider writes it (``2026-11-22T10:00:00Z``)."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value) if value else None


def strip_dot(name: str) -> str:
    """A DNS name as the provider's ``fqdn``: lowercase, no trailing dot, ``*`` unescaped."""
    return fqdn(name)
