"""The interface every ledger sink implements, and the verdict types; imports nothing heavy.

A sink receives batches of events in the order they happened. It must be idempotent by
``event_id``: the recorder and ``replay`` re-send a batch whenever they cannot prove a sink
took it (a crash between the sink's commit and the spool's acknowledgement), and a sink that
already holds an event counts it in ``already_present`` instead of writing it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from change_control.ledger.events import LedgerEvent


@dataclass(frozen=True)
class BrokenLink:
    """The first place a chain does not hold, and what is wrong there.

    ``seq`` is the store's sequence number (for a JSON Lines file: the line number).
    """

    seq: int | None
    event_id: str | None
    run_id: str | None
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    """``ok`` when every link holds; ``checked`` counts the events examined (of the run)."""

    ok: bool
    checked: int
    first_broken: BrokenLink | None


@dataclass(frozen=True)
class SinkResult:
    """What a sink did with one batch."""

    written: int
    already_present: int = 0


class Sink(Protocol):
    """Somewhere ledger events go: the store, a JSON Lines file, the change ticket."""

    #: Stable name; the spool records acknowledgements per sink under this name.
    name: str

    def write(self, events: Sequence[LedgerEvent]) -> SinkResult:
        """Take a batch, all or nothing; raise on failure (the recorder spools and logs)."""
        ...

    def close(self) -> None:
        """Release files and connections; called once when the recorder closes."""
        ...


class HeadSource(Protocol):
    """A sink that knows the chain hash after its last successful write (``None`` if unknown)."""

    @property
    def last_hash(self) -> str | None:
        """The chain head after the last batch this sink committed, or ``None``."""
        ...
