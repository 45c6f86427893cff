"""The drift audit as a service: sources in, a sorted ``AuditResult`` with new/resolved out.

``changegate drift audit`` is a thin adapter over this module, so the whole pipeline runs (and
is tested) without Click:

1. ``plan_audit``: every option is checked and every rule file read before any source is
   touched, so bad input fails fast and nothing is written;
2. ``load_views``: states, live snapshots and saved plans become the declared and live views
   (``drift.sources``), with a record of what was read (digests, lineage, serial);
3. ``run_audit``: the newest captured baseline of each resource seen, the previous audit of the
   same scope (first seen, new/resolved) and the change register (attribution) go into
   ``drift.engine.compare``;
4. ``AuditStorage.save``: the caller writes the audit and its findings in one transaction once
   the reports are written and the exit code is known (``--no-store`` skips it).

The store is reached only through the small ``AuditStorage`` port; ``drift.persist.storage``
implements it over SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from change_control.errors import InputError
from change_control.model import Change
from drift.baseline_rules import BaselineRule, load_rules
from drift.engine import CapturedBaseline, EngineOptions, SeverityPolicy, compare
from drift.engine.attribution import ApprovedPredicate
from drift.engine.compare import gc_paused
from drift.ignore import Filter, IgnoreRules, load_driftignore
from drift.model import Alert, AuditResult, Resource, View
from drift.normalize import canonical_type
from drift.persist.redact import fill_withheld
from drift.sources import Source, SourceOptions, SourceResult, SourceSpec, sources
from drift.sources.snapshot import SnapshotSource

#: ``--baseline`` values that are not a capture or change id.
BASELINE_LATEST = "latest"
BASELINE_NONE = "none"
#: Longest ``--scope`` name the store keeps.
SCOPE_MAX = 128


class Progress(Protocol):
    """Where long work reports how far it got (a progress bar on a terminal, or nothing)."""

    def begin(self, label: str, total: int | None = None) -> None:
        """A new phase; ``total`` steps, or ``None`` when the phase cannot count."""
        ...

    def advance(self) -> None:
        """One step of the current phase is done."""
        ...

    def end(self) -> None:
        """The current phase is over."""
        ...


@dataclass(frozen=True)
class SourcePlan:
    """The parsed sources of one audit, per view, not yet loaded."""

    declared: tuple[Source, ...] = ()
    live: tuple[Source, ...] = ()
    plans: tuple[Source, ...] = ()

    def tagged(self) -> list[tuple[str, Source]]:
        """``(view, source)`` in load order: states, snapshots, plans."""
        return [
            *(("declared", s) for s in self.declared),
            *(("live", s) for s in self.live),
            *(("plan", s) for s in self.plans),
        ]

    def identities(self) -> list[str]:
        """``view:location`` per source: what an audit's default scope key is made of."""
        return [f"{view}:{location(source)}" for view, source in self.tagged()]


@dataclass(frozen=True)
class Views:
    """What the sources produced: the declared view, the live view (``None``: none given)."""

    declared: list[Resource]
    live: list[Resource] | None
    alerts: list[Alert]
    records: list[dict[str, Any]]
    names: tuple[str, ...]


#: Source metadata kept in the store (cheap change detection; never attribute values).
_META_KEYS = (
    "kind", "sha256", "lineage", "serial", "terraform_version", "bucket", "key", "etag",
    "version_id", "captured_at",
)  # fmt: skip


def plan_sources(
    states: Sequence[str], live: Sequence[str], plans: Sequence[str], options: SourceOptions
) -> SourcePlan:
    """Parse ``--state``/``--live``/``--from-plan`` values; only a glob's listing is read."""
    from drift.sources import parse_spec

    declared: list[Source] = []
    for spec in states:
        declared += parse_spec(
            spec,
            profile=options.aws_profile,
            region=options.aws_region,
            endpoint_url=options.aws_endpoint_url,
            terraform_bin=options.terraform_bin,
        )
    snapshots = tuple(SnapshotSource(Path(_required(path, "--live"))) for path in live)
    saved: list[Source] = []
    for path in plans:
        parsed = SourceSpec(path, "plan", _required(path, "--from-plan").removeprefix("plan://"))
        saved += sources.get("plan").factory(parsed, options)
    return SourcePlan(tuple(declared), snapshots, tuple(saved))


