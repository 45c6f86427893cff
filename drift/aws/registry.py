"""The collector registry: one declarative entry per Terraform type the AWS source can read.

A ``Collector`` says which API calls it makes (``apis``: also what ``drift iam-policy`` grants),
which attributes of the provider's schema it fills (``covered``: the engine compares only
those, see ``drift.engine.compare.EngineOptions.live_coverage``), which declared types its
resources match (``answers``) and how ``--only-managed`` narrows it (``scoped_by``). Most
collectors are a ``Listing``: one paginated list call, a result key, an id field and a mapping
function, interpreted by one engine (cloud-custodian's ``enum_spec``). The few types AWS exposes
only through several calls (S3, KMS, DynamoDB, Route 53 records) have a small ``collect``
function instead, still making every call through the repository.

Nothing here imports boto3: ``changegate drift types`` and ``iam-policy`` stay instant.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from change_control.errors import InputError
from change_control.registry import Entry, Registry
from drift.model import Alert, Resource

T = TypeVar("T")
AttrPath = tuple[str | int, ...]

#: EC2 accepts at most 200 values in one filter.
FILTER_CHUNK = 200

#: IAM action names that differ from the API operation name.
_ACTION_NAMES: Mapping[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "GetBucketPublicAccessBlock",
}


class Scope(StrEnum):
    """Where a collector runs: once per region, or once per account (IAM, Route 53, S3)."""

    REGIONAL = "regional"
    GLOBAL = "global"


@dataclass(frozen=True)
class Api:
    """One AWS API operation: the boto3 service name and the operation's model name."""

    service: str
    operation: str

    @property
    def action(self) -> str:
        """The IAM action that allows the call (``s3:ListAllMyBuckets`` for ListBuckets)."""
        return f"{self.service}:{_ACTION_NAMES.get((self.service, self.operation), self.operation)}"


class Calls(Protocol):
    """The repository as collectors see it: bound to one account and region."""

    @property
    def region(self) -> str:
        """The region the calls go to."""
        ...

    def call(self, api: Api, *, absent: Collection[str] = (), **params: Any) -> dict[str, Any]:
        """One (cached) call; an error code in ``absent`` means "not configured": ``{}``."""
        ...

    def pages(self, api: Api, key: str, **params: Any) -> list[Any]:
        """Every item under ``key`` (``repository.extract``) across all pages (cached)."""
        ...

    def in_region(self, region: str) -> Calls:
        """The same account in another region (S3 buckets live in their own region)."""
        ...


@dataclass(frozen=True)
class Found:
    """One resource a collector read: its provider id and Terraform-shaped attributes.

    ``type`` defaults to the collector's; ``region`` defaults to the context's region for
    regional collectors and to none for global ones; ``sensitive`` lists attribute paths whose
    values must never be printed.
    """

    id: str
    attributes: dict[str, Any]
    type: str | None = None
    region: str | None = None
    sensitive: frozenset[AttrPath] = frozenset()


FanOut = Callable[["Context", Callable[[Any], list[Found]], Sequence[Any]], list[Found]]


class Context:
    """What a collector gets: calls for its account and region, scope, and a fan-out helper."""

    def __init__(
        self,
        calls: Calls,
        *,
        account: str,
        partition: str = "aws",
        ids: frozenset[str] | None = None,
        regions: frozenset[str] | None = None,
        fan_out: FanOut | None = None,
    ) -> None:
        self.calls = calls
        self.account = account
        self.partition = partition
        self.ids = ids
        self.regions = regions
        self.alerts: list[Alert] = []
        self._fan_out = fan_out

    @property
    def region(self) -> str:
        """The region this context's calls go to."""
        return self.calls.region

    def wanted(self, ident: str) -> bool:
        """Whether ``--only-managed`` keeps ``ident`` (always true without it)."""
        return self.ids is None or ident in self.ids

    def each(self, func: Callable[[T], list[Found]], items: Sequence[T]) -> list[Found]:
        """``func`` over ``items`` (per-resource calls), concurrently when the engine allows.

        A denied or failed item becomes an alert and the others go on (a bucket policy that
        denies the auditor must not hide every other bucket).
        """
        if self._fan_out is not None:
            return self._fan_out(self, func, items)
        out: list[Found] = []
        for item in items:
            out.extend(func(item))
        return out

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        """``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`` for this account."""
        where = self.region if region is None else region
        return f"arn:{self.partition}:{service}:{where}:{self.account}:{resource}"


Collect = Callable[[Context], list[Found]]
ScopeKeys = Callable[[Resource], Iterable[str]]


