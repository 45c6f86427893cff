"""Running the collectors: accounts x regions x types, bounded, partial failure as alerts.

``collect`` opens the accounts (``session``), resolves their regions, and runs one task per
(account, region, collector): regional collectors in every region, global ones (IAM, Route 53,
S3's bucket listing) once per account. Tasks run on a thread pool sized from ``--concurrency``
and the number of regions; the repository bounds the calls in flight per (account, region,
service) to ``--concurrency``, so a large account is read as fast as the API allows and no
faster (botocore's adaptive retry mode slows a client down after a throttle).

A task that fails (access denied, region not enabled, throttled past its retries) becomes an
alert naming the IAM action and the rest goes on; ``AwsUnreadable`` is raised only when no task
at all could be read, so an audit never reports "everything missing" from a dead connection.
``AwsSource`` wraps this as a live ``Source`` for ``drift audit --aws``.
"""

from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from change_control.errors import ChangegateError
from drift.aws import registry
from drift.aws.registry import Collector, Context, Found, Scope
from drift.aws.repository import AwsCallError, Hook, Repository
from drift.aws.scope import ManagedScope
from drift.aws.session import SOURCE, Account, AwsOptions, enabled_regions, open_accounts
from drift.aws.stats import CallStats, charged_to
from drift.model import Alert, Resource, View
from drift.sources.base import SourceResult

if TYPE_CHECKING:
    from drift.audit import Progress

#: Upper bound on collector threads, whatever ``--concurrency`` and the region count say.
MAX_WORKERS = 64


class AwsUnreadable(ChangegateError):
    """Nothing could be read from AWS: every account or every collector failed."""

    code = "aws.unreadable"


@dataclass(frozen=True)
class Task:
    """One collector in one account and region, narrowed by ``ids`` under a scope."""

    account: Account
    region: str
    collector: Collector
    ids: frozenset[str] | None = None


