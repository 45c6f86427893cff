"""Which approved change, if any, covers a finding: authorized vs unauthorized drift.

A finding is ``authorized`` by a change when all of these hold:

- the change counts as approved: by default not cancelled, and either closed (unless its close
  code says ``unsuccessful``) or approved under the policy (``is_authorized``: nobody rejected
  it and its approval requirement is met; standard changes are pre-approved);
- its scope names the resource: a ``terraform_addresses`` pattern (fnmatch) matches the
  finding's address, or ``ci_ids`` lists the resource id. An empty scope covers nothing here:
  to excuse drift a change has to say what it touches;
- its window covers the finding's ``first_seen`` (the moment the drift was first observed),
  or ``now`` when the finding has never been seen before. Using ``first_seen`` keeps drift made
  inside a window authorized in the audits that follow the window, and keeps drift first seen
  after the window unauthorized however often it is seen again. ``grace`` extends each window's
  end, for audits that run on a schedule after the work (a nightly audit after a 14:00-16:00
  window). A change without a window covers no time.

With no changes supplied at all, every finding is ``unknown``: nobody asked. When several
changes cover a finding, the one with the smallest id wins, so the answer is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from change_control.model import Change, ChangeState
from change_control.policy.approvals import is_authorized
from change_control.policy.model import Policy
from drift.model import Attribution, AttributionStatus, Finding

ApprovedPredicate = Callable[[Change], bool]
UNKNOWN = Attribution(AttributionStatus.UNKNOWN)
UNAUTHORIZED = Attribution(AttributionStatus.UNAUTHORIZED)


def approved_under(policy: Policy) -> ApprovedPredicate:
    """The default predicate "is this change approved (or successfully closed)?"."""

    def approved(change: Change) -> bool:
        if change.state is ChangeState.CANCELLED:
            return False
        if change.state is ChangeState.CLOSED:
            return not (change.close_code or "").casefold().startswith("unsuccessful")
        return is_authorized(change, policy)

    return approved


def covers_resource(change: Change, address: str | None, resource_id: str) -> bool:
    """True when the change's scope names the resource (address pattern or CI id)."""
    scope = change.scope
    if address and any(fnmatchcase(address, p) for p in scope.terraform_addresses):
        return True
    return resource_id in scope.ci_ids


def covers_time(change: Change, moment: datetime, grace: timedelta = timedelta(0)) -> bool:
    """True when ``moment`` is inside the change's window, its end extended by ``grace``."""
    window = change.window
    return window is not None and window.start <= moment < window.end + grace


class Attributor:
    """Attributes findings to ``changes``; approval is judged once per change, not per finding."""

    def __init__(
        self,
        changes: Sequence[Change],
        approved: ApprovedPredicate,
        grace: timedelta = timedelta(0),
    ) -> None:
        self._asked = bool(changes)
        self._eligible = tuple(sorted((c for c in changes if approved(c)), key=lambda c: c.id))
        self._grace = grace

    def attribute(self, finding: Finding, now: datetime) -> Attribution:
        """The finding's attribution (rules in the module doc)."""
        return self.for_resource(finding.address, finding.resource_id, finding.first_seen or now)

    def for_resource(self, address: str | None, resource_id: str, moment: datetime) -> Attribution:
        """The attribution of drift on that resource first seen at ``moment``."""
        if not self._asked:
            return UNKNOWN
        for change in self._eligible:
            if covers_resource(change, address, resource_id) and covers_time(
                change, moment, self._grace
            ):
                return Attribution(AttributionStatus.AUTHORIZED, change.id)
        return UNAUTHORIZED
