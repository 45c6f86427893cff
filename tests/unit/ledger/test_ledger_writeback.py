"""Write-back: one work note per run end on the change, quoting the chain hash."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from change_control.errors import ConfigError, RegistryError
from change_control.ledger.events import LedgerEvent
from change_control.ledger.jsonl_sink import JsonlSink
from change_control.ledger.sinks import SinkConfig, StoreSink, WritebackSink, build_sinks, sinks
from change_control.ledger.writeback import host_counts

from .ledger_fakes import T0


class NotesProvider:
    """Records work notes; the only provider call write-back makes."""

    name = "fake"

    def __init__(self) -> None:
        self.notes: list[tuple[str, str, str, datetime]] = []

    def add_note(self, change_id: str, actor: str, text: str, at: datetime) -> None:
        self.notes.append((change_id, actor, text, at))


class FixedHead:
    last_hash: str | None = "ab" * 32


STATS = {
    "web1": {"ok": 5, "changed": 2, "failures": 0, "unreachable": 0},
    "web2": {"ok": 5, "changed": 0, "failures": 0, "unreachable": 0},
    "db1": {"ok": 1, "changed": 0, "failures": 1, "unreachable": 0},
}


def run(run_id: str = "r1", end_body: dict[str, object] | None = None) -> list[LedgerEvent]:
    return [
        LedgerEvent.new(run_id, "run_start", T0, {"change_id": "CHG0000042"}),
        LedgerEvent.new(run_id, "gate_decision", T0, {"allowed": True}),
        LedgerEvent.new(run_id, "gate_decision", T0, {"allowed": True}),
        LedgerEvent.new(run_id, "gate_decision", T0, {"allowed": False}),
        LedgerEvent.new(
            run_id, "run_end", T0, end_body if end_body is not None else {"stats": STATS}
        ),
    ]


def test_a_run_end_adds_one_note_summarising_the_run() -> None:
    provider = NotesProvider()
    sink = WritebackSink(provider, head_source=FixedHead())  # type: ignore[arg-type]
    events = run()
    sink.write(events[:2])
    assert provider.notes == []
    assert sink.write(events[2:]).written == 1
    [(change_id, actor, text, at)] = provider.notes
    assert (change_id, actor, at) == ("CHG0000042", "changegate", T0)
    assert text == (
        "changegate run r1: failed. Hosts: 1 ok, 1 changed, 1 failed. "
        "Gated tasks: 2 allowed, 1 denied. "
        f"Ledger chain hash: {'ab' * 32}. (event {events[-1].event_id})"
    )


def test_the_run_end_body_wins_over_what_the_sink_saw() -> None:
    provider = NotesProvider()
    sink = WritebackSink(provider)  # type: ignore[arg-type]
    end = {"change_id": "CHG0000007", "status": "ok", "gated": {"allowed": 9, "denied": 0}}
    sink.write([LedgerEvent.new("r9", "run_end", T0, end)])
    [(change_id, _, text, _)] = provider.notes
    assert change_id == "CHG0000007"
    assert "Gated tasks: 9 allowed, 0 denied." in text
    assert "Ledger chain hash: unavailable" in text


def test_an_interrupted_run_is_noted_as_interrupted() -> None:
    provider = NotesProvider()
    sink = WritebackSink(provider)  # type: ignore[arg-type]
    start = LedgerEvent.new("r2", "run_start", T0, {"change_id": "CHG0000001"})
    sink.write([start, LedgerEvent.new("r2", "run_interrupted", T0, {"signal": "SIGINT"})])
    assert provider.notes[0][2].startswith("changegate run r2: interrupted.")


def test_a_run_without_a_change_writes_no_note() -> None:
    provider = NotesProvider()
    sink = WritebackSink(provider)  # type: ignore[arg-type]
    result = sink.write([LedgerEvent.new("r3", "run_end", T0, {})])
    assert (result.written, provider.notes) == (0, [])


def test_host_counts_put_each_host_in_one_bucket() -> None:
    counts = host_counts({**STATS, "x": {"unreachable": 1, "changed": 3}, "junk": 3})
    assert (counts.ok, counts.changed, counts.failed) == (1, 1, 2)


def test_every_registered_sink_builds_from_a_full_config(tmp_path: Path) -> None:
    config = SinkConfig(
        store="sqlite:///" + str(tmp_path / "never-opened.db"),
        jsonl_path=tmp_path / "l.jsonl",
        provider=NotesProvider(),  # type: ignore[arg-type]
    )
    for entry in sinks:
        assert entry.help
        assert entry.factory(config).name == entry.name


@pytest.mark.parametrize("name", ["store", "jsonl", "writeback"])
def test_a_sink_missing_its_setting_says_which(name: str) -> None:
    with pytest.raises(ConfigError, match=f"ledger sink '{name}' needs"):
        sinks.get(name).factory(SinkConfig())


def test_an_unknown_sink_lists_the_valid_ones() -> None:
    with pytest.raises(RegistryError, match="valid: jsonl, store, writeback"):
        sinks.get("kafka")


def test_build_sinks_lets_writeback_quote_the_store_head(tmp_path: Path) -> None:
    config = SinkConfig(
        store="sqlite:///" + str(tmp_path / "never-opened.db"),
        jsonl_path=tmp_path / "l.jsonl",
        provider=NotesProvider(),  # type: ignore[arg-type]
    )
    built = build_sinks(["jsonl", "store", "writeback"], config)
    assert [s.name for s in built] == ["jsonl", "store", "writeback"]
    assert isinstance(built[0], JsonlSink) and isinstance(built[1], StoreSink)
    writeback = built[2]
    assert isinstance(writeback, WritebackSink)
    assert writeback.head_source is built[1]
