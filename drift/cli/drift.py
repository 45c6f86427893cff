"""``changegate drift``: audit drift, keep approved baselines, show the trend.

The group only wires its commands (one module each: ``drift_audit``, ``drift_baseline``,
``drift_history``); every command imports what it needs inside its body, so loading the group
costs click alone.
"""

from __future__ import annotations

import click

from drift.cli.drift_audit import audit
from drift.cli.drift_aws import iam_policy, snapshot, types
from drift.cli.drift_baseline import baseline
from drift.cli.drift_history import history
from drift.cli.options import global_options


@click.group()
@global_options
def drift() -> None:
    """Audit drift between Terraform state, live snapshots and approved baselines.

    \b
    Example:
      changegate drift audit --state terraform.tfstate --live live.json -o json=report.json
      changegate drift history --limit 10
    """


drift.add_command(audit)
drift.add_command(baseline)
drift.add_command(history)
drift.add_command(snapshot)
drift.add_command(types)
drift.add_command(iam_policy)
