"""The gate's policy: ``changegate.yml`` loaded into typed data, and the pure ``evaluate``.

``load_policy(None)`` is the documented safe default (docs/policy.md): every host gated, every
state-changing module gated, normal and emergency changes need one approval, standard changes
need a template.
"""

from change_control.policy.evaluate import evaluate
from change_control.policy.freeze import active_freezes, parse_weekly
from change_control.policy.loader import load_policy, parse_policy, policy_schema
from change_control.policy.model import Policy

__all__ = [
    "Policy",
    "active_freezes",
    "evaluate",
    "load_policy",
    "parse_policy",
    "parse_weekly",
    "policy_schema",
]
