"""API call accounting: how many calls, retries and throttles each service and region cost.

Users of drift tools on large accounts complain first about throttling and run time
(snyk/driftctl#1344); a count per service and region is what lets them see where the calls go
and tune ``--concurrency`` and ``--types``. The counters are fed by botocore event hooks in
``repository`` (so paginator pages and retries are counted exactly as sent) and are safe to
update from many threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

#: The resource type whose collector is running in this thread (the engine sets it per task
#: and copies it into fan-out threads), so calls can be charged to the type that made them.
_CURRENT_TYPE: ContextVar[str | None] = ContextVar("changegate_aws_type", default=None)


def current_type() -> str | None:
    """The collector type charged for calls made now, or ``None`` (session calls)."""
    return _CURRENT_TYPE.get()


@contextmanager
def charged_to(resource_type: str) -> Iterator[None]:
    """Charge the calls made inside the block to ``resource_type``."""
    token = _CURRENT_TYPE.set(resource_type)
    try:
        yield
    finally:
        _CURRENT_TYPE.reset(token)


@dataclass
class Counter:
    """The counts of one (service, region)."""

    calls: int = 0
    retries: int = 0
    throttles: int = 0
    errors: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-ready counts."""
        return {
            "calls": self.calls,
            "retries": self.retries,
            "throttles": self.throttles,
            "errors": self.errors,
        }


class CallStats:
    """Thread-safe counters per ``(service, region)``; one instance per collection run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str], Counter] = {}
        self._by_type: dict[str, int] = {}

    def _bump(self, service: str, region: str, name: str, amount: int = 1) -> None:
        with self._lock:
            counter = self._counters.setdefault((service, region), Counter())
            setattr(counter, name, getattr(counter, name) + amount)

    def call(self, service: str, region: str) -> None:
        """One API call (a paginator page counts as one) was made."""
        self._bump(service, region, "calls")
        charged = current_type()
        if charged is not None:
            with self._lock:
                self._by_type[charged] = self._by_type.get(charged, 0) + 1

    def per_type(self) -> dict[str, int]:
        """Calls charged to each collector type (a call shared through the cache is charged to
        the type that made it first; session calls to none)."""
        with self._lock:
            return dict(sorted(self._by_type.items()))

    def retried(self, service: str, region: str, retries: int) -> None:
        """A finished call needed ``retries`` extra attempts."""
        if retries > 0:
            self._bump(service, region, "retries", retries)

    def throttled(self, service: str, region: str) -> None:
        """One attempt was answered with a throttling error."""
        self._bump(service, region, "throttles")

    def failed(self, service: str, region: str) -> None:
        """A call ended in an error (after its retries)."""
        self._bump(service, region, "errors")

    def items(self) -> Iterator[tuple[tuple[str, str], Counter]]:
        """``((service, region), counter)`` sorted by service then region (a snapshot copy)."""
        with self._lock:
            copied = {key: Counter(**value.to_dict()) for key, value in self._counters.items()}
        return iter(sorted(copied.items()))

    def total(self) -> Counter:
        """The sum over every service and region."""
        out = Counter()
        for _, counter in self.items():
            out.calls += counter.calls
            out.retries += counter.retries
            out.throttles += counter.throttles
            out.errors += counter.errors
        return out

    def per_service(self) -> dict[str, Counter]:
        """Counters summed over regions, by service."""
        out: dict[str, Counter] = {}
        for (service, _), counter in self.items():
            into = out.setdefault(service, Counter())
            into.calls += counter.calls
            into.retries += counter.retries
            into.throttles += counter.throttles
            into.errors += counter.errors
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"total": {...}, "services": {service: {region: {...}}}}`` for JSON output."""
        services: dict[str, dict[str, dict[str, int]]] = {}
        for (service, region), counter in self.items():
            services.setdefault(service, {})[region] = counter.to_dict()
        return {"total": self.total().to_dict(), "services": services, "types": self.per_type()}


def summary_lines(stats: CallStats, resources: Mapping[str, int] | None = None) -> list[str]:
    """The human summary printed on stderr after a collection: one line per service."""
    total = stats.total()
    found = sum(resources.values()) if resources else None
    head = f"aws: {total.calls} API calls, {total.retries} retries, {total.throttles} throttled"
    if found is not None:
        head += f", {found} resources"
    lines = [head]
    for service, counter in sorted(stats.per_service().items()):
        lines.append(
            f"  {service}: {counter.calls} calls, {counter.retries} retries, "
            f"{counter.throttles} throttled, {counter.errors} errors"
        )
    return lines
