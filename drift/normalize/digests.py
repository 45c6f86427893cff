"""Digests instead of values for attributes that hold secrets without saying so.

A Lambda function's environment variables are a plain map in the provider's schema, yet they are
where database URLs and API keys end up. The AWS collector never copies their values into a
snapshot: it writes ``sha256:<hex>`` instead, and the normalizer rewrites declared values the
same way, so both views compare digests: a changed variable is still found, and neither a
snapshot nor a report ever holds the value. A value that already is a digest is left alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

DIGEST_PREFIX = "sha256:"
_HEX_LENGTH = 64


def digest(value: str) -> str:
    """``sha256:<hex>`` of ``value``; a value already in that form is returned unchanged."""
    if is_digest(value):
        return value
    return DIGEST_PREFIX + hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_digest(value: str) -> bool:
    """Whether ``value`` is a digest this module wrote."""
    body = value[len(DIGEST_PREFIX) :]
    return (
        value.startswith(DIGEST_PREFIX)
        and len(body) == _HEX_LENGTH
        and all(c in "0123456789abcdef" for c in body)
    )


def digest_lambda_environment(attributes: dict[str, Any]) -> dict[str, Any]:
    """``environment[*].variables`` values replaced by their digests (see module doc)."""
    for block in attributes.get("environment") or ():
        variables = block.get("variables") if isinstance(block, dict) else None
        if isinstance(variables, dict):
            block["variables"] = {k: digest(str(v)) for k, v in variables.items()}
    return attributes
