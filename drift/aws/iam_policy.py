"""The least-privilege IAM policy for auditing, generated from the collector registry.

Every API call a collector makes is declared in its ``apis`` (a test runs the collectors and
checks that no undeclared call is made), so the policy grants exactly the read actions
changegate uses and nothing else: no ``ReadOnlyAccess`` managed policy with its thousands of
actions and data-plane reads such as ``s3:GetObject``. Denied actions are reported by name in
the audit's alerts, so a narrower policy degrades into alerts, never into a failed run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drift.aws import registry
from drift.aws.session import SESSION_APIS

POLICY_VERSION = "2012-10-17"


def policy_document(types: Sequence[str] = ()) -> dict[str, Any]:
    """The IAM policy document (JSON-ready) for collecting ``types`` (all when empty).

    One statement per service, so a reviewer can drop a service they do not audit.
    """
    collectors = registry.select(types)
    actions = set(registry.policy_actions(collectors))
    if any(c.scope is registry.Scope.REGIONAL for c in collectors):
        actions.update(api.action for api in SESSION_APIS)
    else:
        actions.update(api.action for api in SESSION_APIS if api.service == "sts")
    by_service: dict[str, list[str]] = {}
    for action in sorted(actions):
        by_service.setdefault(action.split(":", 1)[0], []).append(action)
    statements = [
        {
            "Sid": f"ChangegateDriftRead{service.title().replace('-', '')}",
            "Effect": "Allow",
            "Action": service_actions,
            "Resource": "*",
        }
        for service, service_actions in sorted(by_service.items())
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}
