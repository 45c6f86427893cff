# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``changegate.itsm.audit``: the run's change on the console, every run in the ledger.

An adapter: each hook translates Ansible's objects into plain values right there
(``plugin_utils.events``) and hands them to a ``RunRecording``; the ledger's ``Recorder`` spools
every event before any sink sees it. Every hook is a sink boundary: whatever goes wrong is shown
as a warning and the play goes on, because an audit trail must never be the reason a change
failed.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: audit
type: notification
short_description: Show the run's change and record every run in changegate's tamper-evident ledger
version_added: 0.1.0
author: changegate maintainers (@changegate)
description:
  - At play start shows the run's change (id, type, state, window, approvals with who and when),
    or a clear warning when the run names no change or the change cannot be found.
  - Records the run in the ledger (hash-chained, verifiable with C(changegate audit verify)) -
    a C(run_start) event (run id, change and approvals snapshot, actor, controller host,
    playbook, git commit and dirty flag of the playbook's repository, inventory sources, limit,
    tags, check mode, ansible-core version, AWX/AAP job id), a C(task_result) per host and task
    (status, module, duration, a diff summary of counts only), a C(gate_decision) for every
    M(changegate.itsm.gate) task, and C(run_end) with the stats - or C(run_interrupted) on
    SIGINT/SIGTERM.
  - At the end shows gated tasks allowed and denied and the hosts that changed, and (sink
    C(writeback)) adds a work note summarising the run to the change.
  - Never records task arguments, result content, C(ansible_env), extra-var values or vault
    values. C(no_log) results are recorded as censored. Keys listed in the policy's C(redact)
    list are masked.
  - A failing sink never fails or slows the play - its events wait in the spool and are replayed
    at the start of the next run or by C(changegate audit replay).
  - Looks the run's change up once, before any task runs, so that M(changegate.itsm.gate)
    never asks the ticket system again during the run.
requirements:
  - changegate (pip package) in the controller's Python
  - enabled in C(ansible.cfg) with C(callbacks_enabled = changegate.itsm.audit)