def own_id(resource: Resource) -> Iterable[str]:
    """The default ``--only-managed`` key: the declared resource's id."""
    return (resource.id,)


@dataclass(frozen=True)
class Listing:
    """A declarative collector body: one list API, its result key, the id field, a mapping.

    ``id_filter`` names the EC2 filter that restricts the listing to given ids
    (``--only-managed``); ``keep`` drops items the provider treats as gone (terminated
    instances).
    """

    api: Api
    key: str
    id_field: str
    mapper: Callable[[Mapping[str, Any], Context], dict[str, Any]]
    params: Mapping[str, Any] = field(default_factory=dict)
    id_filter: str | None = None
    keep: Callable[[Mapping[str, Any]], bool] | None = None

    def __call__(self, ctx: Context) -> list[Found]:
        """List, filter and map (the whole collector for most EC2 types)."""
        out = []
        for item in self.items(ctx):
            if self.keep is not None and not self.keep(item):
                continue
            ident = str(item[self.id_field])
            if ctx.wanted(ident):
                out.append(Found(ident, self.mapper(item, ctx)))
        return out

    def items(self, ctx: Context) -> list[Any]:
        """The raw items: one listing, or one per chunk of ids under ``--only-managed``."""
        if ctx.ids is None or self.id_filter is None:
            return ctx.calls.pages(self.api, self.key, **self.params)
        ids = sorted(ctx.ids)
        items: list[Any] = []
        for start in range(0, len(ids), FILTER_CHUNK):
            chunk = ids[start : start + FILTER_CHUNK]
            filters = [*self.params.get("Filters", ()), {"Name": self.id_filter, "Values": chunk}]
            items += ctx.calls.pages(self.api, self.key, **{**self.params, "Filters": filters})
        return items


@dataclass(frozen=True)
class Collector:
    """One registry entry (see module doc). ``type`` is the registry name.

    ``covered`` is ``None`` when the collector fills every attribute of the provider's schema.
    ``markers`` are attributes outside the schema that ``drift.normalize.defaults`` reads to
    recognise AWS-created objects (``default`` on the default VPC); the normalizer tables
    mark them computed, so they never count as drift.
    """

    type: str
    service: str
    apis: tuple[Api, ...]
    collect: Collect
    covered: frozenset[str] | None
    scope: Scope = Scope.REGIONAL
    emits: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    scoped_by: ScopeKeys | None = own_id
    markers: frozenset[str] = frozenset()
    help: str = ""

    @property
    def types(self) -> tuple[str, ...]:
        """Every type this collector emits."""
        return (self.type, *self.emits)

    @property
    def matches(self) -> frozenset[str]:
        """Every declared type its resources can match."""
        return frozenset((*self.types, *self.answers))


collectors: Registry[Collector] = Registry("AWS resource type", "changegate.aws_collectors")


def register(collector: Collector) -> Collector:
    """Add ``collector`` under its type name."""
    collectors.add(Entry(collector.type, collector, help=collector.help))
    return collector


def load() -> list[Collector]:
    """Every registered collector, the built-in ones imported first."""
    import drift.aws.collectors  # noqa: F401  (registers the built-in collectors)

    return [entry.factory for entry in collectors]


def supported_types() -> dict[str, list[Collector]]:
    """Each supported Terraform type and the collectors whose resources match it."""
    out: dict[str, list[Collector]] = {}
    for collector in load():
        for name in sorted(collector.matches):
            out.setdefault(name, []).append(collector)
    return dict(sorted(out.items()))


def select(types: Sequence[str] = ()) -> list[Collector]:
    """The collectors ``--types`` asks for (all when empty); an unknown type lists the valid."""
    every = load()
    if not types:
        return every
    known = supported_types()
    unknown = [name for name in types if name not in known]
    if unknown:
        raise InputError(
            f"--types: unknown AWS resource type {unknown[0]!r} "
            f"(supported: {', '.join(known)}; see 'changegate drift types')"
        )
    wanted = set(types)
    return [c for c in every if c.matches & wanted]


def coverage(selected: Iterable[Collector] | None = None) -> dict[str, frozenset[str]]:
    """Per emitted type, the attributes its collector observes (``live_coverage``)."""
    out: dict[str, frozenset[str]] = {}
    for collector in load() if selected is None else selected:
        if collector.covered is None:
            continue
        for name in collector.types:
            out[name] = out.get(name, frozenset()) | collector.covered | collector.markers
    return out


def policy_actions(selected: Iterable[Collector] | None = None) -> list[str]:
    """Every IAM action the collectors need, sorted and unique."""
    chosen = load() if selected is None else selected
    return sorted({api.action for collector in chosen for api in collector.apis})
