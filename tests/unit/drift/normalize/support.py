"""Builders shared by the normalizer tests."""

from __future__ import annotations

import json
from typing import Any

from drift.model import Resource, View
from tests.golden_plugin import Golden


def res(kind: str, ident: str, attributes: dict[str, Any], view: View = View.LIVE) -> Resource:
    """A resource of ``kind`` with ``attributes`` in ``view``."""
    return Resource(type=kind, id=ident, attributes=attributes, view=view)


def check_case(golden: Golden, rule: str, given: Any, result: Any) -> None:
    """Compare one rule's input and output with ``tests/golden/normalize/<rule>.json``."""
    text = json.dumps({"rule": rule, "input": given, "output": result}, indent=2, sort_keys=True)
    golden.check(f"normalize/{rule}.json", text + "\n")
