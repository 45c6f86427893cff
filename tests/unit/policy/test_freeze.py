"""Freeze windows: the weekly range syntax, wall-clock coverage and which freezes apply."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from change_control.errors import InputError
from change_control.model import ChangeType
from change_control.policy.freeze import (
    WeeklyRange,
    active_freezes,
    describe_freeze,
    freeze_covers,
    parse_weekly,
)
from change_control.policy.model import FreezeWindow

DAY = 24 * 60
BERLIN = ZoneInfo("Europe/Berlin")
HINT = "(use 'Ddd HH:MM-Ddd HH:MM', for example 'Fri 18:00-Mon 06:00')"


@pytest.mark.parametrize(
    ("text", "start", "end", "canonical"),
    [
        pytest.param(
            "Fri 18:00-Mon 06:00",
            4 * DAY + 18 * 60,
            6 * 60,
            "Fri 18:00-Mon 06:00",
            id="a weekend range wraps the week",
        ),
        pytest.param(
            "fri 23:00-SAT 01:00",
            4 * DAY + 23 * 60,
            5 * DAY + 60,
            "Fri 23:00-Sat 01:00",
            id="days are case-insensitive",
        ),
        pytest.param(
            "Friday 8:00 - Friday 9:30",
            4 * DAY + 8 * 60,
            4 * DAY + 9 * 60 + 30,
            "Fri 08:00-Fri 09:30",
            id="full day names, one-digit hours and spaces are accepted",
        ),
        pytest.param(
            "Sun 00:00-Sun 23:59",
            6 * DAY,
            6 * DAY + 23 * 60 + 59,
            "Sun 00:00-Sun 23:59",
            id="a same-day range stays within the day",
        ),
    ],
)
def test_weekly_ranges_parse_into_minutes_of_the_week(
    text: str, start: int, end: int, canonical: str
) -> None:
    weekly = parse_weekly(text)

    assert weekly == WeeklyRange(start, end)
    assert str(weekly) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "Fri 18:00",
            f"--weekly: 'Fri 18:00' is not a weekly range {HINT}",
            id="a range needs two ends",
        ),
        pytest.param(
            "Fri 18-Mon 06",
            f"--weekly: 'Fri 18-Mon 06' is not a weekly range {HINT}",
            id="times need minutes",
        ),
        pytest.param(
            "Fri 18:00-Mn 06:00",
            "--weekly: unknown day 'Mn' in 'Fri 18:00-Mn 06:00' "
            "(use Mon, Tue, Wed, Thu, Fri, Sat or Sun)",
            id="an unknown day is named",
        ),
        pytest.param(
            "Fri 24:00-Mon 06:00",
            "--weekly: 24:00 in 'Fri 24:00-Mon 06:00' is not a time of day (00:00 to 23:59)",
            id="hour 24 is not a time of day",
        ),
        pytest.param(
            "Fri 18:60-Mon 06:00",
            "--weekly: 18:60 in 'Fri 18:60-Mon 06:00' is not a time of day (00:00 to 23:59)",
            id="minute 60 is not a time of day",
        ),
        pytest.param(
            "Mon 06:00-mon 06:00",
            "--weekly: 'Mon 06:00-mon 06:00' starts and ends at the same time; it covers nothing",
            id="an empty range is refused",
        ),
    ],
)
def test_bad_weekly_ranges_are_one_line_input_errors(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_weekly(text, field="--weekly")

    assert str(caught.value) == message


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("spec", "when", "covered"),
    [
        ("Fri 18:00-Mon 06:00", "2026-06-12T18:00", True),  # Friday, the start is included
        ("Fri 18:00-Mon 06:00", "2026-06-12T17:59", False),
        ("Fri 18:00-Mon 06:00", "2026-06-14T12:00", True),  # Sunday
        ("Fri 18:00-Mon 06:00", "2026-06-15T05:59", True),  # Monday, after the week wrapped
        ("Fri 18:00-Mon 06:00", "2026-06-15T06:00", False),  # the end is excluded
        ("Fri 18:00-Mon 06:00", "2026-06-10T12:00", False),  # Wednesday
        ("Fri 23:00-Sat 01:00", "2026-06-12T23:30", True),
        ("Fri 23:00-Sat 01:00", "2026-06-13T00:59", True),  # past midnight
        ("Fri 23:00-Sat 01:00", "2026-06-13T01:00", False),
        ("Wed 09:00-Wed 17:00", "2026-06-10T12:00", True),
        ("Wed 09:00-Wed 17:00", "2026-06-11T12:00", False),  # Thursday, same time of day
    ],
)
def test_weekly_ranges_cover_wall_clock_times(spec: str, when: str, covered: bool) -> None:
    assert parse_weekly(spec).covers(local(when)) is covered


WEEKEND = FreezeWindow("Weekend", "weekend", weekly="Fri 18:00-Mon 06:00", tz="Europe/Berlin")
YEAR_END = FreezeWindow(
    "Year-end",
    "year-end",
    start=datetime(2026, 12, 20, tzinfo=UTC),
    end=datetime(2027, 1, 4, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("moment", "covered"),
    [
        pytest.param(
            datetime(2026, 1, 12, 5, 30, tzinfo=UTC),
            False,
            id="05:30 UTC on a winter Monday is 06:30 CET",
        ),
        pytest.param(
            datetime(2026, 7, 13, 3, 30, tzinfo=UTC),
            True,
            id="03:30 UTC on a summer Monday is 05:30 CEST",
        ),
        pytest.param(
            datetime(2026, 7, 13, 4, 30, tzinfo=UTC),
            False,
            id="04:30 UTC on a summer Monday is 06:30 CEST",
        ),
        pytest.param(
            datetime(2026, 1, 12, 4, 30, tzinfo=UTC),
            True,
            id="04:30 UTC on a winter Monday is 05:30 CET",
        ),
    ],
)
def test_a_weekly_freeze_follows_daylight_saving_time(moment: datetime, covered: bool) -> None:
    assert freeze_covers(WEEKEND, moment) is covered


@pytest.mark.parametrize(
    ("moment", "covered"),
    [
        (datetime(2026, 12, 19, 23, 59, tzinfo=UTC), False),
        (datetime(2026, 12, 20, tzinfo=UTC), True),
        (datetime(2027, 1, 3, 23, 59, tzinfo=UTC), True),
        (datetime(2027, 1, 4, tzinfo=UTC), False),
    ],
)
def test_an_absolute_freeze_includes_its_start_and_excludes_its_end(
    moment: datetime, covered: bool
) -> None:
    assert freeze_covers(YEAR_END, moment) is covered


def test_a_freeze_with_neither_form_covers_nothing() -> None:
    assert not freeze_covers(FreezeWindow("nothing"), datetime(2026, 1, 1, tzinfo=UTC))


CHRISTMAS = datetime(2026, 12, 25, 12, tzinfo=UTC)  # a Friday afternoon in the year-end freeze
PROD_ONLY = FreezeWindow(
    "Prod freeze", "prod", start=YEAR_END.start, end=YEAR_END.end, environments=("Prod",)
)
NO_EMERGENCY = FreezeWindow(
    "Planned only",
    start=YEAR_END.start,
    end=YEAR_END.end,
    exempt_types=(ChangeType.EMERGENCY,),
)


@pytest.mark.parametrize(
    ("change_type", "environment", "names"),
    [
        pytest.param(
            ChangeType.NORMAL,
            "prod",
            ["year-end", "prod", ""],
            id="all three stop a normal prod change",
        ),
        pytest.param(ChangeType.NORMAL, "dev", ["year-end", ""], id="a prod-only freeze skips dev"),
        pytest.param(
            ChangeType.NORMAL,
            "PROD",
            ["year-end", "prod", ""],
            id="environments match ignoring case",
        ),
        pytest.param(
            ChangeType.NORMAL,
            None,
            ["year-end", "prod", ""],
            id="an unknown environment meets every freeze",
        ),
        pytest.param(
            ChangeType.EMERGENCY,
            "prod",
            ["year-end", "prod"],
            id="an exempt type skips that freeze",
        ),
        pytest.param(
            None, "dev", ["year-end", ""], id="an unknown change type is exempt from nothing"
        ),
    ],
)
def test_active_freezes_honour_exempt_types_and_environments(
    change_type: ChangeType | None, environment: str | None, names: list[str]
) -> None:
    found = active_freezes([YEAR_END, PROD_ONLY, NO_EMERGENCY], CHRISTMAS, change_type, environment)

    assert [f.name for f in found] == names


def test_no_freeze_is_active_outside_every_freeze() -> None:
    quiet = datetime(2026, 6, 10, 12, tzinfo=UTC)

    assert active_freezes([YEAR_END, WEEKEND], quiet, ChangeType.NORMAL, "prod") == []


@pytest.mark.parametrize(
    ("freeze", "label"),
    [
        (WEEKEND, "weekend"),
        (
            FreezeWindow("r", weekly="Fri 18:00-Mon 06:00", tz="UTC"),
            "weekly Fri 18:00-Mon 06:00 (UTC)",
        ),
        (
            FreezeWindow("r", start=YEAR_END.start, end=YEAR_END.end),
            "2026-12-20T00:00:00Z to 2027-01-04T00:00:00Z",
        ),
        (FreezeWindow("r"), "unnamed freeze"),
    ],
)
def test_a_freeze_is_described_by_name_else_by_its_range(freeze: FreezeWindow, label: str) -> None:
    assert describe_freeze(freeze) == label
