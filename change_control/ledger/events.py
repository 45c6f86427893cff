"""Ledger events and the hash chain that makes the run ledger tamper-evident.

An event is created once, with an id (uuid4 hex) that never changes: every sink and every replay
from the spool identifies the event by that id, so re-sending is idempotent. The chain links each
event to the one before it: ``hash = sha256(prev_hash + canonical_json(event))``. Editing,
deleting, inserting or reordering an event changes a hash or breaks a link, and ``verify`` names
the first place where that happened.

Canonical JSON is the byte-exact form that is hashed: sorted keys, no whitespace, UTF-8 text
(not ``\\u`` escapes), instants as ISO 8601 UTC with ``Z``, and no NaN or infinity (JSON has no
such numbers, so two readers could disagree about them).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from types import MappingProxyType
from typing import Any

from change_control.errors import InputError

#: The event kinds the ledger knows; ``note`` is free text attached to a run.
EVENT_KINDS = frozenset(
    {"run_start", "task_result", "gate_decision", "run_end", "run_interrupted", "note"}
)
#: ``prev_hash`` of the first event of a chain.
GENESIS = "0" * 64
#: Kinds that close a run.
END_KINDS = frozenset({"run_end", "run_interrupted"})
#: Longest event or run id the store accepts.
MAX_ID = 64
#: Fields of a stored event that are not covered by its own hash.
HASH_FIELDS = ("prev_hash", "hash")


@dataclass(frozen=True)
class LedgerEvent:
    """One thing that happened during a run, as the ledger records it.

    ``body`` must already be redacted (see ``change_control.ledger.redact``): the ledger stores
    exactly what it is given and keeps it forever.
    """

    event_id: str
    run_id: str
    kind: str
    at: datetime
    body: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            valid = ", ".join(sorted(EVENT_KINDS))
            raise InputError(f"ledger event kind {self.kind!r} is unknown (valid: {valid})")
        if self.at.tzinfo is None:
            raise InputError(f"ledger event {self.event_id}: 'at' must be timezone-aware")
        if not self.event_id or not self.run_id:
            raise InputError("ledger event: event_id and run_id must not be empty")
        if len(self.event_id) > MAX_ID or len(self.run_id) > MAX_ID:
            raise InputError(f"ledger event: event_id and run_id must be at most {MAX_ID} chars")
        # A read-only view: the event is hashed as given, so nobody may change it afterwards.
        object.__setattr__(self, "body", MappingProxyType(dict(self.body)))

    @classmethod
    def new(
        cls, run_id: str, kind: str, at: datetime, body: Mapping[str, Any] | None = None
    ) -> LedgerEvent:
        """A new event with a fresh id; the id is what makes later re-sends idempotent."""
        return cls(uuid.uuid4().hex, run_id, kind, at, body or {})

    def to_dict(self) -> dict[str, Any]:
        """The hashed fields as plain JSON values (``at`` as canonical text)."""
        return {
            "event_id": self.event_id,
            "run_id": self.run_id,
            "kind": self.kind,
            "at": instant_text(self.at),
            "body": dict(self.body),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerEvent:
        """Rebuild an event from ``to_dict`` output (spool lines, JSONL lines, exports)."""
        try:
            return cls(
                str(data["event_id"]),
                str(data["run_id"]),
                str(data["kind"]),
                datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00")),
                dict(data.get("body") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a ledger event: {exc}") from None


def instant_text(moment: datetime) -> str:
    """An instant in UTC as ISO 8601 with ``Z``; microseconds kept when present.

    Sub-second precision is kept (unlike ``timeutil.isoformat``) so that the hashed text and the
    stored column agree to the microsecond and a sub-second edit of ``at`` is detected.
    """
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json_default(value: object) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime in a ledger event; use a tz-aware instant")
        return instant_text(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable in a ledger event")


def canonical_json(obj: Any) -> str:
    """The one text form that is hashed and stored. Raises ``ValueError`` on NaN/infinity."""
    return json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def hashed_part(event: LedgerEvent | Mapping[str, Any]) -> dict[str, Any]:
    """The fields a hash covers: the event without ``seq``, ``prev_hash`` and ``hash``."""
    if isinstance(event, LedgerEvent):
        return event.to_dict()
    return {k: event[k] for k in ("event_id", "run_id", "kind", "at", "body")}


def chain_hash(prev_hash: str, event: LedgerEvent | Mapping[str, Any]) -> str:
    """``sha256(prev_hash + canonical_json(event without hash fields))`` as hex."""
    text = prev_hash + canonical_json(hashed_part(event))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_status(event: LedgerEvent) -> str:
    """``ok``/``failed`` for a run end (from its body, else its stats), or ``interrupted``."""
    if event.kind == "run_interrupted":
        return "interrupted"
    status = event.body.get("status")
    if status in {"ok", "failed"}:
        return str(status)
    stats = event.body.get("stats")
    if isinstance(stats, Mapping):
        for host_stats in stats.values():
            if isinstance(host_stats, Mapping) and (
                host_stats.get("failures") or host_stats.get("unreachable")
            ):
                return "failed"
    return "ok"
