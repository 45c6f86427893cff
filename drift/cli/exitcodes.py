"""Exit codes are API (terraform ``plan -detailed-exitcode`` style), the same for every command."""

from __future__ import annotations

OK = 0
"""Clean: no drift, change allowed, ledger verified."""
ERROR = 1
"""An error: bad input, unreachable system, usage."""
NEGATIVE = 2
"""A negative result: drift found, change denied, ledger tampered."""
