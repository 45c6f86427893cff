"""Canonical models of resources, so the engine compares meaning instead of provider noise.

Pipeline per view: ``normalize`` every resource (aliases, pruning, per-type normalizers from
the ``normalizers`` registry), then ``expand`` security-group rules into one identity; on the
live side, ``aws_owned_keys`` names what AWS created by itself. See ``types`` for the tables
and ``rules``/``policy``/``sgrules``/``defaults`` for the why of each rule.
"""

from __future__ import annotations

from drift.normalize.defaults import aws_owned_keys
from drift.normalize.policy import canonical_json, canonical_policy, parse_document
from drift.normalize.registry import DEFAULT, Normalizer, normalize, normalizers
from drift.normalize.sgrules import RULE_TYPE, expand, rule_id
from drift.normalize.types import canonical_type, computed_attributes, is_secret_name

__all__ = [
    "DEFAULT",
    "RULE_TYPE",
    "Normalizer",
    "aws_owned_keys",
    "canonical_json",
    "canonical_policy",
    "canonical_type",
    "computed_attributes",
    "expand",
    "is_secret_name",
    "normalize",
    "normalizers",
    "parse_document",
    "rule_id",
]
