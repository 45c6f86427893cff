"""Per-attribute authority: who may write, what a null does, when a weaker source takes over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cmdb_sync.config import AuthorityRule, CmdbConfig
from cmdb_sync.merge import Writer, kind_of, merge, same

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CONFIG = CmdbConfig(
    authority=(
        AuthorityRule("snapshot", 10, ("*",), stale_after=24 * HOUR),
        AuthorityRule("tfstate", 20, ("*",), stale_after=30 * 24 * HOUR),
        AuthorityRule("tfstate", 5, ("owner",)),
        AuthorityRule("ansible", 10, ("*",), ("host",), null_overwrites=True),
        AuthorityRule("audit", 30, ("*",), write=False),
    )
)
SNAP, TF, ANS, AUD, OTHER = "snapshot:live", "tfstate:prod", "ansible:inv", "audit:s", "other:x"


def writer(source: str, hours_ago: float = 1) -> Writer:
    return Writer(source, NOW - hours_ago * HOUR)


# (case, held value, last writer, source, incoming value, class, expect written?)
CASES: list[tuple[str, Any, Writer | None, str, Any, str, bool]] = [
    ("nobody wrote it: anyone may", None, None, TF, "t3", "vm", True),
    ("the last writer changes its own value", "t2", writer(TF), TF, "t3", "vm", True),
    ("a stronger source overrides", "t2", writer(TF), SNAP, "t3", "vm", True),
    ("a weaker source is refused", "t2", writer(SNAP), TF, "t3", "vm", False),
    (
        "a weaker source takes over once the window passed",
        "t2",
        writer(SNAP, 25),
        TF,
        "t3",
        "vm",
        True,
    ),
    ("a rule naming the attribute beats the wildcard", "a", writer(SNAP), TF, "b", "vm", True),
    ("an unruled source writes only what nobody wrote", "t2", writer(TF), OTHER, "t3", "vm", False),
    ("a source with write: false never writes", None, None, AUD, "x", "vm", False),
    ("a null is no opinion by default", "t2", writer(TF), TF, None, "vm", False),
    ("a null clears where the rule allows it", "t2", writer(ANS), ANS, None, "host", True),
    ("a class rule applies only to its class", "t2", writer(TF), ANS, "t3", "vm", False),
]


@pytest.mark.parametrize(("case", "held", "last", "source", "value", "ci_class", "written"), CASES)
def test_authority_decides_who_writes_an_attribute(
    case: str, held: Any, last: Writer | None, source: str, value: Any, ci_class: str, written: bool
) -> None:
    name = "owner" if "naming the attribute" in case else "instance_type"
    current = {} if held is None else {name: held}
    writers = {} if last is None else {name: last}
    outcome = merge(
        current, writers, {name: value}, source=source, ci_class=ci_class, config=CONFIG, now=NOW
    )
    assert (name in outcome.changes) is written, case
    if written:
        assert outcome.changes[name] == (held, value)
        assert outcome.writers[name] == Writer(source, NOW)


def test_a_blocked_write_says_when_the_winners_window_runs_out() -> None:
    outcome = merge(
        {"size": 1},
        {"size": writer(SNAP, 2)},
        {"size": 2},
        source=TF,
        ci_class="vm",
        config=CONFIG,
        now=NOW,
    )
    assert outcome.changes == {}
    assert outcome.recheck_at == NOW - 2 * HOUR + 24 * HOUR


def test_the_winners_latest_run_that_still_saw_the_ci_extends_its_window() -> None:
    seen_recently = {SNAP: NOW - HOUR}
    outcome = merge(
        {"size": 1}, {"size": writer(SNAP, 30)}, {"size": 2}, source=TF, ci_class="vm",
        config=CONFIG, now=NOW, fresh=seen_recently.get,
    )  # fmt: skip
    assert outcome.changes == {}
    assert outcome.recheck_at == NOW - HOUR + 24 * HOUR


def test_a_stronger_source_confirming_a_value_takes_it_over_without_changing_it() -> None:
    outcome = merge(
        {"size": 1},
        {"size": writer(TF)},
        {"size": 1},
        source=SNAP,
        ci_class="vm",
        config=CONFIG,
        now=NOW,
    )
    assert outcome.changes == {}
    assert outcome.writers == {"size": Writer(SNAP, NOW)}
    assert outcome.overtaken == {TF: NOW + 24 * HOUR}


def test_the_same_value_from_its_own_writer_changes_nothing_at_all() -> None:
    outcome = merge(
        {"size": 1},
        {"size": writer(TF)},
        {"size": 1},
        source=TF,
        ci_class="vm",
        config=CONFIG,
        now=NOW,
    )
    assert (outcome.changes, outcome.writers, outcome.recheck_at) == ({}, {}, None)


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [(1, 1.0, True), (True, 1, False), ({"a": [1]}, {"a": [1]}, True), ("1", 1, False)],
)
def test_values_compare_as_json_values(a: Any, b: Any, equal: bool) -> None:
    assert same(a, b) is equal


def test_the_kind_of_a_source_is_the_prefix_of_its_name() -> None:
    assert kind_of("tfstate:/srv/prod.tfstate") == "tfstate"
