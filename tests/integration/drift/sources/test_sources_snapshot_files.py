"""Live snapshot files: written atomically and stably, read back identically, rejected clearly."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from change_control.errors import InputError
from drift.model import Alert, Resource, View
from drift.sources import SnapshotSource, read_snapshot, write_snapshot

CAPTURED = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RESOURCES = [
    Resource(
        "aws_s3_bucket",
        "logs",
        {"bucket": "logs", "tags": {"b": "2", "a": "1"}},
        View.LIVE,
        region="eu-west-3",
        account="123456789012",
    ),
    Resource("aws_instance", "i-0abc", {"instance_state": "running"}, View.LIVE),
]
ALERTS = [Alert("aws", "access_denied", "iam:ListUsers denied", "aws_iam_user", "us-east-1")]


def test_a_written_snapshot_reads_back_as_the_same_live_resources(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "live.json", RESOURCES, ALERTS, CAPTURED)
    result = SnapshotSource(path).load()
    assert sorted(result.resources, key=lambda r: r.id) == sorted(
        [
            Resource(
                r.type,
                r.id,
                r.attributes,
                View.LIVE,
                source=str(path),
                region=r.region,
                account=r.account,
            )
            for r in RESOURCES
        ],
        key=lambda r: r.id,
    )
    assert result.alerts == tuple(ALERTS)
    assert result.meta["captured_at"] == CAPTURED


def test_the_same_input_in_any_order_writes_identical_bytes(tmp_path: Path) -> None:
    first = write_snapshot(tmp_path / "a.json", RESOURCES, ALERTS, CAPTURED).read_bytes()
    second = write_snapshot(tmp_path / "b.json", RESOURCES[::-1], ALERTS, CAPTURED).read_bytes()
    assert first == second
    doc = json.loads(first)
    assert [r["id"] for r in doc["resources"]] == ["i-0abc", "logs"]
    assert list(doc["resources"][1]["attributes"]["tags"]) == ["a", "b"]
    assert doc["format"] == "changegate/live-snapshot@1"
    assert first.endswith(b"}\n")


def test_the_snapshot_is_private_to_its_owner_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    path = write_snapshot(tmp_path / "live.json", RESOURCES, [], CAPTURED)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.json"]


def test_a_failed_write_keeps_the_previous_snapshot_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    path = write_snapshot(tmp_path / "live.json", RESOURCES, [], CAPTURED)
    before = path.read_bytes()
    broken = [Resource("aws_x", "x", {"when": datetime.now(UTC)}, View.LIVE)]
    with pytest.raises(InputError, match=r"live.json: cannot write snapshot: .*not JSON"):
        write_snapshot(path, broken, [], CAPTURED)
    with pytest.raises(InputError, match=r"live.json: cannot write snapshot: Out of range"):
        write_snapshot(path, [Resource("aws_x", "x", {"n": float("nan")}, View.LIVE)], [], CAPTURED)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.json"]


def test_writing_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        write_snapshot(tmp_path / "no" / "live.json", RESOURCES, [], CAPTURED)
    assert str(caught.value) == (
        f"{tmp_path / 'no' / 'live.json'}: no such directory {str(tmp_path / 'no')!r}"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("", "invalid JSON at line 1, column 1: Expecting value"),
        (
            '{"format": "changegate/live-snapshot@1", "captured_at": "2026-11-22T10:00:00Z",\n'
            ' "resources": [{"type": "aws_vpc", "id": 7, "attributes": {}}]}',
            "$.resources[0].id: must be string (got number)",
        ),
    ],
)
def test_a_bad_snapshot_file_is_one_line_naming_it(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "live.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_snapshot(path)
    assert str(caught.value) == f"{path}: {message}"
