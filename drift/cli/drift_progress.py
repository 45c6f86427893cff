"""Progress on long drift work: a rich bar on stderr, and only when stderr is a terminal.

Scripts and CI logs read stdout (the report) and stderr (errors); a progress bar in either would
be noise, so it is drawn only for a person watching a terminal, and never with ``-q``. rich is
imported when a bar is really drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from drift.audit import Progress


class RichProgress:
    """``drift.audit.Progress`` drawn with ``rich.progress`` (transient: it vanishes when done)."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._task: Any = None

    def begin(self, label: str, total: int | None = None) -> None:
        """Start a phase: a bar with ``total`` steps, or a pulsing bar when it cannot count."""
        self.end()
        self._task = self._bar.add_task(label, total=total)
        # Draw now: a phase that ends before the next automatic refresh is still seen.
        self._bar.refresh()

    def advance(self) -> None:
        """One more step of the current phase."""
        if self._task is not None:
            self._bar.advance(self._task)

    def end(self) -> None:
        """Remove the current phase's bar."""
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()
        self._bar.stop()


@contextmanager
def progress_on_stderr(quiet: bool = False) -> Iterator[Progress | None]:
    """A ``RichProgress`` when stderr is a terminal and ``-q`` is not set, else ``None``."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    with RichProgress() as progress:
        yield progress
