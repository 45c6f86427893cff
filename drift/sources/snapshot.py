"""Live snapshots: the ``changegate/live-snapshot@1`` file of DESIGN.md, read and written.

A snapshot decouples collecting (slow, needs cloud credentials) from auditing (fast, offline):
``changegate drift snapshot`` writes one, ``drift audit --live FILE`` reads it. The shipped
JSON Schema (``drift/schemas/live-snapshot-1.json``) is the one definition of the shape; large
snapshots are checked by a fast structural pass first and only a failing part is handed to
jsonschema, whose error then names the JSON path (validating 50,000 resources with jsonschema
alone takes several times longer than parsing them).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from change_control.errors import InputError
from change_control.timeutil import isoformat, parse_instant
from drift.model import SNAPSHOT_FORMAT, Alert, Resource, View
from drift.sources.base import NOT_A_STATE, NOT_FOUND, UNSUPPORTED_VERSION, SourceResult
from drift.sources.documents import decode_json, read_bytes, sha256

SCHEMA_RESOURCE = "live-snapshot-1.json"
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    text = files("drift").joinpath("schemas", SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def snapshot_schema() -> Mapping[str, Any]:
    """The shipped JSON Schema, for tools and tests that validate snapshots themselves."""
    schema: Mapping[str, Any] = _validator().schema
    return schema


def _json_type(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _reason(error: Any) -> str:
    """A short reason that never repeats a value (a mistyped field may hold a secret)."""
    if error.validator == "type":
        expected = error.validator_value
        names = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"must be {names} (got {_json_type(error.instance)})"
    if error.validator == "minLength":
        return "must not be empty"
    if error.validator == "required":
        return str(error.message)
    return f"does not match the schema ({error.validator})"


def _raise_first(origin: str, instance: Any, schema_ref: str, prefix: str) -> None:
    from jsonschema.exceptions import best_match

    validator = _validator()
    schema = validator.schema if not schema_ref else validator.schema["$defs"][schema_ref]
    error = best_match(validator.evolve(schema=schema).iter_errors(instance))
    if error is not None:
        path = prefix + error.json_path[1:]
        raise InputError(f"{origin}: {path}: {_reason(error)}", NOT_A_STATE)


def _opt_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def is_resource_shape(item: Any) -> bool:
    """The schema's resource rule, written out for speed; the schema test keeps them in step."""
    return (
        type(item) is dict
        and isinstance(item.get("type"), str)
        and bool(item["type"])
        and isinstance(item.get("id"), str)
        and bool(item["id"])
        and isinstance(item.get("attributes"), dict)
        and _opt_str(item.get("region"))
        and _opt_str(item.get("account"))
    )


def _check_header(doc: Any, origin: str) -> None:
    if not isinstance(doc, dict) or "format" not in doc:
        raise InputError(
            f'{origin}: not a changegate live snapshot (no "format" field)', NOT_A_STATE
        )
    if doc["format"] != SNAPSHOT_FORMAT:
        shown = doc["format"] if isinstance(doc["format"], str) else _json_type(doc["format"])
        raise InputError(
            f"{origin}: unsupported snapshot format {shown!r} (changegate reads {SNAPSHOT_FORMAT})",
            UNSUPPORTED_VERSION,
        )
    # Everything but the (possibly huge) resource list goes through jsonschema as is.
    head = {**doc, "resources": []} if isinstance(doc.get("resources"), list) else doc
    _raise_first(origin, head, "", "$")


def _to_resource(item: Mapping[str, Any], origin: str) -> Resource:
    return Resource(
        type=item["type"],
        id=item["id"],
        attributes=item["attributes"],
        view=View.LIVE,
        source=origin,
        region=item.get("region"),
        account=item.get("account"),
    )


def _to_alert(item: Mapping[str, Any]) -> Alert:
    return Alert(
        source=item["source"],
        code=item["code"],
        message=item["message"],
        type=item.get("type"),
        region=item.get("region"),
    )


def parse_snapshot(data: bytes | str, origin: str) -> SourceResult:
    """Live resources and alerts of a snapshot document, validated against the schema."""
    doc = decode_json(data, origin)
    _check_header(doc, origin)
    captured_at = parse_instant(doc["captured_at"], field=f"{origin}: $.captured_at")
    resources: list[Resource] = []
    for number, item in enumerate(doc["resources"]):
        if not is_resource_shape(item):
            _raise_first(origin, item, "resource", f"$.resources[{number}]")
        resources.append(_to_resource(item, origin))
    return SourceResult(
        resources=tuple(resources),
        alerts=tuple(_to_alert(a) for a in doc.get("alerts") or ()),
        origin=origin,
        meta={"kind": "live-snapshot", "captured_at": captured_at, "sha256": sha256(data)},
    )


def read_snapshot(path: str | Path) -> SourceResult:
    """Read a snapshot file; errors name the file and the JSON path (``$.resources[3].id``)."""
    origin = str(path)
    return parse_snapshot(read_bytes(Path(path), origin), origin)


@dataclass(frozen=True)
class SnapshotSource:
    """A live snapshot file as a ``Source`` (``--live FILE``)."""

    path: Path

    @property
    def name(self) -> str:
        """The file as the user named it."""
        return str(self.path)

    def load(self) -> SourceResult:
        """Read and validate the snapshot."""
        return read_snapshot(self.path)


def snapshot_document(
    resources: Iterable[Resource], alerts: Iterable[Alert], captured_at: datetime
) -> dict[str, Any]:
    """The snapshot as a JSON-ready dict, resources and alerts sorted for stable diffs."""
    items = sorted(resources, key=lambda r: (r.type, r.id, r.region or "", r.account or ""))
    notes = sorted(
        alerts,
        key=lambda a: (a.source, a.type or "", a.region or "", a.code, a.message),
    )
    return {
        "format": SNAPSHOT_FORMAT,
        "captured_at": isoformat(captured_at),
        "resources": [
            {
                "type": r.type,
                "id": r.id,
                "region": r.region,
                "account": r.account,
                "attributes": r.attributes,
            }
            for r in items
        ],
        "alerts": [a.to_dict() for a in notes],
    }


def render_snapshot(document: Mapping[str, Any]) -> str:
    """Snapshot text: fixed member order, then one resource or alert per line, keys sorted.

    One line per resource keeps diffs between two snapshots to the resources that changed, and
    lets the C JSON encoder do the work (``indent=`` falls back to the pure-Python encoder,
    several times slower on 50,000 resources).
    """

    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)

    def array(items: list[Any]) -> str:
        return "[\n" + ",\n".join("    " + dump(i) for i in items) + "\n  ]" if items else "[]"

    return (
        "{\n"
        f'  "format": {dump(document["format"])},\n'
        f'  "captured_at": {dump(document["captured_at"])},\n'
        f'  "alerts": {array(document["alerts"])},\n'
        f'  "resources": {array(document["resources"])}\n'
        "}\n"
    )


def write_snapshot(
    path: str | Path,
    resources: Iterable[Resource],
    alerts: Iterable[Alert],
    captured_at: datetime,
) -> Path:
    """Write a snapshot atomically (temp file + ``os.replace``): a reader never sees half.

    Output is sorted and laid out the same way every time (``render_snapshot``), so two
    snapshots of the same account diff cleanly. The file is created readable by its owner only,
    as attributes can be confidential.
    """
    target = Path(path)
    try:
        text = render_snapshot(snapshot_document(resources, alerts, captured_at))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{target}: cannot write snapshot: {exc}", NOT_A_STATE) from None
    if not target.parent.is_dir():
        raise InputError(f"{target}: no such directory {str(target.parent)!r}", NOT_FOUND)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
