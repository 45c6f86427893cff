"""``compare``: declared vs live vs approved, into one sorted ``AuditResult``.

Steps: normalize and expand every view (``drift.normalize``); index by ``(type, id)`` (first
wins, a duplicate becomes an alert); drop ignored and filtered-out resources; then per key:

- declared and live: ``changed`` when the normalized attributes differ (checked with a cheap
  ``!=`` first; only differing pairs are diffed), after dropping field-level ignores and every
  provider-computed difference (``types.COMPUTED``; kept, flagged ``computed``, only with
  ``EngineOptions.keep_computed``). Dropping them all, not only computed-only findings, keeps a
  finding's id stable while a volatile attribute such as ``status`` flips between audits;
- declared only: ``missing``, unless a live source alerted that it could not read the type
  there (``unread_types``);
- live only: ``unmanaged``, unless AWS created it by itself (``aws_owned_keys``; shown with
  ``strict``), or ``only_managed`` is set and no declared resource has its type.

Then captured baselines and policy-baseline rules add ``baseline_violation`` findings (see
``drift.engine.baselines``); ``live=None`` means the audit has no live view, so only the rules
run, on the declared view. Each finding gets its severity, its stable id, ``first_seen`` from
the caller's history (``now`` when new), ``last_seen = now`` and its attribution.

Counts: ``managed`` declared resources in scope, ``unmanaged`` unmanaged findings, ``total``
their sum, ``in_sync`` managed minus missing minus changed.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from change_control.model import Change
from change_control.policy.model import Policy
from drift.baseline_rules import BaselineRule
from drift.engine.attribution import ApprovedPredicate, Attributor, approved_under
from drift.engine.baselines import (
    CapturedBaseline,
    baseline_drafts,
    newest_per_resource,
    rule_drafts,
)
from drift.engine.diff import diff
from drift.engine.findings import Draft, classify, finding_id, sort_key
from drift.engine.severity import SeverityPolicy
from drift.ignore import Filter, IgnoreRules
from drift.model import (
    Alert,
    AuditResult,
    Difference,
    Finding,
    FindingKind,
    Op,
    Resource,
    Summary,
)
from drift.normalize import aws_owned_keys, canonical_type, expand, normalize
from drift.normalize.sgrules import GROUP_TYPE, RULE_TYPE, VPC_RULE_TYPES

Key = tuple[str, str]
Index = dict[Key, Resource]


@dataclass(frozen=True)
class EngineOptions:
    """Switches of one audit.

    ``keep_computed`` reports differences of provider-computed attributes (severity low when a
    finding has nothing else); ``strict`` reports AWS-owned defaults as unmanaged;
    ``only_managed`` drops unmanaged resources of types no declared resource has; ``grace``
    extends change windows for attribution. ``live_coverage`` maps a (canonical) type to the
    top-level attributes the live source reads (``drift.aws.registry.coverage``): a declared
    attribute outside it that live lacks is not compared (see ``unobserved``); types it does
    not name are compared in full.
    """

    keep_computed: bool = False
    strict: bool = False
    only_managed: bool = False
    grace: timedelta = timedelta(0)
    live_coverage: Mapping[str, frozenset[str]] | None = None


def unobserved(difference: Difference, covered: frozenset[str] | None) -> bool:
    """A ``remove`` of a top-level attribute the live source does not read (``live_coverage``).

    A live collector fills only the attributes its API calls return (``user_data`` needs a call
    per instance and is not read); such an attribute is absent from live because nobody looked,
    not because it was removed, so its ``remove`` is not drift. ``covered=None`` means the
    source reads every attribute of the type.
    """
    return (
        covered is not None
        and difference.op is Op.REMOVE
        and bool(difference.path)
        and difference.path[0] not in covered
    )


def unread_types(alerts: Iterable[Alert]) -> frozenset[tuple[str, str | None]]:
    """``(type, region)`` a live source could not (fully) read, from its typed alerts.

    A declared resource of such a type is not reported ``missing``: a denied listing says
    nothing about whether the resource exists (driftctl skips the same way). Security-group
    alerts also cover the canonical rules their groups expand into. ``region`` ``None``: all.
    """
    out: set[tuple[str, str | None]] = set()
    for alert in alerts:
        if not alert.type:
            continue
        out.add((canonical_type(alert.type), alert.region))
        if alert.type in (GROUP_TYPE, *VPC_RULE_TYPES):
            out.add((RULE_TYPE, alert.region))
    return frozenset(out)


def prepare(resources: Iterable[Resource]) -> list[Resource]:
    """Normalize every resource, then expand security-group rules (one canonical identity)."""
    return expand(normalize(resource) for resource in resources)


def index(resources: Iterable[Resource], alerts: list[Alert]) -> Index:
    """Resources by ``(type, id)``; the first of duplicates wins and the rest become alerts."""
    indexed: Index = {}
    for resource in resources:
        held = indexed.setdefault(resource.key, resource)
        if held is not resource:
            alerts.append(
                Alert(
                    source=resource.source or str(resource.view),
                    code="duplicate_resource",
                    message=f"{resource.type} {resource.id} appears more than once in the "
                    f"{resource.view} view; the first one ({held.source or held.address}) is used",
                    type=resource.type,
                    region=resource.region,
                )
            )
    return indexed


def compare(
    declared: Iterable[Resource],
    live: Iterable[Resource] | None,
    *,
    now: datetime,
    audit_id: str,
    baselines: Sequence[CapturedBaseline] = (),
    rules: Sequence[BaselineRule] = (),
    ignore: IgnoreRules | None = None,
    filter: Filter | None = None,
    changes: Sequence[Change] = (),
    approved: ApprovedPredicate | None = None,
    severity: SeverityPolicy | None = None,
    options: EngineOptions | None = None,
    first_seen: Mapping[str, datetime] | None = None,
    sources: Sequence[str] = (),
    alerts: Sequence[Alert] = (),
) -> AuditResult:
    """Audit ``declared`` against ``live`` and the approved view (see module doc).

    ``approved`` decides whether a change counts (default: ``approved_under(Policy())``);
    ``first_seen`` maps finding ids to when earlier audits first saw them.
    """
    with gc_paused():
        audit = _Audit(
            ignore=ignore or IgnoreRules(),
            filter=filter or Filter(),
            options=options or EngineOptions(),
            alerts=list(alerts),
            unread=unread_types(alerts),
        )
        decl = index(prepare(declared), audit.alerts)
        live_view = None if live is None else prepare(live)
        live_index = index(live_view, audit.alerts) if live_view is not None else {}
        if live_view is not None:
            audit.pairs(decl, live_index, live_view)
        if baselines:
            audit.baselines(baselines, live_index)
        if rules:
            audit.drafts += rule_drafts(
                rules, live_view if live_view is not None else decl.values()
            )
        attributor = Attributor(changes, approved or approved_under(Policy()), audit.options.grace)
        findings = audit.finish(severity or SeverityPolicy(), attributor, now, first_seen or {})
        return AuditResult(
            audit_id=audit_id,
            generated_at=now,
            summary=audit.summary(findings),
            findings=tuple(sorted(findings, key=sort_key)),
            alerts=tuple(audit.alerts),
            sources=tuple(sources),
        )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its previous state afterwards.

    Normalizing 100,000 resources allocates millions of small dicts and lists that all stay
    alive; each automatic collection rescans them, which made a 50,000-resource audit about
    three times slower. JSON data holds no reference cycles, so nothing is lost by waiting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compare_to_baselines(
    baselines: Sequence[CapturedBaseline],
    live: Iterable[Resource],
    *,
    now: datetime,
    ignore: IgnoreRules | None = None,
    severity: SeverityPolicy | None = None,
    options: EngineOptions | None = None,
) -> list[Finding]:
    """Only the captured-baseline part of an audit: where live departs from the newest
    approved baseline of each resource (``drift baseline diff``). Sorted, attribution unknown.
    """
    audit = _Audit(ignore or IgnoreRules(), Filter(), options or EngineOptions(), [])
    audit.baselines(baselines, index(prepare(live), audit.alerts))
    findings = audit.finish(severity or SeverityPolicy(), Attributor((), bool), now, {})
    return sorted(findings, key=sort_key)


def check_rules(
    rules: Sequence[BaselineRule],
    resources: Iterable[Resource],
    *,
    now: datetime,
    ignore: IgnoreRules | None = None,
    severity: SeverityPolicy | None = None,
) -> list[Finding]:
    """Only the policy-baseline part: rule violations of ``resources`` (normalized here)."""
    audit = _Audit(ignore or IgnoreRules(), Filter(), EngineOptions(), [])
    audit.drafts = rule_drafts(rules, prepare(resources))
    findings = audit.finish(severity or SeverityPolicy(), Attributor((), bool), now, {})
    return sorted(findings, key=sort_key)


@dataclass
class _Audit:
    """The state of one ``compare`` call."""

    ignore: IgnoreRules
    filter: Filter
    options: EngineOptions
    alerts: list[Alert]
    drafts: list[Draft] = dataclasses.field(default_factory=list)
    managed: int = 0
    unread: frozenset[tuple[str, str | None]] = frozenset()

    def in_scope(self, resource: Resource, address: str | None = None) -> bool:
        """Not ignored as a whole and passing ``--filter`` (``address`` overrides the own)."""
        if self.ignore and self.ignore.ignores_resource(resource.type, resource.id):
            return False
        return not self.filter or self.filter.matches(resource, address)

    def pairs(self, decl: Index, live: Index, live_view: list[Resource]) -> None:
        """Drafts for changed, missing and unmanaged resources."""
        for key, wanted in decl.items():
            if not self.in_scope(wanted):
                continue
            self.managed += 1
            actual = live.get(key)
            if actual is None and not self._unread(wanted):
                self.drafts.append(Draft(FindingKind.MISSING, wanted, (), wanted.address))
            elif actual is not None and wanted.attributes != actual.attributes:
                self._changed(wanted, actual)
        owned = frozenset() if self.options.strict else aws_owned_keys(live_view)
        declared_types = {key[0] for key in decl}
        for key, actual in live.items():
            if key in decl or key in owned or not self.in_scope(actual):
                continue
            if self.options.only_managed and key[0] not in declared_types:
                continue
            self.drafts.append(Draft(FindingKind.UNMANAGED, actual, (), actual.address))

    def baselines(self, baselines: Sequence[CapturedBaseline], live: Index) -> None:
        """Drafts for live departing from the newest captured baseline of each resource."""
        newest = newest_per_resource(
            dataclasses.replace(b, resources=tuple(prepare(b.resources))) for b in baselines
        )
        for draft in baseline_drafts(newest, live, keep_computed=self.options.keep_computed):
            kept = self._observed(draft.resource.type, list(draft.differences))
            if kept:
                self.drafts.append(dataclasses.replace(draft, differences=tuple(kept)))

    def _unread(self, resource: Resource) -> bool:
        """Whether a live source said it could not read this type where the resource lives."""
        return any(
            kind == resource.type and (region is None or resource.region in (None, region))
            for kind, region in self.unread
        )

    def _observed(self, resource_type: str, differences: list[Difference]) -> list[Difference]:
        """``differences`` without removes of attributes the live source does not read."""
        coverage = self.options.live_coverage
        if not coverage or resource_type not in coverage:
            return differences
        covered = coverage[resource_type]
        return [d for d in differences if not unobserved(d, covered)]

    def _changed(self, wanted: Resource, actual: Resource) -> None:
        secrets = wanted.sensitive_paths | actual.sensitive_paths
        differences = classify(wanted.type, diff(wanted.attributes, actual.attributes), secrets)
        if not self.options.keep_computed:
            differences = [d for d in differences if not d.computed]
        differences = self._observed(wanted.type, differences)
        if differences:
            merged = dataclasses.replace(
                wanted,
                region=wanted.region or actual.region,
                account=wanted.account or actual.account,
            )
            draft = Draft(FindingKind.CHANGED, merged, tuple(differences), wanted.address)
            self.drafts.append(draft)

    def finish(
        self,
        severity: SeverityPolicy,
        attributor: Attributor,
        now: datetime,
        first_seen: Mapping[str, datetime],
    ) -> list[Finding]:
        """Findings from the drafts: field ignores, severity, id, times, attribution."""
        findings = []
        for draft in self.drafts:
            if not self.in_scope(draft.resource, draft.address):
                continue
            differences = self._kept_differences(draft)
            if draft.differences and not differences:
                continue
            resource, kind = draft.resource, draft.kind
            fid = finding_id(kind, resource.type, resource.id, differences, draft.rule)
            seen = first_seen.get(fid, now)
            findings.append(
                Finding(
                    id=fid,
                    kind=kind,
                    severity=severity.rate(kind, resource.type, differences, draft.rule_severity),
                    resource_type=resource.type,
                    resource_id=resource.id,
                    address=draft.address,
                    source=resource.source,
                    differences=differences,
                    attribution=attributor.for_resource(draft.address, resource.id, seen),
                    region=resource.region,
                    account=resource.account,
                    rule=draft.rule,
                    first_seen=seen,
                    last_seen=now,
                )
            )
        return findings

    def _kept_differences(self, draft: Draft) -> tuple[Difference, ...]:
        """The draft's differences minus field-level ignores."""
        if not draft.differences or not self.ignore:
            return draft.differences
        kind, ident = draft.resource.type, draft.resource.id
        return tuple(
            d for d in draft.differences if not self.ignore.ignores_field(kind, ident, d.path)
        )

    def summary(self, findings: Sequence[Finding]) -> Summary:
        """Counts over the final findings (module doc)."""
        counts = {kind: 0 for kind in FindingKind}
        for finding in findings:
            counts[finding.kind] += 1
        changed, missing = counts[FindingKind.CHANGED], counts[FindingKind.MISSING]
        unmanaged = counts[FindingKind.UNMANAGED]
        return Summary(
            total=self.managed + unmanaged,
            managed=self.managed,
            in_sync=self.managed - missing - changed,
            changed=changed,
            missing=missing,
            unmanaged=unmanaged,
            baseline_violations=counts[FindingKind.BASELINE_VIOLATION],
        )
