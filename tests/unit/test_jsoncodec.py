"""The store's JSON encoder: orjson's speed, with nothing that was storable before refused."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import pytest

from change_control.store.jsoncodec import canonical_bytes, dumps


class Pair(NamedTuple):
    kind: str
    value: str


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, None, 1.5]}, '{"b":1,"a":[true,null,1.5]}'),
        ({1: "int keys become strings"}, '{"1":"int keys become strings"}'),
        ("naïve ünicode", '"naïve ünicode"'),
        # Beyond 64 bits: orjson refuses, the standard library takes over.
        ({"big": 2**70}, '{"big":1180591620717411303424}'),
    ],
)
def test_documents_are_compact_json_that_reads_back_the_same(value: Any, expected: str) -> None:
    assert dumps(value) == expected
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


def test_canonical_bytes_sort_keys_at_every_level_and_write_named_tuples_as_arrays() -> None:
    one = canonical_bytes({"b": {"y": 1, "x": 2}, "a": (Pair("arn", "x"),)})
    other = canonical_bytes({"a": [["arn", "x"]], "b": {"x": 2, "y": 1}})
    assert one == other == b'{"a":[["arn","x"]],"b":{"x":2,"y":1}}'


def test_canonical_bytes_write_what_json_cannot_hold_as_text() -> None:
    assert canonical_bytes({"n": 2**70, "s": {1}}) == b'{"n":1180591620717411303424,"s":"{1}"}'
