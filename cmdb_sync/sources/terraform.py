"""``--from tfstate=SPEC`` and ``--from snapshot=FILE``: the drift auditor's sources as inputs.

A state SPEC is anything ``drift audit --state`` reads (a path or glob, ``s3://``,
``tfpull://DIR``, ``tfshow://``); a glob gives one data source per file. The watermark is the
state's lineage and serial plus the content digest, and for a local file the digest is taken
before parsing, so an unchanged 100 MB state is skipped without decoding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmdb_sync.model import InputBatch
from cmdb_sync.sources.base import (
    InputContext,
    InputSpec,
    file_digest,
    inputs,
    local_path,
)
from cmdb_sync.sources.resources import resource_items
from drift.sources.base import Source


@dataclass(frozen=True)
class StateInput:
    """One Terraform state read through ``drift.sources``."""

    source: Source
    spec: InputSpec
    context: InputContext
    name: str
    kind: str = "tfstate"

    def peek(self) -> Mapping[str, Any] | None:
        """The digest of a local state file, without parsing it."""
        path = getattr(self.source, "path", None)
        if isinstance(path, Path) and path.is_file():
            digest = file_digest(path)
            return {"sha256": digest} if digest else None
        return None

    def load(self) -> InputBatch:
        """Read the state and turn its managed resources and modules into items."""
        result = self.source.load()
        items = resource_items(
            result.resources, self.name, self.context.config, self.spec.option("env")
        )
        watermark = {
            k: result.meta.get(k) for k in ("lineage", "serial", "sha256") if result.meta.get(k)
        }
        return InputBatch(
            source=self.name,
            kind=self.kind,
            items=tuple(items),
            complete=self.spec.complete(),
            watermark=watermark,
        )


@dataclass(frozen=True)
class SnapshotInput:
    """A live snapshot file (``changegate/live-snapshot@1``)."""

    path: Path
    spec: InputSpec
    context: InputContext
    name: str
    kind: str = "snapshot"

    def peek(self) -> Mapping[str, Any] | None:
        """The snapshot file's digest, without parsing it."""
        digest = file_digest(self.path)
        return {"sha256": digest} if digest else None

    def load(self) -> InputBatch:
        """Read the snapshot; one that carries access-denied alerts is not complete."""
        from drift.sources.snapshot import read_snapshot

        result = read_snapshot(self.path)
        items = resource_items(
            result.resources, self.name, self.context.config, self.spec.option("env")
        )
        notes = tuple(f"{a.source}: {a.code}: {a.message}" for a in result.alerts)
        return InputBatch(
            source=self.name,
            kind=self.kind,
            items=tuple(items),
            # A collector that was denied saw nothing of its type: its silence is no evidence.
            complete=self.spec.complete(default=not result.alerts),
            watermark={"sha256": result.meta.get("sha256")},
            notes=notes,
        )


def state_source_name(source: Source) -> str:
    """``tfstate:/abs/path`` for a local state, else ``tfstate:`` plus the spec as typed."""
    path = getattr(source, "path", None) or getattr(source, "directory", None)
    if isinstance(path, Path):
        return f"tfstate:{path.resolve()}"
    return f"tfstate:{source.name}"


@inputs.register(
    "tfstate",
    help="a Terraform state: any SPEC `drift audit --state` reads (path or glob, s3://, "
    "tfpull://DIR, tfshow://FILE); one data source per state",
    example="tfstate=states/prod.tfstate",
)
def _tfstate(spec: InputSpec, context: InputContext) -> list[StateInput]:
    from drift.sources import parse_spec

    found = parse_spec(
        spec.ref,
        profile=context.aws_profile,
        region=context.aws_region,
        endpoint_url=context.aws_endpoint_url,
        terraform_bin=context.terraform_bin,
    )
    named = spec.option("name")
    if named and len(found) > 1:
        from change_control.errors import InputError

        raise InputError(
            f"--from {spec.text}: name= needs a single state, the glob gives {len(found)}"
        )
    return [
        StateInput(
            source, spec, context, f"tfstate:{named}" if named else state_source_name(source)
        )
        for source in found
    ]


@inputs.register(
    "snapshot",
    help="a live snapshot file written by `changegate drift snapshot` (give dated files one "
    "name=, so they count as one data source)",
    example="snapshot=live.json,name=aws-prod",
)
def _snapshot(spec: InputSpec, context: InputContext) -> list[SnapshotInput]:
    named = spec.option("name")
    name = f"snapshot:{named}" if named else f"snapshot:{local_path(spec.ref)}"
    return [SnapshotInput(Path(spec.ref), spec, context, name)]
