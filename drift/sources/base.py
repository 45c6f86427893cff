"""What every source of resources hands the engine, and the registry of state-source schemes.

A source only reads and translates: it turns a Terraform state, a plan or a live snapshot into
``Resource`` values and ``Alert`` values. Filtering, matching and comparing belong to the engine
(STYLE.md habit 3), so a new source never needs to know how drift is decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from change_control.registry import Registry
from drift.model import Alert, Resource

# Stable error codes scripts can match on (the message is for people).
NOT_FOUND = "source.not_found"
INVALID_JSON = "source.invalid_json"
UNSUPPORTED_VERSION = "source.unsupported_version"
NOT_A_STATE = "source.not_a_state"
ACCESS_DENIED = "source.access_denied"
UNAVAILABLE = "source.unavailable"
TERRAFORM_FAILED = "source.terraform_failed"


@dataclass(frozen=True)
class SourceOptions:
    """Settings a source may need, resolved once at the edge (the CLI) and passed down.

    The AWS values are explicit overrides; when they are ``None`` boto3 applies its own chain
    (environment, shared config, instance role), which is what users expect of an AWS tool.
    """

    aws_profile: str | None = None
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    terraform_bin: str = "terraform"


@dataclass(frozen=True)
class SourceResult:
    """Everything one source produced.

    ``meta`` carries cheap change-detection facts (``lineage``, ``serial``, ``sha256``...), so a
    caller can skip a state it has already audited without comparing resources.
    """

    resources: tuple[Resource, ...]
    alerts: tuple[Alert, ...] = ()
    origin: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)


class Source(Protocol):
    """Anything that yields resources: a state file, an S3 object, a snapshot, a collector."""

    @property
    def name(self) -> str:
        """The origin as the user wrote it; findings carry it as their ``source``."""
        ...

    def load(self) -> SourceResult:
        """Read and translate; raise a ``ChangegateError`` with one line on bad input."""
        ...


@dataclass(frozen=True)
class SourceSpec:
    """A parsed ``--state`` value: the text as typed (findings show it), scheme and location."""

    text: str
    scheme: str
    location: str


# A factory returns a list because one spec (a glob) can name several states.
SourceFactory = Callable[[SourceSpec, SourceOptions], list[Source]]

sources: Registry[SourceFactory] = Registry("state source", "changegate.sources")
