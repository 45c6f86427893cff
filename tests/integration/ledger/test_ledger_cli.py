"""``changegate audit``: verify (0 intact / 2 tampered / 1 error), show, export and replay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from change_control.ledger.jsonl_sink import JsonlSink
from change_control.ledger.recorder import Recorder
from change_control.ledger.store_sink import StoreSink
from change_control.store.engine import Store, open_store
from drift.cli.main import main
from tests.integration.ledger.ledger_support import known_events


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


@dataclass
class Cli:
    root: Path
    url: str

    def __call__(self, *args: str, url: str | None = None) -> Outcome:
        env = {
            "XDG_STATE_HOME": str(self.root / "xdg"),
            "CHANGEGATE_DB": None,
            "CHANGEGATE_CONFIG": None,
        }
        with CliRunner().isolation(env=env) as (out, err, _):
            code = main(["--db", url or self.url, *args])
            return Outcome(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A SQLite store holding the known two-run ledger; the cwd has no changegate.yml."""
    monkeypatch.chdir(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    StoreSink(store).write(known_events())
    yield store
    store.dispose()


@pytest.fixture
def cli(tmp_path: Path, ledger: Store) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")


def test_verify_exits_0_for_an_intact_ledger(cli: Cli) -> None:
    done = cli("audit", "verify")
    assert (done.code, done.stdout) == (0, "ledger intact: 10 events checked\n")


def test_verify_exits_2_and_names_the_first_broken_link(cli: Cli, ledger: Store) -> None:
    with ledger.begin() as conn:
        conn.execute(text("DELETE FROM run_events WHERE seq = 5"))
    with ledger.read() as conn:  # event ids are random: read the one at seq 6 back
        event_id = conn.execute(text("SELECT event_id FROM run_events WHERE seq = 6")).scalar_one()
    done = cli("audit", "verify")
    assert done.code == 2
    assert done.stdout.splitlines() == [
        f"ledger TAMPERED: first broken link at seq 6, event {event_id}, run A: prev_hash does "
        "not match event 4 (event deleted, inserted or reordered)",
        "9 events checked",
    ]


def test_verify_json_reports_the_broken_link_as_data(cli: Cli, ledger: Store) -> None:
    with ledger.begin() as conn:
        conn.execute(text("UPDATE run_events SET body = '{}' WHERE seq = 7"))
    done = cli("audit", "verify", "--run", "B", "--format", "json")
    data = json.loads(done.stdout)
    assert done.code == 2
    assert (data["ok"], data["checked"], data["run_id"]) == (False, 5, "B")
    broken = data["first_broken"]
    assert (broken["seq"], broken["run_id"], broken["problem"]) == (
        7,
        "B",
        "hash mismatch (event edited)",
    )
    assert cli("audit", "verify", "--run", "A").code == 0


def test_verify_exits_1_with_one_line_when_the_store_cannot_be_opened(
    cli: Cli, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = cli("audit", "verify", url=f"sqlite:///{blocker / 'x.db'}")
    assert done.code == 1
    assert done.stderr.startswith("error: cannot open the store")
    assert len(done.stderr.splitlines()) == 1


def test_verify_of_an_unknown_run_exits_1(cli: Cli) -> None:
    done = cli("audit", "verify", "--run", "nope")
    assert (done.code, done.stderr) == (1, "error: run 'nope': no such run in the ledger\n")


def test_show_prints_the_run_header_and_its_events(cli: Cli) -> None:
    done = cli("audit", "show", "A")
    assert done.code == 0
    lines = done.stdout.splitlines()
    assert lines[:4] == [
        "run:         A",
        "change:      CHG0000001",
        "status:      ok",
        "actor:       alice",
    ]
    assert "events" in lines
    assert sum("task_result" in line for line in lines) == 3
    assert any("host=web1 status=ok" in line for line in lines)


def test_show_json_has_the_run_and_all_its_events(cli: Cli) -> None:
    data = json.loads(cli("audit", "show", "B", "--format", "json").stdout)
    assert data["run"]["change_id"] == "CHG0000002"
    assert [e["seq"] for e in data["events"]] == [4, 5, 7, 9, 10]


def test_show_of_an_unknown_run_exits_1(cli: Cli) -> None:
    assert cli("audit", "show", "nope").code == 1


def test_export_jsonl_prints_one_canonical_event_per_line(cli: Cli) -> None:
    done = cli(
        "audit", "export", "--since", "2026-11-22T09:00:02Z", "--until", "2026-11-22T09:00:06Z"
    )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.code == 0
    assert [r["seq"] for r in records] == [3, 4, 5, 6]
    assert set(records[0]) == {
        "seq",
        "event_id",
        "run_id",
        "kind",
        "at",
        "body",
        "prev_hash",
        "hash",
    }


def test_export_json_to_a_file_writes_one_array(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    done = cli("audit", "export", "--run", "A", "--format", "json", "-o", str(target))
    assert (done.code, done.stdout) == (0, "")
    assert [e["seq"] for e in json.loads(target.read_text())] == [1, 2, 3, 6, 8]


def test_export_with_a_bad_instant_exits_1_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    done = cli("audit", "export", "--since", "yesterday", "-o", str(target))
    assert done.code == 1
    assert done.stderr.startswith("error: --since: 'yesterday' is not an ISO 8601 time")
    assert not target.exists()
    assert list(tmp_path.glob(".out.jsonl.*")) == []


def test_replay_delivers_a_spooled_run_to_the_store(cli: Cli, tmp_path: Path) -> None:
    spool = tmp_path / "xdg" / "changegate" / "spool"
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    recorder = Recorder([StoreSink(f"sqlite:///{blocker / 'x.db'}")], spool)
    for kind in ("run_start", "task_result", "run_end"):
        recorder.new_event("C", kind, {"change_id": "CHG0000003"})
    recorder.close()

    done = cli("audit", "replay")
    assert done.code == 0
    assert done.stdout.splitlines() == [
        f"replayed 3 events from {spool} (0 already present, 0 still failing)",
        "complete, spool removed: C",
    ]
    assert cli("audit", "verify").stdout == "ledger intact: 13 events checked\n"
    assert cli("audit", "replay").stdout.startswith("replayed 0 events")


def test_replay_exits_1_while_the_store_still_fails(cli: Cli, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    bad_url = f"sqlite:///{blocker / 'x.db'}"
    recorder = Recorder([StoreSink(bad_url)], spool)
    recorder.new_event("C", "note", {"text": "hi"})
    recorder.close()
    done = cli("audit", "replay", "--spool", str(spool), url=bad_url)
    assert done.code == 1


def test_verify_checks_a_json_lines_ledger_without_the_store(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    JsonlSink(path).write(known_events())
    assert cli("audit", "verify", "--jsonl", str(path)).stdout == (
        "ledger intact: 10 events checked\n"
    )
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3] + lines[4:]))
    done = cli("audit", "verify", "--jsonl", str(path), url="sqlite:////nonexistent/never.db")
    assert done.code == 2
    assert "first broken link at seq 4" in done.stdout


def test_verify_of_a_missing_json_lines_file_exits_1(cli: Cli, tmp_path: Path) -> None:
    done = cli("audit", "verify", "--jsonl", str(tmp_path / "missing.jsonl"))
    assert done.code == 1
    assert done.stderr.startswith("error: ")
