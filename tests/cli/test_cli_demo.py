"""``make demo`` (``python -m drift.cli.demo``) runs to the end and shows both decisions."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drift.cli import demo


def test_the_demo_module_runs_to_the_end_with_an_allowed_and_a_denied_decision(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_")}
    env.update(TMPDIR=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))

    done = subprocess.run(
        [sys.executable, "-m", "drift.cli.demo"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "$ changegate change new --type normal --risk high" in out
    assert "ALLOWED: CHG0000001" in out
    assert "DENIED: CHG0000001" in out
    assert "sod.executor_is_approver" in out and "scope.host" in out
    assert out.rstrip().endswith("demo complete")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "state" / "changegate").exists(), "the demo used the default store"


@pytest.mark.parametrize(
    ("now", "moved"),
    [
        (datetime(2030, 1, 9, 10, 0, tzinfo=UTC), False),  # a Wednesday: the window is around now
        (datetime(2030, 1, 12, 10, 0, tzinfo=UTC), True),  # a Saturday: inside the weekend freeze
    ],
    ids=["weekday", "weekend"],
)
def test_the_demo_steers_clear_of_its_weekend_freeze(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], now: datetime, moved: bool
) -> None:
    before = (Path.cwd(), os.environ.get("CHANGEGATE_DB"), os.environ.get("CHANGEGATE_CONFIG"))

    code = demo.run_demo(tmp_path, now)

    out = capsys.readouterr().out
    assert code == 0, out
    assert ("The weekend freeze is on right now" in out) is moved
    expected_at = "2030-01-15T12:00+01:00" if moved else "2030-01-09T11:00+01:00"
    assert f"--at {expected_at}" in out
    assert out.rstrip().endswith("demo complete")
    after = (Path.cwd(), os.environ.get("CHANGEGATE_DB"), os.environ.get("CHANGEGATE_CONFIG"))
    assert after == before, "the demo left its directory or environment behind"


def test_a_failed_expectation_makes_the_demo_exit_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong_step(state: demo.Demo) -> None:
        state.run("change list")
        state.expect("an impossible outcome", "denied", "allowed")

    monkeypatch.setattr(demo, "STEPS", [("setup", demo.step_setup), ("wrong", wrong_step)])

    code = demo.run_demo(tmp_path, datetime(2030, 1, 9, 10, 0, tzinfo=UTC))

    assert code == 1
    assert "FAIL an impossible outcome" in capsys.readouterr().out


def test_a_command_ending_unexpectedly_stops_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        demo, "STEPS", [("setup", demo.step_setup), ("bad", lambda d: d.run("change show CHG9"))]
    )

    code = demo.run_demo(tmp_path, datetime(2030, 1, 9, 10, 0, tzinfo=UTC))

    assert code == 1
    assert "demo stopped: changegate change show exited 1, expected 0" in capsys.readouterr().err
