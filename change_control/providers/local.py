"""The ``local`` provider: the change register kept in changegate's own store.

Every call is one transaction: an approval, the state change it triggers and both history rows
commit together or not at all. The provider applies the same approval rule as the gate
(``policy.approvals``), so a change moves to ``scheduled`` exactly when the gate would count it
as approved. Store failures surface as ``ProviderError`` so the gate can fail closed.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from change_control.errors import InputError, ProviderError, StoreError, TransitionError
from change_control.model import (
    AWAITING_APPROVAL,
    TERMINAL_STATES,
    Approval,
    ApprovalDecision,
    Change,
    ChangeState,
    ChangeType,
    check_transition,
)
from change_control.policy.approvals import approval_rule, is_authorized, missing_approvals
from change_control.policy.model import Policy
from change_control.providers.base import ListFilter, NewChange
from change_control.store.engine import Store
from change_control.store.repository import ChangeRepository, LogAction, LogEntry

#: The actor recorded for transitions changegate makes by itself (auto-scheduling).
SYSTEM_ACTOR = "changegate"


class LocalProvider:
    """``ChangeProvider`` over the store; ``close()`` releases its connections."""

    name = "local"

    def __init__(self, store: Store, policy: Policy) -> None:
        self.store = store
        self.policy = policy

    def close(self) -> None:
        """Dispose of the store's connection pool."""
        self.store.dispose()

    # ------------------------------------------------------------------ reads
    def get(self, change_id: str) -> Change:
        """The change with its approvals (``ChangeNotFoundError`` for an unknown id)."""
        with self._unit(read=True) as repo:
            return repo.get(change_id)

    def list(self, filters: ListFilter) -> Sequence[Change]:
        """Changes matching ``filters``, newest first."""
        with self._unit(read=True) as repo:
            return repo.list(filters)

    def log(self, change_id: str) -> builtins.list[LogEntry]:
        """The change's history, oldest first."""
        with self._unit(read=True) as repo:
            return repo.log(change_id)

    # ------------------------------------------------------------------ writes
    def create(self, new: NewChange, at: datetime) -> Change:
        """Open a change in ``new``; a standard change goes straight on to ``scheduled``."""
        _require_aware(at)
        _require_text(summary=new.summary, requested_by=new.requested_by)
        if new.type is ChangeType.STANDARD:
            self._check_template(new.template)
        with self._unit() as repo:
            change_id = repo.insert(new, state=ChangeState.NEW, at=at)
            repo.append_log(
                change_id,
                LogAction.CREATED,
                new.requested_by,
                at,
                to_state=ChangeState.NEW,
                detail={"type": str(new.type), "risk": str(new.risk), "summary": new.summary},
            )
            if new.type is ChangeType.STANDARD:
                reason = f"standard change pre-approved by template {new.template}"
                self._move(repo, change_id, 1, ChangeState.NEW, ChangeState.SCHEDULED, at, reason)
            return repo.get(change_id)

    def approve(
        self,
        change_id: str,
        approver: str,
        at: datetime,
        group: str | None = None,
        comment: str | None = None,
    ) -> Change:
        """Record an approval; once the policy's requirement is met the change is scheduled."""
        _require_aware(at)
        _require_text(approver=approver)
        approval = Approval(approver, ApprovalDecision.APPROVED, at, group or None, comment)
        with self._unit() as repo:
            stored = repo.load(change_id, lock=True)
            change = stored.change
            _refuse_terminal(change, "approved")
            repo.add_approval(change_id, approval)
            repo.append_log(
                change_id,
                LogAction.APPROVED,
                approver,
                at,
                detail={"group": approval.group, "comment": comment},
            )
            updated = dataclasses.replace(change, approvals=(*change.approvals, approval))
            if change.state in AWAITING_APPROVAL and is_authorized(updated, self.policy):
                reason = self._authorized_reason(updated)
                self._move(
                    repo, change_id, stored.version, change.state, ChangeState.SCHEDULED, at, reason
                )
            else:
                repo.update(change_id, expected_version=stored.version, at=at)
            return repo.get(change_id)

    def reject(
        self, change_id: str, approver: str, at: datetime, comment: str | None = None
    ) -> Change:
        """Record a rejection; an open change goes back to ``new``."""
        _require_aware(at)
        _require_text(approver=approver)
        rejection = Approval(approver, ApprovalDecision.REJECTED, at, None, comment)
        with self._unit() as repo:
            stored = repo.load(change_id, lock=True)
            change = stored.change
            _refuse_terminal(change, "rejected")
            repo.add_approval(change_id, rejection)
            repo.append_log(
                change_id, LogAction.REJECTED, approver, at, detail={"comment": comment}
            )
            if change.state is ChangeState.NEW:
                repo.update(change_id, expected_version=stored.version, at=at)
            else:
                reason = f"rejected by {approver}"
                self._move(
                    repo, change_id, stored.version, change.state, ChangeState.NEW, at, reason
                )
            return repo.get(change_id)

    def transition(
        self,
        change_id: str,
        target: ChangeState,
        actor: str,
        at: datetime,
        close_code: str | None = None,
        close_notes: str | None = None,
    ) -> Change:
        """Move the change along its state machine; ``scheduled`` also needs its approvals."""
        _require_aware(at)
        _require_text(actor=actor)
        if (close_code or close_notes) and target is not ChangeState.CLOSED:
            raise InputError("a close code and close notes apply only when closing a change")
        with self._unit() as repo:
            stored = repo.load(change_id, lock=True)
            change = stored.change
            try:
                check_transition(change.type, change.state, target)
            except TransitionError as exc:
                raise TransitionError(f"change {change_id}: {exc.message}") from None
            if target is ChangeState.SCHEDULED:
                self._require_authorized(change)
            repo.update(
                change_id,
                expected_version=stored.version,
                at=at,
                state=target,
                close_code=close_code,
                close_notes=close_notes,
            )
            closing = {"close_code": close_code, "close_notes": close_notes}
            repo.append_log(
                change_id,
                LogAction.TRANSITION,
                actor,
                at,
                from_state=change.state,
                to_state=target,
                detail=closing if target is ChangeState.CLOSED else {},
            )
            return repo.get(change_id)

    def add_note(self, change_id: str, actor: str, text: str, at: datetime) -> None:
        """Append a work note to the change's history."""
        _require_aware(at)
        _require_text(actor=actor, note=text)
        with self._unit() as repo:
            repo.load(change_id)
            repo.append_log(change_id, LogAction.NOTE, actor, at, detail={"text": text})

    # ------------------------------------------------------------------ helpers
    @contextmanager
    def _unit(self, *, read: bool = False) -> Iterator[ChangeRepository]:
        """One transaction; "cannot reach the store" becomes ``ProviderError`` (fail closed)."""
        try:
            with self.store.read() if read else self.store.begin() as conn:
                yield ChangeRepository(conn, provider=self.name)
        except StoreError as exc:
            raise ProviderError(exc.message) from exc

    @staticmethod
    def _move(
        repo: ChangeRepository,
        change_id: str,
        version: int,
        source: ChangeState,
        target: ChangeState,
        at: datetime,
        reason: str,
    ) -> None:
        """A transition changegate makes by itself, logged with its reason."""
        repo.update(change_id, expected_version=version, at=at, state=target)
        repo.append_log(
            change_id,
            LogAction.TRANSITION,
            SYSTEM_ACTOR,
            at,
            from_state=source,
            to_state=target,
            detail={"reason": reason},
        )

    def _check_template(self, template: str | None) -> None:
        catalog = self.policy.standard_changes
        if template and template in catalog:
            return
        known = ", ".join(sorted(catalog)) or f"none are defined in {self.policy.source}"
        problem = (
            f"template {template!r} is not in the standard-change catalog"
            if template
            else "a standard change needs a template (--template NAME)"
        )
        raise InputError(f"{problem}; known templates: {known}")

    def _require_authorized(self, change: Change) -> None:
        if is_authorized(change, self.policy):
            return
        missing = missing_approvals(change, self.policy)
        why = "; ".join(missing) or "rejected by " + ", ".join(
            r.approver for r in change.rejections
        )
        raise TransitionError(f"change {change.id} cannot be scheduled: {why}")

    def _authorized_reason(self, change: Change) -> str:
        rule = approval_rule(change, self.policy)
        if rule is None:
            return "no approval required"
        groups = f" incl. group {', '.join(rule.groups)}" if rule.groups else ""
        return f"required approvals met ({rule.count}{groups})"


def _refuse_terminal(change: Change, verb: str) -> None:
    if change.state in TERMINAL_STATES:
        raise TransitionError(f"change {change.id} is {change.state} and can no longer be {verb}")


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError(f"time {at.isoformat()} has no time zone; pass a tz-aware instant")


def _require_text(**values: str) -> None:
    for name, value in values.items():
        if not value or not value.strip():
            raise InputError(f"{name.replace('_', ' ')} must not be empty")
