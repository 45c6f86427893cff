# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run's recording: plain bodies in, redacted ledger events out, through the Recorder.

The audit callback owns a ``RunRecording`` per ``ansible-playbook`` run and feeds it plain values
(``TaskFacts``, stats dicts); this class adds durations, redaction and the run's tally, and hands
events to ``change_control.ledger.recorder.Recorder``, which spools every event before any sink
sees it and never raises. Nothing here imports Ansible, so it is tested with a fake sink.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible_collections.changegate.itsm.plugins.plugin_utils import cores
from ansible_collections.changegate.itsm.plugins.plugin_utils.events import (
    RunTally,
    TaskFacts,
    gate_decision_body,
    is_gate,
    task_result_body,
)

if cores.available():
    from change_control.ledger.recorder import Recorder
    from change_control.ledger.redact import redact

#: Body fields that hold free text a secret could end up in (masked with the run's secrets).
FREE_TEXT = ("task", "msg")


class RunRecording:
    """Records one run; every method is safe to call in any order and never raises."""

    def __init__(
        self,
        recorder: Recorder,
        run_id: str,
        *,
        redact_keys: Sequence[str] = (),
        secrets: Sequence[str] = (),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recorder = recorder
        self.run_id = run_id
        self.change_id: str | None = None
        self.tally = RunTally()
        self._redact_keys = tuple(redact_keys)
        self._secrets = tuple(secrets)
        self._monotonic = monotonic
        self._starts: dict[tuple[str, str], float] = {}
        self._started = False
        self._closed = False

    @property
    def started(self) -> bool:
        """Whether ``run_start`` was recorded."""
        return self._started

    @property
    def closed(self) -> bool:
        """Whether the run was ended or interrupted (nothing more is recorded)."""
        return self._closed

    def start(self, body: Mapping[str, Any]) -> None:
        """Record ``run_start`` once (the change id in it is used by ``run_end``)."""
        if self._started or self._closed:
            return
        self._started = True
        self.change_id = body.get("change_id")
        self._event("run_start", body)

    def task_started(self, host: str, task_uuid: str) -> None:
        """Remember when a host started a task (for the result's duration)."""
        self._starts[(host, task_uuid)] = self._monotonic()

    def task_finished(self, facts: TaskFacts) -> None:
        """Record ``task_result`` and, for the gate, ``gate_decision``."""
        if self._closed:
            return
        started = self._starts.pop((facts.host, facts.task_uuid), None)
        duration = None if started is None else int((self._monotonic() - started) * 1000)
        gate = gate_decision_body(facts) if is_gate(facts) else None
        self.tally.observe(facts, gate)
        if gate is not None:
            self._event("gate_decision", self._masked(gate))
        self._event("task_result", self._masked(task_result_body(facts, duration)))

    def end(self, stats: Mapping[str, Mapping[str, int]]) -> None:
        """Record ``run_end`` with the stats and the tally, then close the recorder."""
        if self._closed:
            return
        failed = any(s.get("failures") or s.get("unreachable") for s in stats.values())
        self._event(
            "run_end",
            {
                "change_id": self.change_id,
                "status": "failed" if failed else "ok",
                "stats": {host: dict(counts) for host, counts in stats.items()},
                "gated": self.tally.gated(),
                "changed_hosts": sorted(self.tally.changed_hosts or ()),
            },
        )
        self.close()

    def interrupted(self, signal_name: str) -> None:
        """Record ``run_interrupted`` and close, so the run is not left open.

        ``signal_name`` is ``SIGINT``/``SIGTERM``, or ``exit`` when ansible-playbook ended
        without reaching the end of the run (a fatal error).
        """
        if self._closed:
            return
        self._event(
            "run_interrupted",
            {"change_id": self.change_id, "signal": signal_name, "gated": self.tally.gated()},
        )
        self.close()

    def close(self) -> None:
        """Flush and close the recorder (sinks, spool). Idempotent."""
        self._closed = True
        self.recorder.close()

    def _event(self, kind: str, body: Mapping[str, Any]) -> None:
        clean = redact(body, self._redact_keys)
        self.recorder.new_event(self.run_id, kind, clean)

    def _masked(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with the run's secrets (extra-var values) masked in its free-text fields."""
        if not self._secrets:
            return body
        texts = {key: body[key] for key in FREE_TEXT if isinstance(body.get(key), str)}
        return {**body, **redact(texts, (), secrets=self._secrets)}
