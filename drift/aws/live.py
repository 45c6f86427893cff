"""``drift audit --aws``: AWS as one more live source of an audit plan.

``with_aws`` adds an ``AwsSource`` to a ``drift.audit.AuditPlan`` and does the three things an
audit against collectors needs that an audit against a snapshot file does not:

- declared resources of types no selected collector reads (``aws_route``, or types left out by
  ``--types``) are left out, with one ``not_collected`` alert: nothing could ever find them
  live, so comparing them would report every one ``missing``;
- the engine compares only the attributes the collectors read (``live_coverage``);
- ``--only-managed`` reads the declared view the audit has already loaded (states once).

Importing this module imports neither click nor boto3.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from drift.aws import registry
from drift.aws.engine import AwsSource
from drift.aws.scope import ManagedScope
from drift.aws.session import AwsOptions
from drift.model import Alert
from drift.normalize import RULE_TYPE, canonical_type

if TYPE_CHECKING:
    from drift.audit import AuditPlan, AuditRequest
    from drift.sources import Source, SourceResult

NOT_COLLECTED = "not_collected"


class DeclaredThroughAws:
    """A declared source as ``--aws`` sees it: only the types the collectors read, its result
    kept for ``--only-managed``. Other attributes (``path``...) pass through to the source."""

    def __init__(self, inner: Source, types: frozenset[str]) -> None:
        self.inner = inner
        self.types = types
        self.result: SourceResult | None = None

    @property
    def name(self) -> str:
        """The wrapped source's name."""
        return self.inner.name

    def load(self) -> SourceResult:
        """Load, drop the types nobody reads, say which were dropped."""
        loaded = self.inner.load()
        kept = tuple(r for r in loaded.resources if canonical_type(r.type) in self.types)
        skipped = Counter(
            r.type for r in loaded.resources if canonical_type(r.type) not in self.types
        )
        alerts = loaded.alerts
        if skipped:
            listed = ", ".join(f"{kind} ({count})" for kind, count in sorted(skipped.items()))
            message = f"not compared, no AWS collector reads these types: {listed}"
            origin = loaded.origin or self.name
            alerts = (*alerts, Alert(source=origin, code=NOT_COLLECTED, message=message))
        self.result = replace(loaded, resources=kept, alerts=alerts)
        return self.result

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)


def with_coverage(request: AuditRequest, coverage: Mapping[str, frozenset[str]]) -> AuditRequest:
    """``request`` whose engine compares only the attributes collectors read."""
    return replace(request, engine=replace(request.engine, live_coverage=dict(coverage)))


def with_snapshot_coverage(plan: AuditPlan) -> AuditPlan:
    """``plan`` unchanged without live snapshots; else with every collector's coverage (a
    snapshot written by ``drift snapshot --aws`` holds only what the collectors read)."""
    if not plan.sources.live:
        return plan
    return replace(plan, request=with_coverage(plan.request, registry.coverage()))


def with_aws(
    plan: AuditPlan, options: AwsOptions, *, only_managed: bool
) -> tuple[AuditPlan, AwsSource]:
    """``plan`` with AWS as a live source (module doc), and that source (for its counts)."""
    from drift.audit import scope_key

    selected = registry.select(options.types)
    read = frozenset(canonical_type(t) for c in selected for t in c.matches) | {RULE_TYPE}
    declared = [DeclaredThroughAws(s, read) for s in plan.sources.declared]
    source = AwsSource(options, scope=_scope_of(declared) if only_managed else None)
    sources = replace(plan.sources, declared=tuple(declared), live=(*plan.sources.live, source))
    request = with_coverage(plan.request, registry.coverage(selected))
    scoped = replace(
        plan,
        request=request,
        sources=sources,
        scope_key=scope_key(request.scope, sources.identities()),
    )
    return scoped, source


def _scope_of(declared: list[DeclaredThroughAws]) -> Callable[[], ManagedScope]:
    def scope() -> ManagedScope:
        return ManagedScope.of(r for d in declared if d.result for r in d.result.resources)

    return scope