@dataclass
class Collection:
    """What a collection produced: resources, alerts, API call counts."""

    resources: list[Resource]
    alerts: list[Alert]
    stats: CallStats
    tasks: int = 0
    failed: int = 0
    accounts: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Resources per type, sorted by type."""
        return dict(sorted(Counter(r.type for r in self.resources).items()))


def plan_tasks(
    accounts: Sequence[Account],
    regions: dict[str, list[str]],
    collectors: Sequence[Collector],
    scope: ManagedScope | None = None,
) -> list[Task]:
    """Global collectors first (they fan out per bucket/zone), then regional ones by region."""
    chosen = [c for c in collectors if scope is None or scope.wants(c)]
    tasks = []
    for account in accounts:
        for collector in chosen:
            ids = scope.ids(collector) if scope is not None else None
            if collector.scope is Scope.GLOBAL:
                tasks.append(Task(account, account.global_region, collector, ids))
        for region in regions[account.key]:
            for collector in chosen:
                if collector.scope is Scope.REGIONAL:
                    ids = scope.ids(collector) if scope is not None else None
                    tasks.append(Task(account, region, collector, ids))
    return tasks


class _Runner:
    """Runs tasks against one repository; collects resources and alerts."""

    def __init__(self, options: AwsOptions, repository: Repository) -> None:
        self.options = options
        self.repository = repository
        self.explicit = frozenset(options.regions) if options.regions else None

    def run(self, task: Task) -> tuple[list[Resource], list[Alert], bool]:
        """One task: its resources and alerts, and whether its listing could be read."""
        ctx = Context(
            self.repository.bind(task.account, task.region),
            account=task.account.id,
            partition=task.account.partition,
            ids=task.ids,
            regions=self.explicit,
            fan_out=lambda context, func, items: self._fan_out(context, task, func, items),
        )
        try:
            with charged_to(task.collector.type):
                found = task.collector.collect(ctx)
        except AwsCallError as err:
            return [], [*ctx.alerts, self._alert(task, err)], False
        return [self._resource(task, item) for item in found], ctx.alerts, True

    def _fan_out(
        self, ctx: Context, task: Task, func: Callable[[Any], list[Found]], items: Sequence[Any]
    ) -> list[Found]:
        """``func`` over ``items`` on up to ``--concurrency`` threads; a failed item is an alert."""
        if not items:
            return []
        workers = min(self.repository.concurrency, len(items))
        out: list[Found] = []
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cg-aws-item") as pool:
            # Each item runs in the caller's context, so its calls are charged to this type.
            futures = [pool.submit(contextvars.copy_context().run, func, item) for item in items]
            for future in futures:
                try:
                    out.extend(future.result())
                except AwsCallError as err:
                    ctx.alerts.append(self._alert(task, err))
        return out

    def _alert(self, task: Task, err: AwsCallError) -> Alert:
        global_ = task.collector.scope is Scope.GLOBAL
        return Alert(
            source=SOURCE,
            code=err.alert_code,
            message=f"{task.collector.type} not fully collected: {err.message}",
            type=task.collector.type,
            region=None if global_ else task.region,
        )

    def _resource(self, task: Task, item: Found) -> Resource:
        regional = task.collector.scope is Scope.REGIONAL
        return Resource(
            type=item.type or task.collector.type,
            id=item.id,
            attributes=item.attributes,
            view=View.LIVE,
            source=self.options.label,
            region=item.region if item.region is not None else (task.region if regional else None),
            account=task.account.id or None,
            provider="aws",
            sensitive_paths=item.sensitive,
        )


def _regions(
    accounts: Sequence[Account], options: AwsOptions, repository: Repository, alerts: list[Alert]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for account in accounts:
        if options.regions:
            out[account.key] = list(options.regions)
            continue
        try:
            out[account.key] = enabled_regions(account, repository)
        except AwsCallError as err:
            alerts.append(
                Alert(
                    SOURCE,
                    err.alert_code,
                    f"cannot list the enabled regions ({err.message}); collecting "
                    f"{account.home_region} only",
                    region=account.home_region,
                )
            )
            out[account.key] = [account.home_region]
    return out


def dedupe(alerts: Sequence[Alert]) -> list[Alert]:
    """One alert per identical message, with how many times it happened (a denied
    ``GetBucketTagging`` on 500 buckets is one alert, not 500)."""
    counts = Counter(alerts)
    out = []
    for alert, count in counts.items():
        if count == 1:
            out.append(alert)
            continue
        message = f"{alert.message} (x{count})"
        out.append(Alert(alert.source, alert.code, message, alert.type, alert.region))
    return out


def collect(
    options: AwsOptions,
    *,
    scope: ManagedScope | None = None,
    progress: Progress | None = None,
    hooks: Sequence[Hook] = (),
    session: Any | None = None,
) -> Collection:
    """Collect every selected type in every account and region (see module doc)."""
    options.check()
    collectors = registry.select(options.types)
    repository = Repository(
        max_attempts=options.max_attempts,
        concurrency=options.concurrency,
        endpoint_url=options.endpoint_url,
        hooks=hooks,
    )
    accounts, alerts = open_accounts(options, repository, session)
    if not accounts:
        raise AwsUnreadable(_unreadable("no AWS account could be opened", alerts))
    regions = _regions(accounts, options, repository, alerts)
    tasks = plan_tasks(accounts, regions, collectors, scope)
    runner = _Runner(options, repository)
    resources, failed = _run_all(runner, tasks, alerts, progress, len(regions) or 1)
    if tasks and failed == len(tasks):
        raise AwsUnreadable(_unreadable("no AWS resource type could be read", alerts))
    resources.sort(key=lambda r: (r.type, r.id, r.region or "", r.account or ""))
    return Collection(
        resources=resources,
        alerts=dedupe(alerts),
        stats=repository.stats,
        tasks=len(tasks),
        failed=failed,
        accounts=sorted(a.id for a in accounts),
    )


def _run_all(
    runner: _Runner,
    tasks: Sequence[Task],
    alerts: list[Alert],
    progress: Progress | None,
    regions: int,
) -> tuple[list[Resource], int]:
    workers = max(1, min(MAX_WORKERS, runner.repository.concurrency * regions, len(tasks)))
    resources: list[Resource] = []
    failed = 0
    if progress is not None:
        progress.begin("collecting AWS resources", len(tasks))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cg-aws") as pool:
        futures = [pool.submit(runner.run, task) for task in tasks]
        for future in as_completed(futures):
            found, notes, ok = future.result()
            resources.extend(found)
            alerts.extend(notes)
            failed += 0 if ok else 1
            if progress is not None:
                progress.advance()
    if progress is not None:
        progress.end()
    return resources, failed


def _unreadable(head: str, alerts: Sequence[Alert]) -> str:
    if not alerts:
        return head
    more = f" (and {len(alerts) - 1} more alerts)" if len(alerts) > 1 else ""
    return f"{head}: {alerts[0].message}{more}"


@dataclass
class AwsSource:
    """Live AWS as a ``Source`` (``drift audit --aws``); ``scope`` is read when loading, after
    the declared sources, so ``--only-managed`` can use them."""

    options: AwsOptions
    scope: Callable[[], ManagedScope | None] | None = None
    progress: Progress | None = None
    hooks: Sequence[Hook] = ()
    last: Collection | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """``aws://PROFILE/REGIONS``: findings carry it as their source."""
        return self.options.label

    def load(self) -> SourceResult:
        """Collect now; the ``Collection`` (with its call counts) is kept in ``last``."""
        scope = self.scope() if self.scope is not None else None
        self.last = collect(self.options, scope=scope, progress=self.progress, hooks=self.hooks)
        return SourceResult(
            resources=tuple(self.last.resources),
            alerts=tuple(self.last.alerts),
            origin=self.name,
            meta={
                "kind": "aws",
                "api_calls": self.last.stats.to_dict(),
                "resources_by_type": self.last.counts(),
            },
        )
