"""``--only-managed``: collect only what the Terraform states declare.

On a shared account most resources belong to someone else; listing and describing them all is
what makes scans slow and throttled (snyk/driftctl#468, #1364). A ``ManagedScope`` built from
the declared view tells the engine which collectors to run (only types some state declares) and,
for collectors that can narrow their listing (an EC2 filter, a bucket name, a zone id), which
keys to ask for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drift.aws.registry import Collector
from drift.model import Resource
from drift.normalize.types import canonical_type


@dataclass(frozen=True)
class ManagedScope:
    """The declared resources an ``--only-managed`` collection is limited to."""

    resources: tuple[Resource, ...]

    @classmethod
    def of(cls, resources: Iterable[Resource]) -> ManagedScope:
        """The scope of a declared view."""
        return cls(tuple(resources))

    def _matching(self, collector: Collector) -> list[Resource]:
        matches = collector.matches
        return [r for r in self.resources if r.type in matches or canonical_type(r.type) in matches]

    def wants(self, collector: Collector) -> bool:
        """Whether some declared resource has a type ``collector`` reads."""
        return bool(self._matching(collector))

    def ids(self, collector: Collector) -> frozenset[str] | None:
        """The keys ``collector`` may narrow its listing to, or ``None`` (it cannot narrow)."""
        if collector.scoped_by is None:
            return None
        keys: set[str] = set()
        for resource in self._matching(collector):
            keys.update(collector.scoped_by(resource))
        return frozenset(keys)
