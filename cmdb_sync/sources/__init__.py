"""The inputs of ``cmdb sync --from KIND=REF``; importing this package registers every kind.

No input module imports boto3, python-terraform or Ansible at import time: they load only
when an input that needs them is read.
"""

from cmdb_sync.sources import ansible, audit, terraform
from cmdb_sync.sources.base import (
    Input,
    InputContext,
    InputSpec,
    inputs,
    parse_from,
    resolve_inputs,
)

__all__ = [
    "Input",
    "InputContext",
    "InputSpec",
    "ansible",
    "audit",
    "inputs",
    "parse_from",
    "resolve_inputs",
    "terraform",
]
