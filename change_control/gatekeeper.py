"""The gate as a service: one change lookup per run, one decision per distinct request.

``evaluate`` is pure; something has to look the change up, merge the store's freeze calendar into
the policy, remember both for the rest of the run and cache decisions. That is ``Gatekeeper``.
The Ansible plugins call ``Gatekeeper.decide`` (the gate), ``Gatekeeper.lookup`` (the banner and
the lookup plugin) and ``transition``/``note`` (the ``change`` action); nothing else.

Ansible runs every task of every host in a *forked* worker process, so a plain in-process cache
would die with each fork and the ticket system would be asked once per task. ``RunCache`` keeps
the memo in a directory private to the run (Ansible's per-run local temp dir, mode 0700, removed
when the run ends), guarded by a file lock: the first worker asks, every other worker waits for
it and reads its answer. Values are pickled frozen dataclasses written and read by the same
controller run for the same user; nothing outside that directory is ever unpickled.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from change_control.errors import ChangeNotFoundError, InputError, ProviderError, StoreError
from change_control.gate import Decision, LookupFailure, Request
from change_control.model import Change, ChangeState, check_transition
from change_control.policy.evaluate import evaluate
from change_control.policy.matching import canonical_module, host_is_gated, module_is_gated
from change_control.policy.model import FreezeWindow, Policy
from change_control.providers.base import ChangeProvider

T = TypeVar("T")
Log = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default log: say nothing."""


