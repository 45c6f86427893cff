"""Attribution reads the change register; a register that cannot answer is an alert, not a stop."""

from __future__ import annotations

from collections.abc import Sequence

from change_control.errors import ProviderError
from change_control.model import Change
from change_control.providers.base import ListFilter
from drift.cli.context import CliContext
from drift.cli.drift_audit import ATTRIBUTION_LIMIT, register_changes


class Unreachable:
    """A provider whose system of record is down (the one call attribution makes)."""

    name = "unreachable"

    def list(self, filters: ListFilter) -> Sequence[Change]:
        raise ProviderError("cannot reach https://itsm.example.com: connection refused")


class Recording:
    """A provider that answers with no change and remembers what it was asked."""

    name = "recording"

    def __init__(self) -> None:
        self.asked: list[ListFilter] = []

    def list(self, filters: ListFilter) -> Sequence[Change]:
        self.asked.append(filters)
        return []


def test_an_unreachable_register_becomes_an_alert_and_attribution_stays_unknown() -> None:
    cli = CliContext(_provider=Unreachable())  # type: ignore[arg-type]

    changes, alerts = register_changes(cli)

    assert changes == []
    assert [(a.source, a.code, a.message) for a in alerts] == [
        (
            "changes",
            "provider_unreachable",
            "cannot reach https://itsm.example.com: connection refused",
        )
    ]


def test_attribution_reads_the_newest_changes_of_every_state() -> None:
    provider = Recording()

    changes, alerts = register_changes(CliContext(_provider=provider))  # type: ignore[arg-type]

    assert (changes, alerts) == ([], [])
    assert provider.asked == [ListFilter(limit=ATTRIBUTION_LIMIT)]