def _required(value: str, flag: str) -> str:
    if not value.strip():
        raise InputError(f"{flag}: empty file name")
    return value


def location(source: Source) -> str:
    """Where a source reads from: a resolved local path or directory, else its name."""
    for attribute in ("path", "directory"):
        value = getattr(source, attribute, None)
        if isinstance(value, Path):
            return str(value.resolve())
    return source.name


def raw_key(resource: Resource) -> tuple[str, str]:
    """The identity before normalization, with type aliases applied (``aws_alb`` = ``aws_lb``)."""
    return canonical_type(resource.type), resource.id


def load_views(plan: SourcePlan, progress: Progress | None = None) -> Views:
    """Load every source in order; the first bad one raises its one-line error.

    The cyclic garbage collector is paused meanwhile (``gc_paused``): parsing 50,000 resources
    allocates millions of objects that all stay alive, and each automatic collection rescans
    them, which tripled the load time. Parsed JSON holds no reference cycles.
    """
    with gc_paused():
        return _load_views(plan, progress)


def _load_views(plan: SourcePlan, progress: Progress | None) -> Views:
    declared: list[Resource] = []
    snapshots: list[Resource] = []
    saved: list[SourceResult] = []
    alerts: list[Alert] = []
    records: list[dict[str, Any]] = []
    tagged = plan.tagged()
    if progress is not None:
        progress.begin("loading sources", len(tagged))
    for view, source in tagged:
        result = source.load()
        records.append(_record(view, source, result))
        alerts.extend(result.alerts)
        if view == "declared":
            declared.extend(result.resources)
        elif view == "live":
            snapshots.extend(result.resources)
        else:
            saved.append(result)
        if progress is not None:
            progress.advance()
    if progress is not None:
        progress.end()
    full, live = _merge_plans(declared, snapshots if plan.live else None, saved)
    return Views(full, live, alerts, records, tuple(source.name for _, source in tagged))


def _merge_plans(
    declared: list[Resource], snapshots: list[Resource] | None, saved: list[SourceResult]
) -> tuple[list[Resource], list[Resource] | None]:
    """Fold saved refresh-only plans into the two views.

    A plan lists only what drifted, each entry a declared (before) and live (after) pair, no
    after when the object is gone. Its declared halves add to the states' resources (a state
    wins for a resource both hold). With snapshots, the plan's live halves add to them (a
    snapshot wins). Without snapshots, the plan is the live view's only witness: a declared
    resource the plan does not list is in sync by Terraform's own refresh, so it is live as
    declared.
    """
    if not saved:
        return declared, snapshots
    before = [r for p in saved for r in p.resources if r.view is View.DECLARED]
    after = [r for p in saved for r in p.resources if r.view is View.LIVE]
    known = {raw_key(r) for r in declared}
    full = declared + [r for r in before if raw_key(r) not in known]
    if snapshots is not None:
        held = {raw_key(r) for r in snapshots}
        return full, snapshots + [r for r in after if raw_key(r) not in held]
    refreshed = {raw_key(r): r for r in after}
    drifted = {raw_key(r) for r in before}
    live: list[Resource] = []
    for resource in full:
        key = raw_key(resource)
        if key in refreshed:
            live.append(refreshed.pop(key))
        elif key not in drifted:
            live.append(replace(resource, view=View.LIVE))
    live.extend(refreshed.values())
    return full, live