extends_documentation_fragment:
  - changegate.itsm.options
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = changegate.itsm.audit
#
# [changegate]
# db = postgresql+psycopg://changegate@db.example.com/changegate
# config = /etc/changegate/changegate.yml
# sinks = store, jsonl, writeback
# jsonl = /var/log/changegate/ledger.jsonl
"""

import atexit
import logging
import os
import signal
import socket
from pathlib import Path
from typing import Any

from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible_collections.changegate.itsm.plugins.plugin_utils import (
    cores,
    events,
    hostvars,
    options,
    report,
    services,
    wrapped,
)

if cores.available():
    from ansible_collections.changegate.itsm.plugins.plugin_utils.recording import RunRecording

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _DisplayHandler(logging.Handler):
    """Forwards the ledger's log warnings (a failing sink) to Ansible's display."""

    def __init__(self, display: Any) -> None:
        super().__init__(logging.WARNING)
        self._display = display

    def emit(self, record: logging.LogRecord) -> None:
        self._display.warning(record.getMessage())


class CallbackModule(CallbackBase):
    """The audit callback (see DOCUMENTATION)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "changegate.itsm.audit"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display)
        self._opts: dict[str, Any] = {}
        self._run: RunRecording | None = None
        self._services: Any = None
        self._playbook: Any = None
        self._manager: Any = None
        self._play_name = ""
        self._executor = ""
        self._previous: dict[int, Any] = {}
        self._pid = os.getpid()
        self._log_handler: logging.Handler | None = None

    def set_options(
        self, task_keys: Any = None, var_options: Any = None, direct: Any = None
    ) -> None:
        """Read the options once (the table in ``plugin_utils.options``)."""
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._opts = {name: self.get_option(name) for name in options.names()}

    # ------------------------------------------------------------------ run lifecycle
    def v2_playbook_on_start(self, playbook: Any) -> None:
        """Open the recorder, replay what earlier runs spooled, install signal handlers."""
        if not cores.available():
            self._display.warning(f"changegate.itsm.audit: {cores.missing_message()}")
            return
        self._guard(self._open, playbook)

    def v2_playbook_on_play_start(self, play: Any) -> None:
        """Resolve and show the run's change; the first play records ``run_start``."""
        self._play_name = str(play.get_name())
        if self._run is not None:
            self._guard(self._play_start, play)

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        """Before a gate task forks, warm the plugin loader for its module (workers inherit it)."""
        if self._run is not None:
            wrapped.prime(task)

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        """Same as for a task."""
        if self._run is not None:
            wrapped.prime(task)

    def v2_runner_on_start(self, host: Any, task: Any) -> None:
        """Note the start time of a host's task."""
        if self._run is not None:
            self._run.task_started(str(host.get_name()), str(task._uuid))

    def v2_runner_on_ok(self, result: Any) -> None:
        """Record an ok or changed result."""
        changed = bool((getattr(result, "result", None) or result._result).get("changed"))
        self._result(result, "changed" if changed else "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        """Record a failed result."""
        self._result(result, "failed")

    def v2_runner_on_skipped(self, result: Any) -> None:
        """Record a skipped result."""
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        """Record an unreachable host."""
        self._result(result, "unreachable")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        """Record ``run_end``, show the summary, write back, close."""
        if self._run is not None:
            self._guard(self._end, stats)

    # ------------------------------------------------------------------ internals
    def _guard(self, step: Any, *args: Any) -> None:
        try:
            step(*args)
        except Exception as exc:  # the callback boundary: warn, never fail the play
            self._display.warning(f"changegate.itsm.audit: {type(exc).__name__}: {exc}")

    def _recording(self) -> RunRecording:
        """The open run; the steps that call this run only once ``_open`` made one."""
        if self._run is None:
            raise AssertionError("no run is being recorded")
        return self._run

    def _open(self, playbook: Any) -> None:
        from change_control.ledger.recorder import Recorder
        from change_control.runctx import new_run_id

        self._playbook = playbook
        self._services = self._load_services()
        recorder = Recorder(self._sinks(), self._spool_dir())
        self._attach_log()
        recorder.replay_pending()
        redact_keys = self._services.policy.redact if self._services else ()
        self._manager = hostvars.manager_of(playbook)
        self._run = RunRecording(
            recorder,
            new_run_id(),
            redact_keys=redact_keys,
            secrets=hostvars.extra_var_secrets(self._manager),
        )
        self._install_signals()
        atexit.register(self._at_exit)
        for action in ("changegate.itsm.gate", "changegate.itsm.change"):
            options.read("action", action, None)  # resolved once here; the workers inherit it

    def _at_exit(self) -> None:
        """ansible-playbook ended without its stats (a fatal error): close the run anyway."""
        if os.getpid() == self._pid and self._run is not None and not self._run.closed:
            self._run.interrupted("exit")

    def _load_services(self) -> Any:
        from change_control.errors import ChangegateError

        try:
            return services.get_services(self._opts, self._display.vvv)
        except ChangegateError as err:
            self._display.warning(f"changegate.itsm.audit: {err.message}")
            return None

    def _sinks(self) -> list[Any]:
        from change_control.errors import ChangegateError
        from change_control.ledger.sinks import SinkConfig, build_sinks

        names = [str(n).strip() for n in self._opts.get("sinks") or ["store"] if str(n).strip()]
        url = self._services.settings.db_url if self._services else services.store_url(self._opts)
        provider = None
        if "writeback" in names and self._services is not None:
            try:
                provider = self._services.gatekeeper.provider()
            except ChangegateError as err:
                self._display.warning(f"changegate.itsm.audit: no write-back ({err.message})")
        if provider is None:
            names = [n for n in names if n != "writeback"]
        jsonl = self._opts.get("jsonl")
        # The local provider's store is the ledger's store: share its engine rather than open
        # (and migration-check) the same database twice. A URL is opened at the first write.
        store = getattr(provider, "store", None) or url
        config = SinkConfig(
            store=store, jsonl_path=Path(jsonl) if jsonl else None, provider=provider
        )
        usable = []
        for name in names:  # a misconfigured sink is left out; the others still record
            try:
                build_sinks([name], config)[0].close()
            except ChangegateError as err:
                self._display.warning(f"changegate.itsm.audit: sink {name} left out: {err.message}")
                continue
            usable.append(name)
        return build_sinks(usable, config)

    def _spool_dir(self) -> Path:
        from change_control.settings import default_state_dir

        spool = self._opts.get("spool")
        return Path(spool) if spool else default_state_dir(os.environ) / "spool"

    def _attach_log(self) -> None:
        if self._log_handler is None:
            self._log_handler = _DisplayHandler(self._display)
            logging.getLogger("changegate.ledger").addHandler(self._log_handler)

    def _play_start(self, play: Any) -> None:
        from change_control.runctx import resolve_change, resolve_executor

        manager = play.get_variable_manager()
        extra = hostvars.extra_vars_of(play)
        ref = resolve_change(extra, hostvars.play_variables(play, manager), os.environ)
        self._executor = resolve_executor(extra, services.controller()).name
        found = None
        if self._services is not None:
            found = self._services.gatekeeper.lookup(ref.change_id)
        self._banner(ref, found)
        run = self._recording()
        if not run.started:
            run.start(self._start_body(ref, extra, found))

    def _banner(self, ref: Any, found: Any) -> None:
        from change_control.gate import LookupFailure

        run_id = self._recording().run_id
        if ref.change_id is None:
            self._display.warning(report.NO_CHANGE)
        elif found is None:
            self._display.warning(f"changegate: change {ref.change_id} could not be looked up")
        elif isinstance(found.change, LookupFailure):
            failure = found.change
            self._display.warning(
                report.lookup_failed(failure.change_id, failure.kind, failure.detail)
            )
        else:
            lines = report.banner(found.change.to_dict(), ref.origin, self._executor, run_id)
            self._display.display("\n".join(lines))

    def _start_body(self, ref: Any, extra: dict[str, Any], found: Any) -> dict[str, Any]:
        from ansible.release import __version__ as ansible_version

        from change_control.gate import LookupFailure
        from change_control.runctx import Executor, RunMeta, git_info, job_id

        run_id = self._recording().run_id
        args = context.CLIARGS
        name = str(getattr(self._playbook, "_file_name", "") or "")
        path = Path(os.path.abspath(name)) if name else Path()
        meta = RunMeta(
            run_id=run_id,
            change=ref,
            executor=Executor(self._executor, ""),
            controller=socket.gethostname(),
            playbook=str(path) if name else "",
            git=git_info(path.parent) if name else None,
            inventory=[str(i) for i in args.get("inventory") or ()],
            limit=args.get("subset"),
            tags=[str(t) for t in args.get("tags") or ()],
            skip_tags=[str(t) for t in args.get("skip_tags") or ()],
            check_mode=bool(args.get("check")),
            diff_mode=bool(args.get("diff")),
            ansible_version=ansible_version,
            awx_job_id=job_id(extra),
            extra_var_names=hostvars.extra_var_names(self._manager),
        )
        body = meta.to_dict()
        body.pop("actor_origin")
        change = found.change if found is not None else None
        if isinstance(change, LookupFailure):
            body["change_lookup"] = {"kind": change.kind, "detail": change.detail}
        elif change is not None:
            body["change"] = change.to_dict()
        return body

    def _result(self, result: Any, status: str) -> None:
        if self._run is None:
            return
        run = self._run
        self._guard(lambda: run.task_finished(events.task_facts(result, status, self._play_name)))

    def _end(self, stats: Any) -> None:
        run = self._recording()
        run.end(events.host_stats(list(stats.processed), stats.summarize))
        lines = report.summary(
            run.run_id,
            run.change_id,
            run.tally.gated(),
            sorted(run.tally.changed_hosts or ()),
            run.recorder.failed_sinks,
            str(run.recorder.spool_dir),
        )
        self._display.display("\n".join(lines))
        self._finish()

    def _finish(self) -> None:
        self._restore_signals()
        if self._log_handler is not None:
            logging.getLogger("changegate.ledger").removeHandler(self._log_handler)
            self._log_handler = None
        if self._services is not None:
            self._services.close()

    # ------------------------------------------------------------------ signals
    def _install_signals(self) -> None:
        for signum in _SIGNALS:
            try:
                self._previous[signum] = signal.signal(signum, self._on_signal)
            except ValueError:  # not the main thread: Ansible's own handling applies
                continue

    def _restore_signals(self) -> None:
        for signum, previous in self._previous.items():
            try:
                signal.signal(signum, previous)
            except (ValueError, TypeError):
                continue
        self._previous.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        """Close the run as interrupted, then let the previous handler do what it does."""
        previous = self._previous.get(signum, signal.SIG_DFL)
        if os.getpid() == self._pid and self._run is not None and not self._run.closed:
            self._run.interrupted(signal.Signals(signum).name)
            self._restore_signals()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        os.kill(os.getpid(), signum)
