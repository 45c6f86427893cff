"""Reading bytes and JSON documents with one-line errors, and telling document kinds apart.

Every source (file, S3, ``terraform state pull``) ends in the same two steps: decode JSON and
recognise what was decoded. Keeping them here means the messages users see ("invalid JSON at
line 3, column 5", "unsupported state version 3") are identical whatever the transport.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from change_control.errors import InputError
from drift.sources import tfshow, tfstate
from drift.sources.base import INVALID_JSON, NOT_A_STATE, NOT_FOUND, SourceResult


def read_bytes(path: Path, origin: str, *, hint: str = "") -> bytes:
    """The file's content, or an ``InputError`` naming ``origin`` and what is wrong."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{origin}: no such file", NOT_FOUND) from None
    except IsADirectoryError:
        raise InputError(f"{origin}: is a directory{hint}", NOT_FOUND) from None
    except PermissionError:
        raise InputError(f"{origin}: permission denied", NOT_FOUND) from None
    except OSError as exc:
        raise InputError(f"{origin}: cannot read ({exc.strerror})", NOT_FOUND) from None


def decode_json(data: bytes | str, origin: str) -> Any:
    """Parse JSON; errors give line and column, never the document's text (it may hold secrets)."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{origin}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            INVALID_JSON,
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"{origin}: invalid JSON: not UTF-8 text", INVALID_JSON) from None


def sha256(data: bytes | str) -> str:
    """Content digest for cheap "has this state changed since the last audit" checks."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def is_plan(doc: Mapping[str, Any]) -> bool:
    """Whether a ``terraform show -json`` document describes a saved plan (not a state)."""
    return any(k in doc for k in ("planned_values", "resource_changes", "prior_state"))


def load_declared(data: bytes | str, origin: str, meta: Mapping[str, Any]) -> SourceResult:
    """Decode a state v4 file or ``terraform show -json`` state output into declared resources.

    The kind is recognised from the content, so a plain path works for both formats; a plan is
    refused with a hint because its meaning (declared/live pairs) must be asked for explicitly.
    """
    doc = decode_json(data, origin)
    full_meta = {**meta, "sha256": sha256(data)}
    if not isinstance(doc, dict):
        raise InputError(
            f"{origin}: not a Terraform state (the document is not a JSON object)", NOT_A_STATE
        )
    if "version" in doc:
        return tfstate.parse_state(doc, origin, full_meta)
    if "format_version" in doc:
        if is_plan(doc):
            local = "://" not in origin and not origin.startswith(("tfdir:", "pull:"))
            raise InputError(
                f"{origin}: is a saved plan, not a state "
                f"(read it with plan://{origin if local else 'FILE'})",
                NOT_A_STATE,
            )
        return tfshow.parse_show_state(doc, origin, full_meta)
    raise InputError(
        f'{origin}: not a Terraform state (no "version" or "format_version" field)',
        NOT_A_STATE,
    )


def load_plan(data: bytes | str, origin: str, meta: Mapping[str, Any]) -> SourceResult:
    """Decode ``terraform show -json`` output of a saved plan into declared/live pairs."""
    doc = decode_json(data, origin)
    if not isinstance(doc, dict) or "format_version" not in doc or not is_plan(doc):
        raise InputError(
            f"{origin}: not the JSON of a saved plan (expected `terraform show -json PLAN` "
            "output with planned_values)",
            NOT_A_STATE,
        )
    return tfshow.parse_plan_drift(doc, origin, {**meta, "sha256": sha256(data)})
