"""Canonical form of JSON policy documents (IAM, S3 bucket, KMS key, SQS/SNS policies).

The same policy comes back from AWS and from Terraform in different text: pretty or compact,
keys in another order, ``"Action": "s3:GetObject"`` or ``["s3:GetObject"]``, an account as
``123456789012`` or ``arn:aws:iam::123456789012:root``, statements in any order. IAM treats
all of these as one policy, so comparing the text reports drift nobody made (the most
common false positive driftctl users hit: snyk/driftctl#551, terraform-provider-aws#11801).

The canonical form is the parsed document with:

- ``Version`` set to ``2008-10-17`` when absent (what IAM assumes);
- ``Statement`` always a list, its statements sorted by their canonical JSON;
- ``Action``/``NotAction``/``Resource``/``NotResource`` and every ``Principal``/``NotPrincipal``
  and ``Condition`` value always a sorted list without duplicates (IAM allows a scalar
  wherever a one-element list is allowed, with the same meaning);
- ``Condition`` values as text (IAM compares them as strings: ``true`` == ``"true"``);
- a root principal ARN ``arn:<partition>:iam::<account>:root`` written as the bare account id;
- an empty ``Sid`` dropped.

A document without ``Statement`` (an SNS delivery policy, a filter policy) is only parsed:
dictionaries already compare without key order.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from drift.normalize.rules import prune

DEFAULT_IAM_VERSION = "2008-10-17"
_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")
_ROOT_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):root$")


def parse_document(value: Any) -> Any:
    """``value`` parsed when it is a JSON object or array in text (URL-encoded too), else as is.

    IAM's Get*Policy APIs return URL-encoded text; collectors usually decode it, but a raw
    value must not look like drift either.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    if not text or text[0] not in "{[":
        return value
    try:
        return json.loads(text)
    except ValueError:
        return value


def canonical_policy(value: Any) -> Any:
    """The canonical form of a policy document given as text or as parsed JSON."""
    document = parse_document(value)
    if not isinstance(document, dict) or "Statement" not in document:
        return prune(document) if isinstance(document, dict | list) else document
    out = {key: item for key, item in document.items() if key not in ("Statement", "Version")}
    out["Version"] = document.get("Version") or DEFAULT_IAM_VERSION
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list):
        canonical = [_statement(s) if isinstance(s, dict) else s for s in statements]
        out["Statement"] = sorted(canonical, key=canonical_json)
    else:
        out["Statement"] = statements
    result: dict[str, Any] = prune(out)
    return result


def canonical_json(value: Any) -> str:
    """Deterministic text of a JSON value: the sort key for unordered collections."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _statement(statement: dict[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    if out.get("Sid") == "":
        del out["Sid"]
    for key in _LIST_KEYS:
        if key in out:
            out[key] = _as_sorted_list(out[key])
    for key in _PRINCIPAL_KEYS:
        if key in out:
            out[key] = _principal(out[key])
    if isinstance(out.get("Condition"), dict):
        out["Condition"] = {
            operator: _condition_block(block) for operator, block in out["Condition"].items()
        }
    return out


def _principal(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {kind: _as_sorted_list(_root_to_account(ids)) for kind, ids in value.items()}


def _root_to_account(ids: Any) -> Any:
    if isinstance(ids, str):
        match = _ROOT_ARN.match(ids)
        return match.group(1) if match else ids
    if isinstance(ids, list):
        return [_root_to_account(item) for item in ids]
    return ids


def _condition_block(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    return {key: _as_sorted_list(_as_text(value)) for key, value in block.items()}


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return value


def _as_sorted_list(value: Any) -> Any:
    items = value if isinstance(value, list) else [value]
    if all(isinstance(item, str) for item in items):
        return sorted(set(items))
    return sorted(items, key=canonical_json)


def is_policy_attribute(name: str) -> bool:
    """True for attributes that hold a policy document: ``policy`` and ``*_policy``."""
    return name == "policy" or name.endswith("_policy")


def canonicalize_policies(attributes: dict[str, Any]) -> dict[str, Any]:
    """Replace every policy attribute's JSON text by its canonical parsed form."""
    for key in [k for k in attributes if is_policy_attribute(k)]:
        value = attributes[key]
        if isinstance(value, str | dict):
            canonical = canonical_policy(value)
            if canonical in (None, "", {}, []):
                del attributes[key]
            else:
                attributes[key] = canonical
    return attributes
