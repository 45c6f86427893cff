"""The one output helper every read command prints through, and URL redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from change_control.model import ChangeType
from drift.cli.context import redact_url
from drift.cli.output import TableView, cell, emit, fields, table_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        ("", "-"),
        ((), "-"),
        ([], "-"),
        (("web*", "db*"), "web*, db*"),
        (datetime(2030, 1, 7, 12, 0, tzinfo=timezone(timedelta(hours=1))), "2030-01-07T11:00:00Z"),
        (3, "3"),
        ("text", "text"),
    ],
)
def test_a_cell_shows_values_canonically_and_blanks_as_a_dash(value: object, text: str) -> None:
    assert cell(value) == text


def test_fields_align_values_after_their_labels() -> None:
    assert fields([("id", "CHG1"), ("requested by", "alice")]) == [
        "id:            CHG1",
        "requested by:  alice",
    ]


def test_json_output_prints_instants_and_enums_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    data = {"at": datetime(2030, 1, 7, tzinfo=UTC), "type": ChangeType.NORMAL, "ids": ("a",)}

    emit("json", data, lambda: ["never built"])

    assert json.loads(capsys.readouterr().out) == {
        "at": "2030-01-07T00:00:00Z",
        "type": "normal",
        "ids": ["a"],
    }


def test_table_output_renders_the_view_and_never_builds_it_for_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    built: list[str] = []

    def view() -> list[str | TableView]:
        built.append("table")
        return [
            "headline",
            TableView(("a", "b"), (("1", "two [x]"),), "Title"),
            TableView(("c",), ()),
        ]

    emit("json", {}, view)
    assert built == []
    assert capsys.readouterr().out == "{}\n"
    emit("table", {}, view)

    lines = capsys.readouterr().out.splitlines()
    assert built == ["table"]
    assert lines[0:2] == ["headline", "Title"]
    assert lines[2].split() == ["a", "b"]
    assert lines[4].split() == ["1", "two", "[x]"]
    assert lines[-1] == "  (none)"


def test_a_table_keeps_long_ids_whole_and_ends_lines_without_padding() -> None:
    long_id = "CHG" + "9" * 60

    text = table_text(TableView(("id", "summary"), ((long_id, "short"), ("CHG1", "x" * 50))))

    assert long_id in text
    assert all(line == line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://cg:s3cr:et@db/cg", "postgresql+psycopg://cg:***@db/cg"),
        ("postgresql+psycopg://cg@db/cg", "postgresql+psycopg://cg@db/cg"),
        ("sqlite:////var/lib/cg.db", "sqlite:////var/lib/cg.db"),
    ],
)
def test_a_printed_store_url_never_shows_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown
