"""Identification: ordered entries per class, skipped/no match/match, and never "take the first"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cmdb_sync.identify import MATCHED, MULTI_MATCH, NO_MATCH, SKIPPED, IdentityIndex, identify
from cmdb_sync.model import Item

STORED = {
    ("arn", "arn:a"): "ci-1",
    ("provider_id", "aws_instance:i-2"): "ci-2",
    ("fqdn", "web.x"): "ci-3",
}
NAMES = {("host", "name", "web"): {"ci-3", "ci-4"}, ("host", "name", "db"): {"ci-5"}}


def index() -> IdentityIndex:
    def lookup(pairs: Iterable[tuple[str, str]]) -> Mapping[tuple[str, str], str]:
        return {p: STORED[p] for p in pairs if p in STORED}

    return IdentityIndex(lookup)


def columns(ci_class: str, column: str, value: str) -> set[str]:
    return NAMES.get((ci_class, column, value), set())


def item(*identifiers: tuple[str, str], name: str = "web", ci_class: str = "vm_instance") -> Item:
    return Item("k", ci_class, name, identifiers=identifiers)


RULES = (("arn",), ("provider_id",))


def test_the_first_entry_that_matches_wins_and_the_attempts_are_recorded() -> None:
    found = identify(item(("provider_id", "aws_instance:i-2")), RULES, index(), columns)
    assert found.ci_id == "ci-2"
    assert [a.result for a in found.attempts] == [SKIPPED, MATCHED]


def test_an_arn_outranks_a_provider_id_that_names_another_ci() -> None:
    found = identify(
        item(("arn", "arn:a"), ("provider_id", "aws_instance:i-2")), RULES, index(), columns
    )
    assert found.ci_id == "ci-1"
    assert [a.result for a in found.attempts] == [MATCHED]


def test_no_entry_matching_means_a_new_ci() -> None:
    found = identify(item(("arn", "arn:new")), RULES, index(), columns)
    assert found.ci_id is None and not found.ambiguous
    assert [a.result for a in found.attempts] == [NO_MATCH, SKIPPED]


def test_several_matches_are_an_error_never_the_first() -> None:
    rules = (("fqdn",), ("name",))
    found = identify(item(name="web", ci_class="host"), rules, index(), columns)
    assert found.ci_id is None
    assert found.ambiguous
    assert found.attempts[-1].result == MULTI_MATCH
    assert "ci-3, ci-4" in found.describe()


def test_a_combined_entry_needs_every_part_to_name_the_same_ci() -> None:
    rules = (("fqdn", "name"),)
    assert (
        identify(
            item(("fqdn", "web.x"), name="web", ci_class="host"), rules, index(), columns
        ).ci_id
        == "ci-3"
    )
    assert (
        identify(item(("fqdn", "web.x"), name="db", ci_class="host"), rules, index(), columns).ci_id
        is None
    )


def test_identifiers_claimed_in_this_run_are_found_by_later_items() -> None:
    idx = index()
    idx.claim("arn", "arn:new", "ci-9")
    assert identify(item(("arn", "arn:new")), RULES, idx, columns).ci_id == "ci-9"
    idx.release("arn", "arn:new")
    assert identify(item(("arn", "arn:new")), RULES, idx, columns).ci_id is None