class RunCache:
    """A memo for one run, shared between forked processes through ``directory``.

    Without a directory it is an in-process dict (tests, single-process callers). With one, the
    directory is the truth: a forked worker must see what a sibling wrote after the fork (a
    transition replaces the cached change record), so values are always read from disk.
    A cache that cannot be read or written is bypassed, never an error: the worst case is
    asking the provider again.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._memory: dict[str, Any] = {}

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
        """``(value, True)`` when ``key`` is cached, else ``(compute(), False)`` and store it.

        Concurrent callers with the same key wait for the first one, so ``compute`` runs once
        per run (the point: ask the ticket system once). An exception from ``compute`` is not
        cached and propagates.
        """
        if self.directory is None:
            if key in self._memory:
                return cast(T, self._memory[key]), True
            value = compute()
            self._memory[key] = value
            return value, False
        try:
            with self._locked(key) as path:
                if path.exists():
                    return cast(T, _read(path)), True
                value = compute()
                _write(path, value)
                return value, False
        except (OSError, pickle.PickleError, EOFError, AttributeError):
            return compute(), False

    def put(self, key: str, value: object) -> None:
        """Replace the cached value of ``key`` (after a write made it stale)."""
        if self.directory is None:
            self._memory[key] = value
            return
        try:
            with self._locked(key) as path:
                _write(path, value)
        except (OSError, pickle.PickleError):
            return

    @contextmanager
    def _locked(self, key: str) -> Iterator[Path]:
        assert self.directory is not None
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        with open(self.directory / f"{digest}.lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield self.directory / f"{digest}.pickle"
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _read(path: Path) -> Any:
    with open(path, "rb") as handle:
        return pickle.load(handle)


def _write(path: Path, value: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Lookup:
    """The provider's answer about a change, the store's freezes, and whether it was cached."""

    change_id: str | None
    change: Change | LookupFailure | None
    freezes: tuple[FreezeWindow, ...] = ()
    cached: bool = False


@dataclass(frozen=True)
class GateOutcome:
    """A decision about one request, plus what an operator and the ledger need around it."""

    request: Request
    decision: Decision
    change: Change | LookupFailure | None
    cached: bool
    lookup_cached: bool

    def to_dict(self) -> dict[str, Any]:
        """The ``changegate`` key the gate adds to a task result (the callback records it).

        Never holds module arguments: they may carry secrets.
        """
        return {
            **self.decision.to_dict(),
            "change_id": self.request.change_id,
            "module": self.request.module,
            "host": self.request.host,
            "executor": self.request.executor,
            "environment": self.request.environment,
            "check_mode": self.request.check_mode,
            "cached": self.cached,
            "lookup_cached": self.lookup_cached,
        }

    def message(self) -> str:
        """One line for a refused task: every reason code with its sentence."""
        change = self.request.change_id or "no change"
        reasons = " ".join(f"[{r.code}] {r.message}." for r in self.decision.reasons)
        return (
            f"changegate refused {self.request.module} on {self.request.host} ({change}): {reasons}"
        )


@dataclass(frozen=True)
class ChangeUpdate:
    """The result of a ``transition`` or ``note``: did it change anything, and the record now."""

    changed: bool
    change: Change
    message: str


class Gatekeeper:
    """Holds the policy and the provider for one run and answers the gate's questions.

    ``provider`` and ``freezes`` are factories: a run whose change is already cached (or that
    runs only ungated tasks) never opens the ticket system or the store at all. ``freezes`` gets
    the provider, so a store-backed provider can share its connection.
    """

    def __init__(
        self,
        policy: Policy,
        provider: Callable[[], ChangeProvider],
        *,
        freezes: Callable[[ChangeProvider], Sequence[FreezeWindow]] | None = None,
        cache: RunCache | None = None,
        log: Log = _quiet,
    ) -> None:
        self.policy = policy
        self._provider_factory = provider
        self._provider: ChangeProvider | None = None
        self._provider_pid = 0
        self._freezes = freezes
        self.cache = cache if cache is not None else RunCache()
        self._log = log

    def provider(self) -> ChangeProvider:
        """The provider, built on first use in this process.

        A provider built before a fork is not reused by the child: database connections and
        HTTP sessions must not be shared across processes (Ansible forks a worker per task).
        """
        if self._provider is None or self._provider_pid != os.getpid():
            self._provider = self._provider_factory()
            self._provider_pid = os.getpid()
        return self._provider

    def warm(self) -> None:
        """Compile the policy's host and module patterns now.

        Called where a process is about to fork many short-lived workers (Ansible's controller):
        the workers inherit the compiled patterns instead of each compiling them again.
        """
        host_is_gated(self.policy, "warm-up", None)
        module_is_gated(self.policy, "warm.up.module")

    def built_provider(self) -> ChangeProvider | None:
        """The provider if this process built one (to close it), else ``None``."""
        return self._provider if self._provider_pid == os.getpid() else None

    def lookup(self, change_id: str | None) -> Lookup:
        """The change (or why it could not be had) and the store's freezes, once per run."""
        if change_id is None:
            return Lookup(None, None)
        found, hit = self.cache.get_or_compute(_lookup_key(change_id), lambda: self._ask(change_id))
        return dataclasses.replace(found, cached=hit)

    def decide(self, request: Request, now: datetime) -> GateOutcome:
        """The gate: may ``request`` run now? Decisions are cached per distinct request.

        An ungated request (read-only module, host or environment outside the gate) never
        triggers a lookup. The cache key holds everything a rule reads except the clock, plus a
        fingerprint of the change record, so a transition mid-run yields fresh decisions.
        """
        request = dataclasses.replace(request, module=canonical_module(request.module))
        if not self._gated(request):
            return GateOutcome(request, Decision(allowed=True, gated=False), None, False, False)
        found = self.lookup(request.change_id)
        policy = self._effective(found)
        key = _decision_key(request, found.change)
        decision, hit = self.cache.get_or_compute(
            key, lambda: evaluate(found.change, request, policy, now)
        )
        return GateOutcome(request, decision, found.change, hit, found.cached)

    def transition(
        self,
        change_id: str,
        target: ChangeState,
        actor: str,
        now: datetime,
        *,
        close_code: str | None = None,
        close_notes: str | None = None,
        check_mode: bool = False,
    ) -> ChangeUpdate:
        """Move the change to ``target`` once per run (other hosts see ``changed=False``)."""
        if target is ChangeState.CLOSED and not (close_code and close_notes):
            raise InputError("state closed: give both close_code and close_notes")
        key = f"transition\0{change_id}\0{target}\0{check_mode}"
        update, hit = self.cache.get_or_compute(
            key,
            lambda: self._transition(
                change_id, target, actor, now, close_code, close_notes, check_mode
            ),
        )
        if hit:
            return dataclasses.replace(update, changed=False, message=f"already {target}")
        return update

    def note(
        self, change_id: str, actor: str, text: str, now: datetime, *, check_mode: bool = False
    ) -> bool:
        """Add a work note once per run and text; True when this call added (or would add) it."""
        if not text.strip():
            raise InputError("note: must not be empty")
        digest = hashlib.sha256(text.encode()).hexdigest()
        key = f"note\0{change_id}\0{digest}\0{check_mode}"

        def add() -> bool:
            if not check_mode:
                self.provider().add_note(change_id, actor, text, now)
            return True

        _, hit = self.cache.get_or_compute(key, add)
        return not hit

    # ------------------------------------------------------------------ internals

    def _gated(self, request: Request) -> bool:
        return host_is_gated(self.policy, request.host, request.environment) and module_is_gated(
            self.policy, request.module
        )

    def _ask(self, change_id: str) -> Lookup:
        self._log(f"changegate: asking provider for change {change_id}")
        try:
            provider = self.provider()
            change: Change | LookupFailure = provider.get(change_id)
            freezes = tuple(self._freezes(provider)) if self._freezes is not None else ()
        except ChangeNotFoundError as err:
            return Lookup(change_id, LookupFailure("not_found", change_id, err.message))
        except (ProviderError, StoreError) as err:
            return Lookup(change_id, LookupFailure("unreachable", change_id, err.message))
        return Lookup(change_id, change, freezes)

    def _effective(self, found: Lookup) -> Policy:
        if not found.freezes:
            return self.policy
        return dataclasses.replace(self.policy, freezes=self.policy.freezes + found.freezes)

    def _transition(
        self,
        change_id: str,
        target: ChangeState,
        actor: str,
        now: datetime,
        close_code: str | None,
        close_notes: str | None,
        check_mode: bool,
    ) -> ChangeUpdate:
        provider = self.provider()
        current = provider.get(change_id)
        if current.state is target:
            return ChangeUpdate(False, current, f"already {target}")
        check_transition(current.type, current.state, target)
        if check_mode:
            return ChangeUpdate(True, current, f"would move from {current.state} to {target}")
        updated = provider.transition(change_id, target, actor, now, close_code, close_notes)
        previous = self.lookup(change_id)
        self.cache.put(_lookup_key(change_id), dataclasses.replace(previous, change=updated))
        return ChangeUpdate(True, updated, f"moved from {current.state} to {target}")


def _lookup_key(change_id: str) -> str:
    return f"lookup\0{change_id}"


def _decision_key(request: Request, change: Change | LookupFailure | None) -> str:
    if isinstance(change, Change):
        stamp = [str(change.state), str(change.updated_at), len(change.approvals)]
    else:
        stamp = [repr(change)]
    fields = [
        request.change_id,
        request.host,
        request.module,
        request.check_mode,
        request.environment,
        request.executor,
        args_digest(request.args),
        stamp,
    ]
    return "decision\0" + json.dumps(fields, default=str)


def args_digest(args: Mapping[str, Any]) -> str:
    """A stable digest of module arguments (standard-change templates look at them)."""
    text = json.dumps(args, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
