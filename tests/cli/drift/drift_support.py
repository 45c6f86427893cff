"""What the ``changegate drift`` CLI tests share: a real Terraform state, snapshots, the store.

The declared view is always a state written by a real ``terraform apply`` of ``terraform_data``
resources (no provider download, about 0.1 s per command); live snapshots are built from that
state and then edited by hand, the way an operator's console change would show up.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from drift.model import SNAPSHOT_FORMAT

MAIN_TF = """
resource "terraform_data" "web" {
  count = 2
  input = { name = "web-${count.index}", size = "small" }
}

resource "terraform_data" "site" {
  for_each = toset(["a", "b"])
  input    = each.key
}
"""

#: The resource a console user created next to the Terraform-managed ones.
ROGUE = {
    "type": "aws_s3_bucket",
    "id": "rogue-bucket",
    "region": "eu-west-3",
    "account": "123456789012",
    "attributes": {"bucket": "rogue-bucket", "tags": {"env": "dev", "owner": "console"}},
}

LiveItem = dict[str, Any]


def live_items(state: Path) -> list[LiveItem]:
    """The state's managed instances as live-snapshot resources (``terraform_data`` unwrapped)."""
    doc = json.loads(state.read_text(encoding="utf-8"))
    items: list[LiveItem] = []
    for block in doc["resources"]:
        if block.get("mode") != "managed":
            continue
        for instance in block["instances"]:
            attributes = copy.deepcopy(instance["attributes"])
            for name in ("input", "output", "triggers_replace"):
                value = attributes.get(name)
                if isinstance(value, dict) and value.keys() == {"value", "type"}:
                    attributes[name] = value["value"]
            items.append({"type": block["type"], "id": attributes["id"], "attributes": attributes})
    return items


def address_ids(state: Path) -> dict[str, str]:
    """Terraform address -> resource id, for picking resources in tests."""
    doc = json.loads(state.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for block in doc["resources"]:
        for instance in block["instances"]:
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            out[f"{block['type']}.{block['name']}{suffix}"] = instance["attributes"]["id"]
    return out


def write_snapshot(path: Path, items: Iterable[LiveItem], alerts: Iterable[Any] = ()) -> Path:
    """A ``changegate/live-snapshot@1`` file with ``items``."""
    doc = {
        "format": SNAPSHOT_FORMAT,
        "captured_at": "2026-11-22T10:00:00Z",
        "resources": list(items),
        "alerts": list(alerts),
    }
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def edited(items: list[LiveItem], resource_id: str, edit: Callable[[LiveItem], None]) -> None:
    """Apply ``edit`` to the item with ``resource_id``."""
    (item,) = [i for i in items if i["id"] == resource_id]
    edit(item)


def resize(item: LiveItem, size: str = "large") -> None:
    """A console resize of a ``terraform_data.web`` instance: input and output both change."""
    for name in ("input", "output"):
        item["attributes"][name]["size"] = size


def drifted_items(state: Path) -> list[LiveItem]:
    """web[0] resized, web[1] gone, a rogue bucket: one changed, one missing, one unmanaged."""
    ids = address_ids(state)
    items = [i for i in live_items(state) if i["id"] != ids["terraform_data.web[1]"]]
    edited(items, ids["terraform_data.web[0]"], resize)
    return [*items, copy.deepcopy(ROGUE)]


def db_path(db_url: str) -> Path:
    """The SQLite file of a ``sqlite:///`` URL."""
    return Path(db_url.removeprefix("sqlite:///"))


def rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the test's SQLite store; no store file means no rows."""
    path = db_path(db_url)
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        try:
            return list(conn.execute(sql))
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []
            raise


def count(db_url: str, table: str) -> int:
    """Rows in ``table`` (0 when the store or the table does not exist yet)."""
    found = rows(db_url, f"SELECT count(*) FROM {table}")
    return int(found[0][0]) if found else 0


def store_bytes(db_url: str) -> bytes:
    """Every byte of the SQLite store, WAL and shared-memory files included."""
    path = db_path(db_url)
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
