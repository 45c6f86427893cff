"""Progress bars appear on a terminal's stderr only, never in a pipe or a report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from drift.audit import SourcePlan, load_views
from drift.cli.drift_progress import RichProgress, progress_on_stderr
from drift.sources.snapshot import SnapshotSource

from ..support import Runner
from .drift_support import write_snapshot


def test_a_terminal_sees_each_phase_of_the_audit(tmp_path: Path) -> None:
    live = write_snapshot(tmp_path / "live.json", [])
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)

    with RichProgress(console) as progress:
        load_views(SourcePlan(live=(SnapshotSource(live),) * 2), progress)
        progress.begin("comparing")
        progress.end()

    drawn = screen.getvalue()
    assert "loading sources" in drawn
    assert "comparing" in drawn


def test_without_a_terminal_there_is_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())

    with progress_on_stderr() as progress:
        assert progress is None


def test_quiet_turns_progress_off_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", Terminal())

    with progress_on_stderr(quiet=True) as progress:
        assert progress is None
    with progress_on_stderr() as progress:
        assert isinstance(progress, RichProgress)


def test_a_piped_audit_writes_only_the_report_and_one_note(cli: Runner, tmp_path: Path) -> None:
    live = write_snapshot(tmp_path / "live.json", [])

    outcome = cli("drift", "audit", "--live", str(live))

    assert outcome.exit_code == 0, outcome.stderr
    assert len(outcome.error_lines) == 1
    assert outcome.error_lines[0].startswith("audit A")
    assert "\x1b[" not in outcome.stdout + outcome.stderr
