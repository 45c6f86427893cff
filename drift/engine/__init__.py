"""The drift engine: normalized views in, sorted findings with stable ids out.

``compare`` is the one entry point an audit needs; the other names are its parts, public so
that the baseline commands, the history and the benchmarks reuse them instead of re-deriving.
"""

from __future__ import annotations

from drift.engine.attribution import Attributor, approved_under, covers_resource, covers_time
from drift.engine.baselines import CapturedBaseline
from drift.engine.compare import (
    EngineOptions,
    check_rules,
    compare,
    compare_to_baselines,
    gc_paused,
    index,
    prepare,
)
from drift.engine.diff import diff
from drift.engine.findings import classify, finding_id, is_sensitive, sort_key
from drift.engine.severity import DEFAULT_SEVERITIES, SeverityOverride, SeverityPolicy

__all__ = [
    "DEFAULT_SEVERITIES",
    "Attributor",
    "CapturedBaseline",
    "EngineOptions",
    "SeverityOverride",
    "SeverityPolicy",
    "approved_under",
    "check_rules",
    "classify",
    "compare",
    "compare_to_baselines",
    "covers_resource",
    "covers_time",
    "diff",
    "finding_id",
    "gc_paused",
    "index",
    "is_sensitive",
    "prepare",
    "sort_key",
]
