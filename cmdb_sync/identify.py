"""Which CI is this item? The native-key binding first, then ordered rules per class.

A bound native key never goes through the rules again (``plan.py`` checks the binding before
calling ``identify``). Otherwise each entry of the class's rule (``config.identification``) is
tried in order, like ServiceNow's identifier entries: an entry whose attributes the item lacks
is ``skipped``; one that finds nothing is ``no_match`` and the next entry is tried; one CI is
``matched``; several CIs are ``multi_match``, which is an error item and never "take the
first". No entry matching means a new CI.

Identifiers are unique per (kind, value) across the CMDB, so an identifier entry can match at
most one CI; several matches come from column entries (``name``, ``environment``) or from
entries that combine identifiers held by different CIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from cmdb_sync.config import CI_COLUMNS
from cmdb_sync.model import Item

MATCHED = "matched"
NO_MATCH = "no_match"
SKIPPED = "skipped"
MULTI_MATCH = "multi_match"

#: ``(ci_class, column, value) -> CI ids``: the name/environment look-up of column entries.
ColumnLookup = Callable[[str, str, str], set[str]]


@dataclass(frozen=True)
class Attempt:
    """One identifier entry tried, as IRE reports ``identificationAttempts``."""

    entry: tuple[str, ...]
    result: str
    ci_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identification:
    """The outcome: a CI, nothing (create), or an ambiguity (error)."""

    ci_id: str | None
    attempts: tuple[Attempt, ...]

    @property
    def ambiguous(self) -> bool:
        """Several CIs matched an entry."""
        return bool(self.attempts) and self.attempts[-1].result == MULTI_MATCH

    def describe(self) -> str:
        """One line for an error item: which entry matched which CIs."""
        last = self.attempts[-1]
        return f"identifier entry [{', '.join(last.entry)}] matches {len(last.ci_ids)} CIs: " + (
            ", ".join(last.ci_ids)
        )


_UNSEEN = object()


class IdentityIndex:
    """``(kind, value) -> CI id`` for the identifiers the run looks at, plus those it adds.

    ``prefetch`` reads the store once for a whole batch; ``claim`` records identifiers of CIs
    planned in this run, so a second input of the same sync finds a CI the first one creates.
    """

    def __init__(
        self, lookup: Callable[[Iterable[tuple[str, str]]], Mapping[tuple[str, str], str]]
    ):
        self._lookup = lookup
        self._known: dict[tuple[str, str], str | None] = {}

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Read the owners of every pair not looked at yet, in one set-based call."""
        missing = {p for p in pairs if p not in self._known}
        if not missing:
            return
        found = self._lookup(missing)
        for pair in missing:
            self._known[pair] = found.get(pair)

    def owner(self, kind: str, value: str) -> str | None:
        """The CI holding ``kind=value``, or ``None``."""
        pair = (kind, value)
        try:
            return self._known[pair]
        except KeyError:
            self.prefetch([pair])
            return self._known[pair]

    def free(self, pairs: Iterable[tuple[str, str]]) -> bool:
        """Whether no CI holds any of ``pairs`` (one dict look-up each once prefetched)."""
        get = self._known.get
        for pair in pairs:
            found = get(pair, _UNSEEN)
            if found is _UNSEEN:
                found = self.owner(*pair)
            if found is not None:
                return False
        return True

    def claim_free(self, pairs: Iterable[tuple[str, str]], ci_id: str) -> list[tuple[str, str]]:
        """Claim ``pairs`` that ``free`` just found free for ``ci_id``; return them once each
        (an item may list an identifier twice)."""
        known = self._known
        out = []
        for pair in pairs:
            if known.get(pair) != ci_id:
                known[pair] = ci_id
                out.append(pair)
        return out

    def claim(self, kind: str, value: str, ci_id: str) -> None:
        """Record that ``ci_id`` holds ``kind=value`` from now on."""
        self._known[(kind, value)] = ci_id

    def release(self, kind: str, value: str) -> None:
        """Record that nobody holds ``kind=value`` any more."""
        self._known[(kind, value)] = None


def identify(
    item: Item,
    rules: Iterable[tuple[str, ...]],
    index: IdentityIndex,
    columns: ColumnLookup,
) -> Identification:
    """Run the class's identifier entries in order (see the module docstring)."""
    own: dict[str, list[str]] = {}
    for kind, value in item.identifiers:
        own.setdefault(kind, []).append(value)
    attempts: list[Attempt] = []
    for entry in rules:
        candidates = _candidates(item, entry, own, index, columns)
        if candidates is None:
            attempts.append(Attempt(entry, SKIPPED))
            continue
        found = tuple(sorted(candidates))
        if not found:
            attempts.append(Attempt(entry, NO_MATCH))
            continue
        if len(found) == 1:
            attempts.append(Attempt(entry, MATCHED, found))
            return Identification(found[0], tuple(attempts))
        attempts.append(Attempt(entry, MULTI_MATCH, found))
        return Identification(None, tuple(attempts))
    return Identification(None, tuple(attempts))


def _candidates(
    item: Item,
    entry: tuple[str, ...],
    own: Mapping[str, list[str]],
    index: IdentityIndex,
    columns: ColumnLookup,
) -> set[str] | None:
    """CIs matching every part of ``entry``; ``None`` when the item lacks a part."""
    result: set[str] | None = None
    for part in entry:
        if part in CI_COLUMNS:
            value = item.name if part == "name" else item.environment
            if not value:
                return None
            found = columns(item.ci_class, part, value)
        else:
            values = own.get(part)
            if not values:
                return None
            found = {ci for v in values if (ci := index.owner(part, v)) is not None}
        result = found if result is None else result & found
    return result if result is not None else None