def _record(view: str, source: Source, result: SourceResult) -> dict[str, Any]:
    from change_control.timeutil import isoformat

    record: dict[str, Any] = {
        "spec": source.name,
        "view": view,
        "location": location(source),
        "resources": len(result.resources),
    }
    for key in _META_KEYS:
        value = result.meta.get(key)
        if isinstance(value, datetime):
            value = isoformat(value)
        if value is not None:
            record[key] = value
    return record


@dataclass(frozen=True)
class AuditRequest:
    """What the user asked for, as plain values (the CLI's flags, one to one)."""

    states: tuple[str, ...] = ()
    live: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    policy_baselines: tuple[str, ...] = ()
    baseline: str = BASELINE_LATEST
    driftignore: str | None = None
    ignore: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    engine: EngineOptions = field(default_factory=EngineOptions)
    scope: str | None = None
    source_options: SourceOptions = field(default_factory=SourceOptions)


@dataclass(frozen=True)
class AuditPlan:
    """A request checked and its files read: ready to load sources, no I/O error left but them."""

    request: AuditRequest
    sources: SourcePlan
    ignore: IgnoreRules
    filter: Filter
    rules: tuple[BaselineRule, ...]
    scope_key: str


@dataclass(frozen=True)
class AuditRecord:
    """Everything one audit writes: the result, where it came from and how it ended."""

    result: AuditResult
    scope_key: str
    started_at: datetime
    sources: Sequence[Mapping[str, Any]]
    exit_code: int
    extra_summary: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviousAudit:
    """The last stored audit of a scope: its id and when each of its findings was first seen."""

    audit_id: str
    first_seen: dict[str, datetime]


class AuditStorage(Protocol):
    """The store as the audit needs it (``drift.persist.storage.SqlAuditStorage``)."""

    def previous(self, scope_key: str) -> PreviousAudit | None:
        """The newest stored audit of ``scope_key``."""
        ...

    def baselines(self, selector: str) -> list[CapturedBaseline]:
        """``latest``: the newest version of every baselined resource; else a capture or a
        change id's captures (``NotFoundError`` when there is none)."""
        ...

    def save(self, record: AuditRecord) -> None:
        """Write the audit and its findings in one transaction."""
        ...


@dataclass(frozen=True)
class AuditOutcome:
    """A finished comparison, not yet stored: the result plus what ``save`` needs."""

    result: AuditResult
    scope_key: str
    started_at: datetime
    records: list[dict[str, Any]]
    """What each source was (``Views.records``); the views themselves are not kept, so their
    memory is returned as soon as the comparison is done."""
    previous_id: str | None

    def record(self, exit_code: int) -> AuditRecord:
        """The store's record of this audit once its exit code is known."""
        return AuditRecord(
            result=self.result,
            scope_key=self.scope_key,
            started_at=self.started_at,
            sources=self.records,
            exit_code=exit_code,
            extra_summary={
                "new": len(self.result.new_finding_ids),
                "resolved": len(self.result.resolved_finding_ids),
                "previous_audit": self.previous_id,
            },
        )


def plan_audit(request: AuditRequest) -> AuditPlan:
    """Check every option and read the ignore and rule files; no source is loaded yet."""
    if not (request.states or request.live or request.plans):
        raise InputError(
            "drift audit: nothing to audit; give --state SPEC, --live FILE or --from-plan FILE"
        )
    sources = plan_sources(request.states, request.live, request.plans, request.source_options)
    ignore = load_driftignore(Path(request.driftignore)) if request.driftignore else IgnoreRules()
    rules: tuple[BaselineRule, ...] = ()
    for path in request.policy_baselines:
        rules += load_rules(Path(path))
    return AuditPlan(
        request=request,
        sources=sources,
        ignore=ignore.extended(request.ignore),
        filter=Filter.parse(request.filters),
        rules=rules,
        scope_key=scope_key(request.scope, sources.identities()),
    )


