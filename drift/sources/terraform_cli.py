"""States read through the Terraform CLI (python-terraform): any backend, and binary plans.

``terraform state pull`` works for every backend Terraform knows (S3, GCS, HTTP, Terraform
Cloud...), with the user's own backend configuration and credentials, so changegate never has to
reimplement backends. ``terraform show -json`` turns a working directory's state or a binary
plan into the documented JSON.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from change_control.errors import ConfigError, InputError
from drift.sources.base import NOT_FOUND, TERRAFORM_FAILED, SourceResult
from drift.sources.documents import load_declared, load_plan, read_bytes

# python-terraform parses ``terraform.tfstate`` of the working directory after every command
# (and in its constructor). Pointing it at a name that does not exist skips that second parse of
# a possibly huge state, and a corrupt local state cannot break a remote-backend pull.
_NO_LOCAL_STATE = ".changegate-no-local-state"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ZIP_MAGIC = b"PK\x03\x04"


def terraform_error(stderr: str) -> str:
    """The first meaningful line of Terraform's boxed, possibly coloured, error output."""
    lines = [_ANSI.sub("", line).strip(" │╷╵\t") for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith("Error:"):
            return line.removeprefix("Error:").strip()
    return lines[0] if lines else "no error message"


def run_terraform(directory: Path, origin: str, terraform_bin: str, *args: str) -> str:
    """Run ``terraform ARGS`` in ``directory`` and return stdout, or raise one line."""
    if not directory.is_dir():
        raise InputError(f"{origin}: no such directory", NOT_FOUND)
    binary = shutil.which(terraform_bin)
    if binary is None:
        raise ConfigError(
            f"{origin}: terraform not found on PATH ({terraform_bin!r}); install Terraform "
            "or give the state file itself",
            TERRAFORM_FAILED,
        )
    from python_terraform import Terraform  # type: ignore[import-untyped]

    runner = Terraform(working_dir=str(directory), terraform_bin_path=binary, state=_NO_LOCAL_STATE)
    code, out, err = runner.cmd(*args)
    if code != 0:
        raise InputError(
            f"{origin}: terraform {' '.join(args)} failed: {terraform_error(err or '')}",
            TERRAFORM_FAILED,
        )
    return str(out or "")


@dataclass(frozen=True)
class TerraformPullSource:
    """``terraform state pull`` in a working directory that ``terraform init`` has prepared."""

    directory: Path
    label: str
    terraform_bin: str = "terraform"

    @property
    def name(self) -> str:
        """The spec as written, e.g. ``tfpull://infra/prod``."""
        return self.label

    def load(self) -> SourceResult:
        """Pull the state through the working directory's backend and translate it."""
        out = run_terraform(self.directory, self.label, self.terraform_bin, "state", "pull")
        if not out.strip():
            raise InputError(
                f"{self.label}: terraform state pull returned no state "
                "(nothing applied in this working directory yet?)",
                NOT_FOUND,
            )
        return load_declared(out, self.label, {"directory": str(self.directory)})


@dataclass(frozen=True)
class TerraformShowSource:
    """``terraform show -json``: a JSON file already written, or a working directory."""

    path: Path
    label: str
    terraform_bin: str = "terraform"

    @property
    def name(self) -> str:
        """The spec as written, e.g. ``tfshow://state.json``."""
        return self.label

    def load(self) -> SourceResult:
        """Read the saved JSON, or run ``terraform show -json`` when given a directory."""
        if self.path.is_dir():
            out = run_terraform(self.path, self.label, self.terraform_bin, "show", "-json")
            return load_declared(out, self.label, {"directory": str(self.path)})
        return load_declared(read_bytes(self.path, self.label), self.label, {})


@dataclass(frozen=True)
class PlanSource:
    """A saved refresh-only plan: its ``show -json`` output, or the binary plan file itself.

    A binary plan is read with ``terraform show -json`` in the plan's directory, which must be
    the initialised working directory that wrote it (Terraform needs its providers' schemas).
    """

    path: Path
    label: str
    terraform_bin: str = "terraform"

    @property
    def name(self) -> str:
        """The spec as written, e.g. ``plan://drift.json``."""
        return self.label

    def load(self) -> SourceResult:
        """Decode the plan's ``resource_drift`` into declared/live pairs."""
        data = read_bytes(self.path, self.label)
        if data.startswith(_ZIP_MAGIC):
            directory = self.path.resolve().parent
            out = run_terraform(
                directory, self.label, self.terraform_bin, "show", "-json", str(self.path.resolve())
            )
            return load_plan(out, self.label, {"path": str(self.path)})
        return load_plan(data, self.label, {"path": str(self.path)})
