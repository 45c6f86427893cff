"""The audit's exit code, terraform ``plan -detailed-exitcode`` style: 0 clean, 2 drift.

Errors (exit 1) never reach here: they are raised as ``ChangegateError`` and translated once, in
the CLI's ``main``. Alerts (sources that could not be read) do not change the code by
themselves; they are reported in every format so a partial run is visible.
"""

from __future__ import annotations

from drift.cli import exitcodes
from drift.model import AuditResult, Severity


def exit_code(result: AuditResult, fail_on: Severity | None = None) -> int:
    """``NEGATIVE`` (2) if a finding counts, else ``OK`` (0).

    Without ``fail_on`` every finding counts (authorized drift included: Terraform's code still
    has to catch up). With it, only findings at or above that severity count, so a pipeline can
    fail on ``high`` drift and merely report the rest.
    """
    threshold = fail_on.rank if fail_on is not None else -1
    if any(finding.severity.rank >= threshold for finding in result.findings):
        return exitcodes.NEGATIVE
    return exitcodes.OK
