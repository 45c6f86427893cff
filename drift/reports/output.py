"""Several reports from one audit: ``-o table -o json=report.json -o sarif=drift.sarif``.

Every report is rendered before any file is touched, and each file is written to a temporary
sibling and moved into place, so a failure (bad format name, unwritable directory) leaves no
report half-written and no earlier report replaced by a partial run's output.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from change_control.errors import InputError
from drift.model import AuditResult
from drift.reports.base import ReportOptions, reports

STDOUT = "-"


@dataclass(frozen=True)
class OutputSpec:
    """One ``-o FORMAT[=PATH]`` value; ``path`` is ``None`` for stdout."""

    format: str
    path: str | None


def parse_output_spec(spec: str) -> tuple[str, str | None]:
    """``"json=report.json"`` -> ``("json", "report.json")``; ``"table"`` or ``"json=-"`` -> stdout.

    An unknown format raises ``RegistryError`` listing the valid ones; an empty path raises
    ``InputError``.
    """
    name, sep, path = spec.partition("=")
    name = name.strip()
    reports.get(name)  # raises RegistryError naming the valid formats
    if not sep or path == STDOUT:
        return name, None
    if not path.strip():
        raise InputError(f"--output {spec!r}: missing path after '=' (use {name}=FILE or {name})")
    return name, path


def _check_targets(specs: list[OutputSpec]) -> None:
    to_stdout = [spec.format for spec in specs if spec.path is None]
    if len(to_stdout) > 1:
        raise InputError(
            f"--output: only one report can go to stdout, got {', '.join(to_stdout)}; "
            "give the others a file, e.g. json=report.json"
        )
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.path is None:
            continue
        key = os.path.abspath(spec.path)
        if key in seen:
            raise InputError(
                f"--output: {seen[key]} and {spec.format} would both write {spec.path!r}"
            )
        seen[key] = spec.format


def _write_temp(path: Path, text: str) -> Path:
    # O_EXCL on a random sibling name: never follows or clobbers an existing file, and the
    # mode honours the umask like any other file the user creates.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _stage(rendered: list[tuple[OutputSpec, str]]) -> list[tuple[Path, Path]]:
    """Write every file report to a temporary sibling; on failure remove them all."""
    staged: list[tuple[Path, Path]] = []
    try:
        for spec, text in rendered:
            if spec.path is not None:
                target = Path(spec.path)
                staged.append((_write_temp(target, text), target))
    except OSError as err:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise InputError(
            f"cannot write {spec.format} report to {spec.path!r}: {err.strerror or err}"
        ) from None
    return staged


def _commit(staged: list[tuple[Path, Path]]) -> None:
    """Move each staged file into place; what was not moved yet is removed on failure."""
    for temp, target in staged:
        try:
            os.replace(temp, target)
        except OSError as err:
            for leftover, _ in staged:
                leftover.unlink(missing_ok=True)
            raise InputError(
                f"cannot write report {str(target)!r}: {err.strerror or err}"
            ) from None


def write_reports(
    result: AuditResult,
    specs: Sequence[str],
    options: ReportOptions | None = None,
    *,
    stdout: TextIO | None = None,
) -> list[OutputSpec]:
    """Render each ``FORMAT[=PATH]`` spec and write it to its file or to ``stdout``.

    No spec means ``table`` on stdout. Files never get colour; stdout gets ``options.color``.
    Returns what was written, in the order given.
    """
    options = options or ReportOptions()
    parsed = [OutputSpec(*parse_output_spec(spec)) for spec in (specs or ["table"])]
    _check_targets(parsed)
    rendered = []
    for spec in parsed:
        spec_options = options if spec.path is None else replace(options, color=False)
        rendered.append((spec, reports.get(spec.format).factory(result, spec_options)))
    _commit(_stage(rendered))
    out = stdout if stdout is not None else sys.stdout
    for spec, text in rendered:
        if spec.path is None:
            out.write(text)
            out.flush()
    return parsed
