"""docs/policy.md documents every reason code, obligation and policy key the code knows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from change_control.gate import OBLIGATION_CODES, REASON_CODES
from change_control.policy import policy_schema

DOC = (Path(__file__).resolve().parents[3] / "docs" / "policy.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", sorted({*REASON_CODES, *OBLIGATION_CODES}))
def test_every_reason_code_and_obligation_is_documented(code: str) -> None:
    assert f"| `{code}` |" in DOC


def property_names(node: Any) -> set[str]:
    """Every key name the schema defines, at any depth."""
    names: set[str] = set()
    if isinstance(node, dict):
        names.update(node.get("properties", {}))
        for child in node.values():
            names |= property_names(child)
    elif isinstance(node, list):
        for child in node:
            names |= property_names(child)
    return names


@pytest.mark.parametrize("key", sorted(property_names(policy_schema())))
def test_every_policy_key_is_documented(key: str) -> None:
    assert re.search(rf"`{re.escape(key)}[`:]", DOC)
