"""State files on disk: one path, or a glob of them (``states/**/*.tfstate``).

A glob is expanded when the spec is parsed, sorted, so that an audit names the same states in the
same order on every machine; a glob that matches nothing is an error rather than a silently
empty declared view (which would turn every live resource into "unmanaged").
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from change_control.errors import InputError
from drift.sources.base import NOT_FOUND, Source, SourceResult
from drift.sources.documents import load_declared, read_bytes

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class StateFileSource:
    """A state v4 file or saved ``terraform show -json`` state output (recognised by content)."""

    path: Path
    label: str

    @property
    def name(self) -> str:
        """The path as the user wrote it (or as the glob produced it)."""
        return self.label

    def load(self) -> SourceResult:
        """Read and translate the file."""
        hint = f" (for a Terraform working directory use tfpull://{self.label})"
        data = read_bytes(self.path, self.label, hint=hint)
        return load_declared(data, self.label, {"path": str(self.path)})


def is_glob(text: str) -> bool:
    """Whether ``text`` holds glob characters (a real file with such a name wins, see below)."""
    return any(ch in _GLOB_CHARS for ch in text)


def file_sources(location: str, *, label: str | None = None) -> list[Source]:
    """One source per file: the path itself, or every match of a glob, sorted.

    A path that exists is taken literally even if it contains ``[`` or ``*``; a missing plain
    path is reported when it is loaded, with the same message as any missing file. ``label``
    names a single file (the spec as typed); glob matches are named by their path.
    """
    if not location:
        raise InputError("state source: empty path", NOT_FOUND)
    if not is_glob(location) or Path(location).exists():
        return [StateFileSource(Path(location), label or location)]
    matches = sorted(m for m in glob.glob(location, recursive=True) if Path(m).is_file())
    if not matches:
        raise InputError(f"{location}: no file matches this pattern", NOT_FOUND)
    return [StateFileSource(Path(m), m) for m in matches]
