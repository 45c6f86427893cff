"""Baselines as a service: capture one bound to an approved change, diff it, outside Click.

A baseline says "this is the approved state of these resources". It is captured only for a
change that is approved (``scheduled``, ``implement``, ``review``) or closed with a successful
close code, because a baseline bound to an unapproved change would let anyone bless drift by
opening a ticket. The resources come from one view:

- ``state``: the declared view of ``--state`` specs (what Terraform applied);
- ``live``: live snapshots (what is really running, e.g. after a console fix that the change
  approved);
- ``audit``: the live view of a stored audit, re-read from its sources and refused when one of
  them changed since (its sha256 differs), so the baseline is exactly what that audit saw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from change_control.errors import InputError
from change_control.model import Change, ChangeState
from change_control.providers.base import ChangeProvider
from change_control.store.engine import Store
from drift.audit import Progress, SourcePlan, Views, load_views, plan_sources, raw_key
from drift.engine import CapturedBaseline, compare_to_baselines
from drift.ignore import Filter
from drift.model import Finding, Resource
from drift.persist.audits import LATEST, AuditRepository, StoredAudit
from drift.persist.baselines import BaselineEntry, BaselineRepository, CaptureInfo
from drift.persist.redact import fill_withheld
from drift.sources import Source, SourceOptions, SourceSpec, sources
from drift.sources.snapshot import SnapshotSource

#: Stable code of a refused capture (scripts match on it).
NOT_APPROVED = "baseline.change_not_approved"
#: States in which a change counts as approved for a capture.
APPROVED_STATES = frozenset({ChangeState.SCHEDULED, ChangeState.IMPLEMENT, ChangeState.REVIEW})


class CaptureFrom(StrEnum):
    """Which view a baseline is captured from."""

    STATE = "state"
    LIVE = "live"
    AUDIT = "audit"


@dataclass(frozen=True)
class CaptureRequest:
    """``drift baseline capture`` flags, one to one."""

    change_id: str
    origin: CaptureFrom
    states: tuple[str, ...] = ()
    live: tuple[str, ...] = ()
    audit: str | None = None
    filters: tuple[str, ...] = ()
    by: str | None = None
    source_options: SourceOptions = field(default_factory=SourceOptions)


def refusal(change: Change) -> str | None:
    """Why no baseline may be bound to ``change``, or ``None`` when it may."""
    if change.state in APPROVED_STATES:
        return None
    if change.state is ChangeState.CLOSED:
        code = (change.close_code or "").strip()
        if code.casefold().startswith("successful"):
            return None
        shown = f"close code {code!r}" if code else "no close code"
        return f"{change.id} was closed with {shown}; only a successful closure can be baselined"
    return (
        f"{change.id} is {change.state}: a baseline needs an approved change "
        "(scheduled, implement or review) or one closed successfully"
    )


def check_request(request: CaptureRequest) -> None:
    """The flags that go with each ``--from``; a mismatch is a usage error."""
    wanted = {
        CaptureFrom.STATE: ("--state", request.states),
        CaptureFrom.LIVE: ("--live", request.live),
    }
    for origin, (flag, values) in wanted.items():
        if request.origin is origin and not values:
            raise InputError(f"baseline capture --from {origin}: give at least one {flag}")
        if request.origin is not origin and values:
            raise InputError(f"baseline capture: {flag} goes with --from {origin} only")
    if request.audit is not None and request.origin is not CaptureFrom.AUDIT:
        raise InputError("baseline capture: --audit goes with --from audit only")


def capture_baseline(
    request: CaptureRequest,
    *,
    provider: ChangeProvider,
    store: Store,
    now: datetime,
    progress: Progress | None = None,
) -> CaptureInfo:
    """Check the change, read the view, store the capture (one transaction); see module doc."""
    check_request(request)
    narrow = Filter.parse(request.filters)
    change = provider.get(request.change_id)
    reason = refusal(change)
    if reason is not None:
        raise InputError(f"baseline capture refused: {reason}", NOT_APPROVED)
    resources = [r for r in _resources(request, store, progress) if not narrow or narrow.matches(r)]
    if not resources:
        raise InputError(f"baseline capture: no resources to capture for {change.id}")
    with store.begin() as conn:
        return BaselineRepository(conn).add_capture(
            change.id, resources, source=str(request.origin), at=now, by=request.by
        )


def _resources(request: CaptureRequest, store: Store, progress: Progress | None) -> list[Resource]:
    if request.origin is CaptureFrom.AUDIT:
        return _from_audit(store, request.audit or LATEST, request.source_options, progress)
    plan = plan_sources(request.states, request.live, (), request.source_options)
    views = load_views(plan, progress)
    return views.declared if request.origin is CaptureFrom.STATE else list(views.live or ())


def _from_audit(
    store: Store, audit_id: str, options: SourceOptions, progress: Progress | None
) -> list[Resource]:
    """The live view of a stored audit, re-read and checked against the recorded digests."""
    with store.read() as conn:
        audit = AuditRepository(conn).get(audit_id)
    records = [r for r in audit.sources if r.get("view") in ("live", "plan")]
    if not records:
        raise InputError(
            f"baseline capture: audit {audit.id} had no live view (no --live or --from-plan)"
        )
    plan = SourcePlan(
        live=tuple(_source(r, options) for r in records if r["view"] == "live"),
        plans=tuple(_source(r, options) for r in records if r["view"] == "plan"),
    )
    views = load_views(plan, progress)
    _check_unchanged(audit, records, views)
    return list(views.live or ())


def _source(record: dict[str, Any] | Any, options: SourceOptions) -> Source:
    location = str(record.get("location") or record["spec"])
    if record["view"] == "live":
        return SnapshotSource(Path(location))
    (plan,) = sources.get("plan").factory(SourceSpec(record["spec"], "plan", location), options)
    return plan


def _check_unchanged(audit: StoredAudit, records: Sequence[Any], views: Views) -> None:
    for stored, now in zip(records, views.records, strict=True):
        if stored.get("sha256") != now.get("sha256"):
            raise InputError(
                f"baseline capture: {stored['spec']} changed since audit {audit.id} (its sha256 "
                "differs); capture --from live with the file you mean instead"
            )


def diff_against(
    baselines: Sequence[CapturedBaseline], live: Sequence[Resource], now: datetime
) -> list[Finding]:
    """Where ``live`` departs from ``baselines`` (withheld secrets filled from live first)."""
    by_key = {raw_key(r): r for r in live}
    filled = [
        dataclasses.replace(
            b, resources=tuple(fill_withheld(r, by_key.get(raw_key(r))) for r in b.resources)
        )
        for b in baselines
    ]
    return compare_to_baselines(filled, live, now=now)


def diff_versions(
    store: Store, selector: str, now: datetime
) -> tuple[list[Finding], list[Resource]]:
    """What a capture (or a change's captures) changed against each resource's previous
    version, the approved state before and after the change; and the resources baselined for
    the first time (nothing to compare them with)."""
    with store.read() as conn:
        repo = BaselineRepository(conn)
        entries = repo.entries(selector)
        newest: dict[tuple[str, str], BaselineEntry] = {}
        for entry in entries:
            key = raw_key(entry.resource)
            if key not in newest or entry.version > newest[key].version:
                newest[key] = entry
        before = repo.previous_versions(list(newest.values()))
    after = [entry.resource for entry in newest.values()]
    first = [entry.resource for entry in newest.values() if entry.version == 1]
    return diff_against(before, after, now), first
