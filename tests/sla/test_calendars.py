"""Working-time arithmetic of business calendars (sla/calendars.py).

Expected instants are written out by hand in local time from the calendar's prose, not computed
with the module, so a drift from the rules fails here."""

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendars import (
    ALWAYS_ON,
    Calendar,
    CalendarError,
    add_working_seconds,
    check,
    working_seconds_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
FREE: tuple[tuple[int, int], ...] = ()

NINE_TO_SIX = ((540, 1080),)
WITH_LUNCH = ((540, 720), (780, 1080))

# Mon-Fri 09:00-18:00 in Shanghai (UTC+8, no DST). 2026-01-05 is a Monday.
OFFICE = Calendar("Asia/Shanghai", (NINE_TO_SIX,) * 5 + (FREE, FREE))
LUNCH = Calendar("Asia/Shanghai", (WITH_LUNCH,) * 5 + (FREE, FREE))
# National Day: Thursday 2026-10-01 and Friday 10-02 off, Sunday 10-11 worked (调休).
NATIONAL_DAY = frozenset({date(2026, 10, 1), date(2026, 10, 2)})
ADJUSTED_SUNDAY = frozenset({date(2026, 10, 11)})
OFFICE_HOLIDAYS = Calendar(
    "Asia/Shanghai",
    (NINE_TO_SIX,) * 5 + (FREE, FREE),
    holidays=NATIONAL_DAY,
    working_days=ADJUSTED_SUNDAY,
)
LUNCH_HOLIDAYS = Calendar(
    "Asia/Shanghai",
    (WITH_LUNCH,) * 5 + (FREE, FREE),
    holidays=NATIONAL_DAY,
    working_days=ADJUSTED_SUNDAY,
)
# Monday is a short 08:00-12:00 day, so an adjusted day visibly takes Monday's hours.
SHORT_MONDAY = Calendar(
    "Asia/Shanghai",
    (((480, 720),),) + (NINE_TO_SIX,) * 4 + (FREE, FREE),
    working_days=ADJUSTED_SUNDAY,
)
# Saturday 10:00-12:00 lends its hours to an adjusted Wednesday that already has hours.
SATURDAY_MAKEUP = Calendar(
    "Asia/Shanghai",
    (NINE_TO_SIX,) * 5 + (((600, 720),), FREE),
    working_days=frozenset({date(2026, 1, 7)}),
    makeup_weekday=5,
)
# Europe/Berlin: 2026-03-29 02:00 -> 03:00 (a 23 h day), 2026-10-25 03:00 -> 02:00 (25 h).
BERLIN_24H = Calendar("Europe/Berlin", (((0, 1440),),) * 7)
BERLIN_OFFICE = Calendar("Europe/Berlin", (NINE_TO_SIX,) * 5 + (FREE, FREE))
# The whole day cut into touching intervals whose boundaries fall inside the DST gap and fold.
BERLIN_SLICED = Calendar(
    "Europe/Berlin", (((0, 130), (130, 150), (150, 170), (170, 200), (200, 1440)),) * 7
)


def sh(day: str, clock: str = "00:00") -> datetime:
    """A Shanghai local time, e.g. sh("2026-01-05", "10:00")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def berlin(day: str, clock: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


ADD_CASES = [
    pytest.param(OFFICE, sh("2026-01-05", "10:00"), HOUR, sh("2026-01-05", "11:00"),
                 id="1h-mon-10"),
    pytest.param(OFFICE, sh("2026-01-05", "17:00"), 2 * HOUR, sh("2026-01-06", "10:00"),
                 id="2h-mon-17-to-tue"),
    pytest.param(OFFICE, sh("2026-01-09", "17:30"), HOUR, sh("2026-01-12", "09:30"),
                 id="1h-fri-1730-to-mon"),
    pytest.param(OFFICE, sh("2026-01-10", "11:00"), 1800, sh("2026-01-12", "09:30"),
                 id="saturday-start-counts-from-mon-09"),
    pytest.param(OFFICE, sh("2026-01-11", "23:59"), HOUR, sh("2026-01-12", "10:00"),
                 id="sunday-night-start"),
    pytest.param(OFFICE, sh("2026-01-05", "18:00"), HOUR, sh("2026-01-06", "10:00"),
                 id="start-exactly-18"),
    pytest.param(OFFICE, sh("2026-01-05", "09:00"), HOUR, sh("2026-01-05", "10:00"),
                 id="start-exactly-09"),
    pytest.param(OFFICE, sh("2026-01-05", "07:00"), HOUR, sh("2026-01-05", "10:00"),
                 id="before-opening"),
    pytest.param(OFFICE, sh("2026-01-05", "09:00"), 9 * HOUR, sh("2026-01-05", "18:00"),
                 id="deadline-at-closing-stays-at-closing"),
    pytest.param(OFFICE, sh("2026-01-05", "09:00"), 9 * HOUR + 1, sh("2026-01-06", "09:00:01"),
                 id="one-second-past-closing"),
    pytest.param(OFFICE, sh("2026-01-05", "10:00"), 5 * 9 * HOUR, sh("2026-01-12", "10:00"),
                 id="one-working-week"),
    pytest.param(OFFICE, sh("2026-01-05", "10:00"), 1.25, sh("2026-01-05", "10:00:01.250000"),
                 id="fractional-seconds"),
    pytest.param(OFFICE, sh("2026-01-05", "10:00"), 0.000001, sh("2026-01-05", "10:00:00.000001"),
                 id="one-microsecond"),
    pytest.param(OFFICE, datetime(2026, 1, 5, 2, tzinfo=UTC), HOUR, sh("2026-01-05", "11:00"),
                 id="start-given-in-utc"),
    pytest.param(LUNCH, sh("2026-01-05", "10:00"), 3.5 * HOUR, sh("2026-01-05", "14:30"),
                 id="lunch-3h30-from-10"),
    pytest.param(LUNCH, sh("2026-01-05", "12:30"), HOUR, sh("2026-01-05", "14:00"),
                 id="lunch-start-during-break"),
    pytest.param(LUNCH, sh("2026-01-05", "09:00"), 3 * HOUR, sh("2026-01-05", "12:00"),
                 id="lunch-deadline-at-break-start"),
    pytest.param(OFFICE_HOLIDAYS, sh("2026-09-30", "17:00"), 2 * HOUR, sh("2026-10-05", "10:00"),
                 id="national-day-skipped"),
    pytest.param(OFFICE_HOLIDAYS, sh("2026-10-01", "10:00"), HOUR, sh("2026-10-05", "10:00"),
                 id="start-on-holiday"),
    pytest.param(OFFICE_HOLIDAYS, sh("2026-10-10", "12:00"), HOUR, sh("2026-10-11", "10:00"),
                 id="adjusted-sunday-worked"),
    pytest.param(SHORT_MONDAY, sh("2026-10-10", "12:00"), 5 * HOUR, sh("2026-10-12", "09:00"),
                 id="adjusted-sunday-has-monday-hours"),
    pytest.param(SATURDAY_MAKEUP, sh("2026-01-07", "09:00"), 2.5 * HOUR,
                 sh("2026-01-08", "09:30"), id="adjusted-weekday-takes-makeup-hours"),
    pytest.param(BERLIN_24H, berlin("2026-03-29"), 24 * HOUR, berlin("2026-03-30", "01:00"),
                 id="dst-spring-24h-of-clock"),
    pytest.param(BERLIN_24H, berlin("2026-10-25"), 24 * HOUR, berlin("2026-10-25", "23:00"),
                 id="dst-autumn-24h-of-clock"),
    pytest.param(BERLIN_OFFICE, berlin("2026-03-27", "17:30"), HOUR,
                 berlin("2026-03-30", "09:30"), id="dst-spring-office-local-unchanged"),
    pytest.param(BERLIN_OFFICE, berlin("2026-10-23", "17:30"), HOUR,
                 berlin("2026-10-26", "09:30"), id="dst-autumn-office-local-unchanged"),
]  # fmt: skip


@pytest.mark.parametrize(("calendar", "start", "seconds", "expected"), ADD_CASES)
def test_add_working_seconds(
    calendar: Calendar, start: datetime, seconds: float, expected: datetime
) -> None:
    result = add_working_seconds(calendar, start, seconds)
    assert result == expected
    assert result.tzinfo is UTC


BETWEEN_CASES = [
    pytest.param(OFFICE, sh("2026-01-05", "09:00"), sh("2026-01-05", "18:00"), 9 * HOUR,
                 id="one-office-day"),
    pytest.param(OFFICE, sh("2026-01-09", "17:00"), sh("2026-01-12", "10:00"), 2 * HOUR,
                 id="over-weekend"),
    pytest.param(OFFICE, sh("2026-01-10", "08:00"), sh("2026-01-11", "20:00"), 0,
                 id="weekend-only"),
    pytest.param(OFFICE, sh("2026-01-05", "12:00"), sh("2026-01-05", "10:00"), 0,
                 id="end-before-start"),
    pytest.param(OFFICE, sh("2026-01-05", "12:00"), sh("2026-01-05", "12:00"), 0,
                 id="empty-range"),
    pytest.param(OFFICE, sh("2026-01-05", "10:00"), sh("2026-01-05", "10:00:00.500000"), 0.5,
                 id="half-second"),
    pytest.param(LUNCH, sh("2026-01-05", "11:30"), sh("2026-01-05", "13:30"), HOUR,
                 id="across-lunch"),
    pytest.param(OFFICE_HOLIDAYS, sh("2026-09-28"), sh("2026-10-12"), 9 * 9 * HOUR,
                 id="two-weeks-with-national-day-and-adjusted-sunday"),
    pytest.param(SHORT_MONDAY, sh("2026-10-11"), sh("2026-10-12"), 4 * HOUR,
                 id="adjusted-sunday-monday-hours"),
    pytest.param(SATURDAY_MAKEUP, sh("2026-01-07"), sh("2026-01-08"), 2 * HOUR,
                 id="adjusted-wednesday-saturday-hours"),
    pytest.param(BERLIN_24H, berlin("2026-03-29"), berlin("2026-03-30"), 23 * HOUR,
                 id="dst-spring-day-has-23h"),
    pytest.param(BERLIN_24H, berlin("2026-10-25"), berlin("2026-10-26"), 25 * HOUR,
                 id="dst-autumn-day-has-25h"),
    pytest.param(BERLIN_SLICED, berlin("2026-03-29"), berlin("2026-03-30"), 23 * HOUR,
                 id="dst-spring-sliced-day-has-23h"),
    pytest.param(BERLIN_SLICED, berlin("2026-10-25"), berlin("2026-10-26"), 25 * HOUR,
                 id="dst-autumn-sliced-day-has-25h"),
    pytest.param(BERLIN_OFFICE, berlin("2026-03-27", "09:00"), berlin("2026-03-30", "18:00"),
                 18 * HOUR, id="dst-spring-office-unaffected"),
    pytest.param(BERLIN_OFFICE, berlin("2026-10-23", "09:00"), berlin("2026-10-26", "18:00"),
                 18 * HOUR, id="dst-autumn-office-unaffected"),
]  # fmt: skip


@pytest.mark.parametrize(("calendar", "start", "end", "expected"), BETWEEN_CASES)
def test_working_seconds_between(
    calendar: Calendar, start: datetime, end: datetime, expected: float
) -> None:
    assert working_seconds_between(calendar, start, end) == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param(((120, 240),), HOUR, id="from-nonexistent-0200-is-real-hour-0300-0400"),
        pytest.param(((150, 240),), 1800, id="from-nonexistent-0230-reads-as-0330"),
        pytest.param(((120, 180),), 0, id="wholly-inside-gap-is-empty"),
        pytest.param(((150, 180),), 0, id="inverted-by-gap-is-empty"),
        pytest.param(((0, 150), (150, 180), (180, 240)), 3 * HOUR, id="touching-across-gap"),
    ],
)
def test_dst_gap_resolves_as_zoneinfo_does(
    hours: tuple[tuple[int, int], ...], expected: float
) -> None:
    """A nonexistent wall time takes the offset before the gap (zoneinfo, fold=0); durations are
    UTC differences and never negative. 2026-03-29 is a Sunday."""
    calendar = Calendar("Europe/Berlin", (FREE,) * 6 + (hours,))
    check(calendar)
    assert working_seconds_between(calendar, berlin("2026-03-29"), berlin("2026-03-30")) == expected
    deadline = add_working_seconds(calendar, berlin("2026-03-28"), 60)
    assert deadline > berlin("2026-03-29")


def test_dst_fold_interval_starts_at_first_occurrence() -> None:
    """02:00-03:00 on 2026-10-25 (Sunday) happens twice; the interval runs from the first 02:00
    to 03:00 CET: two real hours."""
    calendar = Calendar("Europe/Berlin", (FREE,) * 6 + (((120, 180),),))
    assert working_seconds_between(calendar, berlin("2026-10-25"), berlin("2026-10-26")) == 2 * HOUR
    assert add_working_seconds(calendar, berlin("2026-10-24"), HOUR) == datetime(
        2026, 10, 25, 1, tzinfo=UTC
    )


def test_zero_seconds_is_the_start_itself_even_outside_hours() -> None:
    saturday = sh("2026-01-10", "11:00")
    result = add_working_seconds(OFFICE, saturday, 0)
    assert result == saturday
    assert result.tzinfo is UTC


def test_always_on_counts_every_second() -> None:
    saturday_night = sh("2026-01-10", "03:00")
    assert add_working_seconds(ALWAYS_ON, saturday_night, HOUR) == sh("2026-01-10", "04:00")
    assert add_working_seconds(ALWAYS_ON, saturday_night, 0.5).tzinfo is UTC
    assert working_seconds_between(ALWAYS_ON, saturday_night, sh("2026-01-11", "03:00")) == 86400
    assert working_seconds_between(ALWAYS_ON, saturday_night, sh("2026-01-09")) == 0.0
    check(ALWAYS_ON)


def test_always_on_ignores_hours_and_holidays() -> None:
    calendar = Calendar("Asia/Shanghai", (FREE,) * 7, holidays=NATIONAL_DAY, always_on=True)
    check(calendar)
    start = sh("2026-10-01", "08:00")
    assert add_working_seconds(calendar, start, 2 * HOUR) == sh("2026-10-01", "10:00")
    assert working_seconds_between(calendar, start, sh("2026-10-02", "08:00")) == 86400


ROUND_TRIP_AMOUNTS = [0, 1, 59, HOUR, 7 * HOUR + 13, 5 * 86400, 0.123456]


@pytest.mark.parametrize(
    ("calendar", "origin"),
    [
        pytest.param(LUNCH_HOLIDAYS, sh("2026-09-28"), id="shanghai-lunch-national-day"),
        pytest.param(BERLIN_SLICED, berlin("2026-03-23"), id="berlin-sliced-spring"),
        pytest.param(BERLIN_SLICED, berlin("2026-10-19"), id="berlin-sliced-autumn"),
        pytest.param(BERLIN_OFFICE, berlin("2026-03-23"), id="berlin-office-spring"),
        pytest.param(BERLIN_OFFICE, berlin("2026-10-19"), id="berlin-office-autumn"),
    ],
)
@pytest.mark.parametrize("amount", ROUND_TRIP_AMOUNTS, ids=lambda amount: f"{amount}s")
def test_round_trip(calendar: Calendar, origin: datetime, amount: float) -> None:
    """Adding x working seconds and measuring back gives x, from every start of a fortnight's
    grid (every 97 minutes; wall-clock steps, so some Berlin starts fall in the DST gap)."""
    for step in range(14 * 1440 // 97 + 1):
        start = origin + timedelta(minutes=97 * step)
        deadline = add_working_seconds(calendar, start, amount)
        assert deadline >= start
        measured = working_seconds_between(calendar, start, deadline)
        assert math.isclose(measured, amount, abs_tol=1e-6), (start, amount, deadline)


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        pytest.param(Calendar("Asia/Shanghai", (((1080, 540),),) + (NINE_TO_SIX,) * 6),
                     "Monday: interval 18:00-09:00", id="inverted"),
        pytest.param(Calendar("Asia/Shanghai", (NINE_TO_SIX,) + (((540, 540),),) * 6),
                     "Tuesday: interval 09:00-09:00", id="empty-interval"),
        pytest.param(Calendar("Asia/Shanghai", (((0, 1500),),) * 7), "1440", id="past-midnight"),
        pytest.param(Calendar("Asia/Shanghai", (((-60, 540),),) * 7), "1440", id="negative"),
        pytest.param(Calendar("Asia/Shanghai", (NINE_TO_SIX,) * 2
                              + (((540, 720), (700, 1080)),) + (NINE_TO_SIX,) * 4),
                     "Wednesday: intervals 09:00-12:00 (540, 720) and 11:40-18:00 (700, 1080) "
                     "overlap", id="overlap-names-weekday"),
        pytest.param(Calendar("Asia/Shanghai", (((780, 1080), (540, 720)),) * 7), "order",
                     id="unsorted"),
        pytest.param(Calendar("Mars/Olympus_Mons", (NINE_TO_SIX,) * 7), "unknown timezone",
                     id="bad-timezone"),
        pytest.param(Calendar("", (NINE_TO_SIX,) * 7), "unknown timezone", id="empty-timezone"),
        pytest.param(Calendar("../etc/passwd", (NINE_TO_SIX,) * 7), "unknown timezone",
                     id="path-timezone"),
        pytest.param(Calendar("Asia/Shanghai", (NINE_TO_SIX,) * 6), "7 entries", id="six-days"),
        pytest.param(Calendar("Asia/Shanghai", (NINE_TO_SIX,) * 7,
                              holidays=NATIONAL_DAY, working_days=frozenset({date(2026, 10, 2)})),
                     "2026-10-02", id="holiday-also-working-day"),
        pytest.param(Calendar("Asia/Shanghai", (NINE_TO_SIX,) * 7, makeup_weekday=7),
                     "makeup_weekday", id="makeup-weekday-out-of-range"),
        pytest.param(Calendar("Asia/Shanghai", (FREE,) * 7), "no working hours", id="empty-week"),
        pytest.param(Calendar("Asia/Shanghai", (FREE,) * 7, working_days=ADJUSTED_SUNDAY),
                     "no working hours", id="empty-week-with-working-days"),
    ],
)  # fmt: skip
def test_check_refuses(calendar: Calendar, message: str) -> None:
    with pytest.raises(CalendarError) as refused:
        check(calendar)
    assert message in str(refused.value)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    "calendar",
    [
        pytest.param(Calendar("Asia/Shanghai", (((540, 720), (720, 1080)),) * 5 + (FREE, FREE)),
                     id="touching-intervals"),
        pytest.param(Calendar("UTC", (((0, 1440),),) * 7), id="whole-days"),
        pytest.param(OFFICE_HOLIDAYS, id="holidays-and-adjusted-day"),
        pytest.param(SATURDAY_MAKEUP, id="makeup-saturday"),
        pytest.param(BERLIN_SLICED, id="berlin-sliced"),
        pytest.param(Calendar("UTC", (FREE,) * 7, always_on=True), id="always-on-empty-week"),
        pytest.param(ALWAYS_ON, id="always-on-constant"),
    ],
)  # fmt: skip
def test_check_accepts(calendar: Calendar) -> None:
    check(calendar)


def test_touching_intervals_count_as_one_stretch() -> None:
    calendar = Calendar("Asia/Shanghai", (((540, 720), (720, 1080)),) * 5 + (FREE, FREE))
    assert add_working_seconds(calendar, sh("2026-01-05", "11:00"), 2 * HOUR) == sh(
        "2026-01-05", "13:00"
    )


@pytest.mark.parametrize("seconds", [-1, -0.000001, math.nan, math.inf], ids=str)
def test_bad_amount_is_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="seconds must be"):
        add_working_seconds(OFFICE, sh("2026-01-05", "10:00"), seconds)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_seconds(OFFICE, datetime(2026, 1, 5, 10), HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_seconds_between(OFFICE, sh("2026-01-05"), datetime(2026, 1, 6))


def test_no_working_time_in_400_days() -> None:
    never = Calendar("Asia/Shanghai", (FREE,) * 7)  # refused by check(), built anyway
    with pytest.raises(CalendarError, match="no working time within 400 days"):
        add_working_seconds(never, sh("2026-01-05"), 1)
    assert working_seconds_between(never, sh("2026-01-05"), sh("2029-01-05")) == 0.0


def test_mondays_all_holidays_for_two_years() -> None:
    first_monday = date(2026, 1, 5)
    mondays = frozenset(first_monday + timedelta(weeks=week) for week in range(105))
    calendar = Calendar("Asia/Shanghai", (NINE_TO_SIX,) + (FREE,) * 6, holidays=mondays)
    check(calendar)
    with pytest.raises(CalendarError, match="400 days"):
        add_working_seconds(calendar, sh("2026-01-04"), 1)
    # Fewer holidays than the horizon: the first free Monday is found.
    calendar = Calendar(
        "Asia/Shanghai", (NINE_TO_SIX,) + (FREE,) * 6, holidays=frozenset(sorted(mondays)[:50])
    )
    assert add_working_seconds(calendar, sh("2026-01-04"), HOUR) == sh("2026-12-21", "10:00")


def test_long_amounts_run_past_the_horizon() -> None:
    """The 400-day bound is on idle time, not on the amount: two years of office time adds up."""
    start = sh("2026-01-05", "09:00")
    amount = 520 * 9 * HOUR  # 104 weeks of five 9-hour days
    assert add_working_seconds(OFFICE, start, amount) == sh("2027-12-31", "18:00")
    assert working_seconds_between(OFFICE, start, sh("2028-01-03", "09:00")) == amount


def test_unknown_timezone_in_arithmetic_is_a_calendar_error() -> None:
    calendar = Calendar("Nowhere/Atlantis", (NINE_TO_SIX,) * 7)
    with pytest.raises(CalendarError, match="unknown timezone"):
        add_working_seconds(calendar, sh("2026-01-05"), 1)
