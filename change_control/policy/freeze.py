"""Change freezes: which freezes cover an instant, for a given change type and environment.

Absolute freezes are plain instant ranges. Weekly freezes ("Fri 18:00-Mon 06:00") are read on
the WALL CLOCK of their time zone, because that is how people state them: a weekend freeze
that starts "Friday 18:00 in Berlin" must start at 18:00 local time in summer and in winter,
so its UTC bounds move with daylight saving time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from change_control.errors import InputError
from change_control.model import ChangeType
from change_control.policy.model import FreezeWindow
from change_control.timeutil import isoformat, zone

DAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MINUTES_PER_DAY = 24 * 60
_WEEKLY = re.compile(
    r"^\s*(?P<d1>[A-Za-z]+)\s+(?P<t1>\d{1,2}:\d{2})\s*-\s*(?P<d2>[A-Za-z]+)\s+(?P<t2>\d{1,2}:\d{2})\s*$"
)
_EXAMPLE = "use 'Ddd HH:MM-Ddd HH:MM', for example 'Fri 18:00-Mon 06:00'"


@dataclass(frozen=True)
class WeeklyRange:
    """A recurring weekly range in minutes of the week (Monday 00:00 is 0), end excluded.

    ``start > end`` means the range wraps the end of the week ("Fri 18:00-Mon 06:00").
    """

    start: int
    end: int

    def covers(self, local: datetime) -> bool:
        """True when the wall-clock time ``local`` (already in the freeze's zone) is inside."""
        minute = local.weekday() * _MINUTES_PER_DAY + local.hour * 60 + local.minute
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def __str__(self) -> str:
        return f"{_format_minute(self.start)}-{_format_minute(self.end)}"


def _format_minute(minute: int) -> str:
    day, rest = divmod(minute, _MINUTES_PER_DAY)
    return f"{DAYS[day]} {rest // 60:02d}:{rest % 60:02d}"


@lru_cache(maxsize=256)
def parse_weekly(text: str, *, field: str = "weekly") -> WeeklyRange:
    """Parse ``"Ddd HH:MM-Ddd HH:MM"`` (days Mon..Sun, case-insensitive; full names accepted).

    The range may lie within one day, span midnight ("Fri 23:00-Sat 01:00") or wrap the end of
    the week ("Fri 18:00-Mon 06:00"). Errors are ``InputError`` naming ``field``, so the CLI
    (``--weekly``) and the policy loader (``freeze[1].weekly``) report the same way.
    """
    match = _WEEKLY.match(text)
    if match is None:
        raise InputError(f"{field}: {text!r} is not a weekly range ({_EXAMPLE})")
    start = _day(match["d1"], text, field) * _MINUTES_PER_DAY + _minute_of_day(
        match["t1"], text, field
    )
    end = _day(match["d2"], text, field) * _MINUTES_PER_DAY + _minute_of_day(
        match["t2"], text, field
    )
    if start == end:
        raise InputError(f"{field}: {text!r} starts and ends at the same time; it covers nothing")
    return WeeklyRange(start, end)


def _day(word: str, text: str, field: str) -> int:
    folded = word.casefold()
    for index, (short, full) in enumerate(zip(DAYS, _FULL_DAYS, strict=True)):
        if folded in (short.casefold(), full):
            return index
    raise InputError(
        f"{field}: unknown day {word!r} in {text!r} (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)"
    )


def _minute_of_day(clock: str, text: str, field: str) -> int:
    hours, minutes = (int(part) for part in clock.split(":"))
    if hours > 23 or minutes > 59:
        raise InputError(f"{field}: {clock} in {text!r} is not a time of day (00:00 to 23:59)")
    return hours * 60 + minutes


def freeze_covers(freeze: FreezeWindow, moment: datetime) -> bool:
    """True when ``freeze`` covers the instant ``moment`` (tz-aware).

    Weekly freezes compare wall-clock time in ``freeze.tz``; absolute ones use
    ``start <= moment < end``. A freeze with neither form covers nothing (the loader and the
    CLI never build one).
    """
    if freeze.weekly:
        local = moment.astimezone(zone(freeze.tz, field="freeze tz"))
        return parse_weekly(freeze.weekly).covers(local)
    if freeze.start is not None and freeze.end is not None:
        return freeze.start <= moment < freeze.end
    return False


def freeze_applies(
    freeze: FreezeWindow, change_type: ChangeType | None, environment: str | None
) -> bool:
    """True when ``freeze`` concerns this change type and environment.

    An empty ``environments`` list means every environment. An unknown environment (``None``)
    is treated as possibly any of them, so an environment-restricted freeze still applies: a
    run that does not say where it goes must not slip through a production freeze.
    """
    if change_type is not None and change_type in freeze.exempt_types:
        return False
    if not freeze.environments or environment is None:
        return True
    wanted = environment.casefold()
    return any(env.casefold() == wanted for env in freeze.environments)


def active_freezes(
    freezes: Iterable[FreezeWindow],
    moment: datetime,
    change_type: ChangeType | None,
    environment: str | None,
) -> list[FreezeWindow]:
    """The freezes that stop a change of ``change_type`` in ``environment`` at ``moment``."""
    return [
        freeze
        for freeze in freezes
        if freeze_applies(freeze, change_type, environment) and freeze_covers(freeze, moment)
    ]


def describe_freeze(freeze: FreezeWindow) -> str:
    """A short label for messages: the name, else the weekly range or the absolute range."""
    if freeze.name:
        return freeze.name
    if freeze.weekly:
        return f"weekly {freeze.weekly} ({freeze.tz})"
    if freeze.start is not None and freeze.end is not None:
        return f"{isoformat(freeze.start)} to {isoformat(freeze.end)}"
    return "unnamed freeze"
