"""What the AWS end-to-end module's fixtures and tests share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: moto accepts any key; the provider and boto3 need one.
AWS_KEYS: dict[str, Any] = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass(frozen=True)
class Scenario:
    """What the module's one apply produced."""

    workdir: Path
    original_state: Path
    """The state as ``terraform apply`` wrote it, before anything changed behind its back."""
    plan_json: dict[str, Any]
    """``terraform show -json`` of the refresh-only plan made after the changes."""
    endpoint: str
    ids: dict[str, str]
