"""Time parsing shared by the CLI, the policy file and the plugins.

Every instant the suite compares is timezone-aware. A naive ISO string is read in an explicit
zone (UTC unless the caller says otherwise), never in the machine's local zone, so a check gives
the same answer on a laptop and on a CI runner.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from change_control.errors import InputError


def utcnow() -> datetime:
    """The current instant, tz-aware (UTC). The single place the wall clock is read."""
    return datetime.now(UTC)


def zone(name: str, *, field: str = "time zone") -> ZoneInfo:
    """The IANA zone ``name``, or an ``InputError`` naming ``field``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{field}: unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
        ) from None


def parse_instant(text: str, *, field: str = "time", default_tz: tzinfo = UTC) -> datetime:
    """Parse an ISO 8601 instant; a naive value is read in ``default_tz``.

    Accepts a trailing ``Z``. Errors name ``field`` and the offending text.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{field}: {text!r} is not an ISO 8601 time (for example 2026-11-22T10:00:00+01:00)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def isoformat(moment: datetime) -> str:
    """Canonical text for an instant: UTC, seconds precision, ``Z`` suffix."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