def scope_key(scope: str | None, identities: Sequence[str]) -> str:
    """``--scope NAME`` as given, else ``sources:`` and a digest of the sorted source identities.

    Audits with the same key are compared with each other (new/resolved, first seen), so a
    nightly audit of the same states and snapshots lines up with its predecessors without a
    name; ``--scope`` keeps the line when file names change (dated snapshots).
    """
    if scope is not None:
        name = scope.strip()
        if not name or len(name) > SCOPE_MAX or name.startswith("sources:"):
            raise InputError(
                f"--scope {scope!r}: give a name of 1 to {SCOPE_MAX} characters "
                "not starting with 'sources:'"
            )
        return name
    digest = hashlib.sha256("\n".join(sorted(set(identities))).encode("utf-8")).hexdigest()
    return f"sources:{digest[:16]}"


def new_audit_id(now: datetime) -> str:
    """A sortable, unique audit id: ``A20261122T101500Z-3f9c1a2b``."""
    from datetime import UTC

    return f"A{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def run_audit(
    plan: AuditPlan,
    *,
    now: datetime,
    storage: AuditStorage | None = None,
    changes: Sequence[Change] = (),
    approved: ApprovedPredicate | None = None,
    severity: SeverityPolicy | None = None,
    progress: Progress | None = None,
    audit_id: str | None = None,
    alerts: Sequence[Alert] = (),
) -> AuditOutcome:
    """Load the views and compare them (module doc, steps 2 and 3); nothing is written.

    ``alerts`` are the caller's own partial failures (an unreachable change register), reported
    with the sources' alerts. The garbage collector stays paused from the first source to the
    last finding (see ``load_views``), so the parsed views are scanned once, not once per step.
    """
    with gc_paused():
        views = load_views(plan.sources, progress)
        baselines = _baselines(plan, views, storage)
        previous = storage.previous(plan.scope_key) if storage is not None else None
        if progress is not None:
            progress.begin("comparing")
        result = compare(
            views.declared,
            views.live,
            now=now,
            audit_id=audit_id or new_audit_id(now),
            baselines=baselines,
            rules=plan.rules,
            ignore=plan.ignore,
            filter=plan.filter,
            changes=changes,
            approved=approved,
            severity=severity,
            options=plan.request.engine,
            first_seen=previous.first_seen if previous else None,
            sources=views.names,
            alerts=[*views.alerts, *alerts],
        )
        if progress is not None:
            progress.end()
        # Drop the views while the collector is still paused: freed by reference counting,
        # they are never scanned by the collection that re-enabling would otherwise trigger.
        records = views.records
        del views, baselines
    previous_id = previous.audit_id if previous else None
    return AuditOutcome(
        _new_and_resolved(result, previous), plan.scope_key, now, records, previous_id
    )


def _new_and_resolved(result: AuditResult, previous: PreviousAudit | None) -> AuditResult:
    """``result`` with the finding ids that appeared and disappeared since ``previous``."""
    current = frozenset(f.id for f in result.findings)
    before = frozenset(previous.first_seen) if previous else frozenset()
    return replace(result, new_finding_ids=current - before, resolved_finding_ids=before - current)


def _baselines(
    plan: AuditPlan, views: Views, storage: AuditStorage | None
) -> list[CapturedBaseline]:
    """The captures to compare live with, limited to resources this audit sees.

    Without a live view there is nothing to hold a baseline against. A baselined resource
    that neither view of this audit knows belongs to another scope (another state, account
    or snapshot) and is left out; one that is declared but gone from live is a violation.
    Withheld secrets are filled from live (``drift.persist.redact``).
    """
    selector = plan.request.baseline
    if storage is None or selector == BASELINE_NONE or views.live is None:
        return []
    captures = storage.baselines(selector)
    if not captures:
        return []
    live = {raw_key(r): r for r in views.live}
    seen = live.keys() | {raw_key(r) for r in views.declared}
    out = []
    for capture in captures:
        kept = tuple(
            fill_withheld(r, live.get(raw_key(r))) for r in capture.resources if raw_key(r) in seen
        )
        if kept:
            out.append(replace(capture, resources=kept))
    return out
