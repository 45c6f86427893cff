"""Inputs of ``cmdb sync --from KIND=REF[,OPTION=VALUE...]`` and the registry of their kinds.

Each kind (``tfstate``, ``snapshot``, ``audit``, ``ansible``) is one registry entry whose
factory turns a parsed ``InputSpec`` into one or more ``Input`` objects (a glob of states gives
several). An input is a named data source: its ``name`` must stay the same from run to run,
because bindings, staleness and the circuit breaker are kept per name (``name=`` overrides the
default, for example for dated snapshot files).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from change_control.errors import InputError
from change_control.registry import Registry
from cmdb_sync.config import CmdbConfig
from cmdb_sync.model import InputBatch

if TYPE_CHECKING:
    from change_control.store.engine import Store

#: Options every kind accepts: the data source's name, a default environment, completeness.
COMMON_OPTIONS = frozenset({"name", "env", "complete"})
_OPTION_SPLIT = re.compile(r",(?=[a-z_]+=)")
_YES = frozenset({"yes", "true", "1", "on"})
_NO = frozenset({"no", "false", "0", "off"})


@dataclass(frozen=True)
class InputSpec:
    """One ``--from`` value: ``tfstate=states/prod.tfstate,name=prod``."""

    text: str
    kind: str
    ref: str
    options: Mapping[str, str] = field(default_factory=dict)

    def option(self, key: str) -> str | None:
        """The value of ``key=`` or ``None``."""
        return self.options.get(key)

    def complete(self, default: bool = True) -> bool:
        """``complete=no`` marks a partial input, which may never retire anything."""
        value = self.options.get("complete")
        if value is None:
            return default
        if value.lower() in _YES:
            return True
        if value.lower() in _NO:
            return False
        raise InputError(f"--from {self.text}: complete={value!r} (use yes or no)")


@dataclass(frozen=True)
class InputContext:
    """What inputs may need besides their spec: settings, the store (audits), AWS options."""

    config: CmdbConfig
    store: Store | None = None
    aws_profile: str | None = None
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    terraform_bin: str = "terraform"


class Input(Protocol):
    """One data source of a sync, not yet read."""

    @property
    def name(self) -> str:
        """The data source's stable name (bindings and staleness are kept under it)."""
        ...

    @property
    def kind(self) -> str:
        """``tfstate``, ``snapshot``, ``audit`` or ``ansible``."""
        ...

    def peek(self) -> Mapping[str, Any] | None:
        """The watermark, if it can be had without reading the whole input (else ``None``)."""
        ...

    def load(self) -> InputBatch:
        """Read and translate the input; a ``ChangegateError`` with one line on bad input."""
        ...


InputFactory = Callable[[InputSpec, InputContext], Sequence[Input]]

inputs: Registry[InputFactory] = Registry("cmdb input kind", "changegate.cmdb_inputs")
"""``--from KIND=REF``: one entry per kind; its ``example`` is shown in ``--help``."""


def parse_from(text: str) -> InputSpec:
    """Split ``KIND=REF[,OPTION=VALUE...]``; the kind must be registered, options known."""
    kind, sep, rest = text.partition("=")
    kind = kind.strip().lower()
    if not sep or not kind:
        valid = ", ".join(inputs.names())
        raise InputError(f"--from {text!r}: expected KIND=REF (kinds: {valid})")
    entry = inputs.get(kind)
    parts = _OPTION_SPLIT.split(rest)
    ref = parts[0].strip()
    if not ref:
        raise InputError(f"--from {text}: missing REF (for example {entry.example})")
    options: dict[str, str] = {}
    allowed = COMMON_OPTIONS | _extra_options(kind)
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key not in allowed:
            valid = ", ".join(sorted(allowed))
            raise InputError(f"--from {text}: unknown option {key!r} for {kind} (valid: {valid})")
        if not value:
            raise InputError(f"--from {text}: option {key} has no value")
        options[key] = value
    return InputSpec(text, kind, ref, options)


#: Options only some kinds accept.
KIND_OPTIONS: dict[str, frozenset[str]] = {"ansible": frozenset({"facts"})}


def _extra_options(kind: str) -> frozenset[str]:
    return KIND_OPTIONS.get(kind, frozenset())


def resolve_inputs(specs: list[InputSpec], context: InputContext) -> list[Input]:
    """Every input the specs name, in order; two inputs with one name are refused."""
    out: list[Input] = []
    seen: dict[str, str] = {}
    for spec in specs:
        for made in inputs.get(spec.kind).factory(spec, context):
            if made.name in seen:
                raise InputError(
                    f"--from {spec.text}: data source {made.name!r} is already given by "
                    f"--from {seen[made.name]} (give one of them name=...)"
                )
            seen[made.name] = spec.text
            out.append(made)
    return out


def local_path(text: str) -> str:
    """A resolved absolute path for a local file (names stay stable whatever the cwd)."""
    return str(Path(text).expanduser().resolve())


def file_digest(path: Path) -> str | None:
    """SHA-256 of a local file, or ``None`` when it cannot be read (``load`` will say why)."""
    import hashlib

    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def environment_of(
    attributes: Mapping[str, Any], tags_keys: tuple[str, ...], default: str | None
) -> str | None:
    """The environment tag of a resource (``Environment``, ``env``...), else ``default``."""
    tags = attributes.get("tags")
    if isinstance(tags, Mapping):
        for key in tags_keys:
            value = tags.get(key)
            if isinstance(value, str) and value:
                return value
    return default


@dataclass(frozen=True)
class StaticInput:
    """An input whose batch is already in memory (tests, benchmarks, other programs)."""

    batch: InputBatch

    @property
    def name(self) -> str:
        """The batch's data source name."""
        return self.batch.source

    @property
    def kind(self) -> str:
        """The batch's kind."""
        return self.batch.kind

    def peek(self) -> Mapping[str, Any] | None:
        """The batch's own watermark."""
        return dict(self.batch.watermark)

    def load(self) -> InputBatch:
        """The batch itself."""
        return self.batch
