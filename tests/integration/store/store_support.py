"""Shared test data and helpers for the store suite (the fixtures live in conftest.py).

Imported as the top-level module ``store_support``: this directory has no ``__init__.py`` on
purpose, because a package here would put ``tests/integration`` on ``sys.path``, where its
``drift/`` and ``ansible/`` folders would shadow the real packages of those names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from change_control.model import Risk
from change_control.policy.model import ApprovalRule, Policy, StandardTemplate

#: A fixed instant: tests never read the wall clock.
T0 = datetime(2026, 11, 22, 9, 0, 0, 123456, tzinfo=UTC)

#: High and very high risk need two approvals, one of them from the CAB; the rest need one.
CAB_POLICY = Policy(
    approvals=(
        ApprovalRule(risks=(Risk.HIGH, Risk.VERY_HIGH), count=2, groups=("CAB",)),
        ApprovalRule(risks=(Risk.LOW, Risk.MODERATE), count=1),
    ),
    standard_changes={
        "restart-web": StandardTemplate(
            name="restart-web", modules=("ansible.builtin.service",), description="restart nginx"
        ),
    },
    source="tests/cab-policy.yml",
)

#: A concurrency test that has not finished by then is deadlocked: fail it, do not hang.
JOIN_TIMEOUT_S = 60


def run_together(*calls: Callable[[], object]) -> list[BaseException]:
    """Run ``calls`` in threads released at the same moment; return what they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as exc:  # handed to the test, which asserts there are none
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        errors.append(TimeoutError(f"{stuck} thread(s) still running after {JOIN_TIMEOUT_S} s"))
    return errors
