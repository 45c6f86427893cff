"""Ledger events, canonical JSON and the hash chain: the exact bytes an auditor re-hashes."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum

import pytest

from change_control.errors import InputError
from change_control.ledger.events import (
    GENESIS,
    LedgerEvent,
    canonical_json,
    chain_hash,
    instant_text,
    run_status,
)

T0 = datetime(2026, 11, 22, 9, 0, 0, 123456, tzinfo=UTC)


def event(**overrides: object) -> LedgerEvent:
    fields: dict[str, object] = {
        "event_id": "e" * 32,
        "run_id": "run-1",
        "kind": "task_result",
        "at": T0,
        "body": {"host": "web1", "status": "ok"},
    }
    fields.update(overrides)
    return LedgerEvent(**fields)  # type: ignore[arg-type]


class Colour(Enum):
    RED = "red"


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": None}}) == (
        '{"a":{"c":null,"d":[1,2]},"b":1}'
    )


def test_canonical_json_keeps_non_ascii_text_as_utf8() -> None:
    assert canonical_json({"name": "Zoë ✓"}) == '{"name":"Zoë ✓"}'


def test_canonical_json_writes_instants_in_utc_with_z() -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 22, 10, 0, 0, tzinfo=paris)
    assert canonical_json({"at": moment}) == '{"at":"2026-11-22T09:00:00Z"}'
    assert canonical_json({"at": T0}) == '{"at":"2026-11-22T09:00:00.123456Z"}'


def test_canonical_json_writes_enums_as_their_value() -> None:
    assert canonical_json([Colour.RED]) == '["red"]'


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_canonical_json_refuses_numbers_json_does_not_have(number: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": number})


def test_canonical_json_refuses_naive_instants_and_unknown_objects() -> None:
    with pytest.raises(TypeError, match="naive"):
        canonical_json({"at": datetime(2026, 1, 1)})
    with pytest.raises(TypeError, match="object"):
        canonical_json({"x": object()})


def test_canonical_json_is_stable_across_a_parse_round_trip() -> None:
    data = {"z": 1.25, "a": ["x", {"k": True}], "u": "é"}
    text = canonical_json(data)
    assert canonical_json(json.loads(text)) == text


def test_chain_hash_is_sha256_of_prev_hash_and_canonical_event() -> None:
    e = event()
    expected_text = GENESIS + canonical_json(
        {
            "event_id": e.event_id,
            "run_id": "run-1",
            "kind": "task_result",
            "at": "2026-11-22T09:00:00.123456Z",
            "body": {"host": "web1", "status": "ok"},
        }
    )
    assert chain_hash(GENESIS, e) == hashlib.sha256(expected_text.encode()).hexdigest()


def test_chain_hash_ignores_seq_and_hash_fields_of_a_stored_row() -> None:
    e = event()
    row = {**e.to_dict(), "seq": 7, "prev_hash": "p" * 64, "hash": "h" * 64}
    assert chain_hash(GENESIS, row) == chain_hash(GENESIS, e)


@pytest.mark.parametrize(
    "change",
    [
        {"event_id": "f" * 32},
        {"run_id": "run-2"},
        {"kind": "note"},
        {"at": T0 + timedelta(microseconds=1)},
        {"body": {"host": "web1", "status": "changed"}},
    ],
    ids=["event_id", "run_id", "kind", "at", "body"],
)
def test_chain_hash_changes_when_any_hashed_field_changes(change: dict[str, object]) -> None:
    assert chain_hash(GENESIS, event(**change)) != chain_hash(GENESIS, event())


def test_chain_hash_depends_on_the_previous_hash() -> None:
    assert chain_hash(GENESIS, event()) != chain_hash("1" * 64, event())


def test_genesis_is_sixty_four_zeros() -> None:
    assert GENESIS == "0" * 64


def test_new_events_get_distinct_uuid4_hex_ids() -> None:
    ids = {LedgerEvent.new("r", "note", T0).event_id for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_an_event_survives_to_dict_and_from_dict_with_the_same_hash() -> None:
    e = LedgerEvent.new("run-1", "gate_decision", T0, {"allowed": False, "reasons": ["x"]})
    again = LedgerEvent.from_dict(json.loads(canonical_json(e.to_dict())))
    assert again == e
    assert chain_hash(GENESIS, again) == chain_hash(GENESIS, e)


def test_an_events_body_cannot_be_changed_after_creation() -> None:
    e = LedgerEvent.new("run-1", "note", T0, {"text": "hello"})
    with pytest.raises(TypeError):
        e.body["text"] = "bye"  # type: ignore[index]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "task_started"}, "kind 'task_started' is unknown"),
        ({"at": datetime(2026, 11, 22, 9, 0)}, "timezone-aware"),
        ({"run_id": ""}, "must not be empty"),
        ({"run_id": "r" * 65}, "at most 64"),
    ],
)
def test_malformed_events_are_refused_with_a_clear_message(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        event(**overrides)


def test_from_dict_refuses_a_record_that_is_not_an_event() -> None:
    with pytest.raises(InputError, match="not a ledger event"):
        LedgerEvent.from_dict({"run_id": "r"})


def test_instant_text_keeps_microseconds_only_when_present() -> None:
    assert instant_text(T0.replace(microsecond=0)) == "2026-11-22T09:00:00Z"
    assert instant_text(T0) == "2026-11-22T09:00:00.123456Z"


@pytest.mark.parametrize(
    ("kind", "body", "status"),
    [
        ("run_interrupted", {}, "interrupted"),
        ("run_end", {"status": "failed"}, "failed"),
        ("run_end", {"stats": {"a": {"ok": 2}, "b": {"unreachable": 1}}}, "failed"),
        ("run_end", {"stats": {"a": {"ok": 2, "changed": 1}}}, "ok"),
        ("run_end", {}, "ok"),
    ],
)
def test_run_status_comes_from_the_end_event(
    kind: str, body: dict[str, object], status: str
) -> None:
    assert run_status(LedgerEvent.new("r", kind, T0, body)) == status
