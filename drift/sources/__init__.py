"""Where the drift auditor's resources come from: Terraform states, plans and live snapshots.

Importing this package registers the built-in state-source schemes (``file``, ``s3``,
``tfpull``, ``tfshow``, ``plan``) in ``sources``; it imports neither boto3 nor python-terraform,
which load only when a source that needs them is read.
"""

from drift.sources.base import Source, SourceOptions, SourceResult, SourceSpec, sources
from drift.sources.snapshot import SnapshotSource, read_snapshot, write_snapshot
from drift.sources.spec import parse_spec

__all__ = [
    "SnapshotSource",
    "Source",
    "SourceOptions",
    "SourceResult",
    "SourceSpec",
    "parse_spec",
    "read_snapshot",
    "sources",
    "write_snapshot",
]
