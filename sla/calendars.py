"""Working-time arithmetic for SLA clocks: a business calendar (weekly hours in a local
timezone, holidays, adjusted working days) and the instants at which working time elapses.

Pure (stdlib only, no I/O) so that clocks, timers, escalations and reports share one definition
of working time and can be tested without a database."""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HORIZON_DAYS = 400  # a calendar idle this long is treated as never running
_ONE_DAY = timedelta(days=1)
_MINUTES = tuple(timedelta(minutes=minute) for minute in range(1441))
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Calendar:
    """When an SLA clock runs. `hours` has 7 entries (Monday=0 .. Sunday=6), each a sorted tuple
    of non-overlapping local (start_minute, end_minute) intervals with 0 <= start < end <= 1440.
    Holidays override the weekly hours; a date in `working_days` (an adjusted working day, China's
    调休) gets the hours of `makeup_weekday`. `always_on` (24x7, P0) ignores hours and holidays."""

    timezone: str
    hours: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    makeup_weekday: int = 0
    always_on: bool = False


ALWAYS_ON = Calendar(timezone="UTC", hours=(((0, 1440),),) * 7, always_on=True)


class CalendarError(ValueError):
    """A calendar that cannot drive an SLA clock; the message says what to fix."""


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _interval(start: int, end: int) -> str:
    return f"{_hhmm(start)}-{_hhmm(end)} ({start}, {end})"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise CalendarError(
            f"unknown timezone {name!r}: use an IANA name such as 'Asia/Shanghai'"
        ) from None


def check(calendar: Calendar) -> None:
    """Refuse a calendar that would make SLA clocks wrong or never run; called when a calendar is
    saved, so the arithmetic below can trust its input."""
    _zone(calendar.timezone)
    if len(calendar.hours) != 7:
        raise CalendarError(
            f"hours must have 7 entries, Monday to Sunday; got {len(calendar.hours)}"
        )
    for weekday, day in enumerate(calendar.hours):
        name = _WEEKDAYS[weekday]
        for start, end in day:
            if not 0 <= start < end <= 1440:
                raise CalendarError(
                    f"{name}: interval {_interval(start, end)} must have "
                    "0 <= start < end <= 1440 minutes (it is inverted, empty or out of the day)"
                )
        ordered = sorted(day)
        for (start1, end1), (start2, end2) in pairwise(ordered):
            if start2 < end1:
                raise CalendarError(
                    f"{name}: intervals {_interval(start1, end1)} and {_interval(start2, end2)} "
                    "overlap; merge them or let one end where the other starts"
                )
        if tuple(day) != tuple(ordered):
            raise CalendarError(f"{name}: list the intervals in order of their start")
    both = calendar.holidays & calendar.working_days
    if both:
        dates = ", ".join(sorted(d.isoformat() for d in both))
        raise CalendarError(f"dates both holidays and adjusted working days: {dates}; pick one")
    if not 0 <= calendar.makeup_weekday <= 6:
        raise CalendarError(
            f"makeup_weekday must be 0 (Monday) to 6 (Sunday); got {calendar.makeup_weekday}"
        )
    # Adjusted working days borrow a weekday's hours, so an empty week stays empty with them.
    if not calendar.always_on and not any(calendar.hours):
        raise CalendarError(
            "the calendar has no working hours on any weekday, so its SLA clocks would never "
            "run; add hours or make it always_on"
        )


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC)


def _hours_on(calendar: Calendar, day: date) -> tuple[tuple[int, int], ...]:
    if day in calendar.holidays:
        return ()
    if day in calendar.working_days:
        return calendar.hours[calendar.makeup_weekday]
    return calendar.hours[day.weekday()]


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock minute of `day` as a UTC instant; 1440 is the next local midnight.
    fold=0: an ambiguous time (DST fold) is its first occurrence, and a nonexistent one (DST
    gap) is read with the offset in force before the gap, as zoneinfo does (Berlin 02:30 on
    2026-03-29 is 01:30 UTC, i.e. 03:30 CEST). Durations are UTC differences, so a day has its
    real 23 or 25 hours."""
    if minute == 1440:
        day += _ONE_DAY
        minute = 0
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    return local.astimezone(UTC)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _spans(calendar: Calendar, zone: ZoneInfo, day: date, last: date | None) -> Iterator[Span]:
    """Working spans in UTC from local `day` on, in order and disjoint; through `last`, or while
    working time keeps appearing within _HORIZON_DAYS when `last` is None. A DST gap can map a
    later wall time to an earlier instant, so a span never starts before the previous one ended,
    and a span left empty by that is dropped: no negative durations, no loops."""
    floor: datetime | None = None
    idle = 0
    next_midnight: datetime | None = None  # of the previous day, if it was computed
    while last is None or day <= last:
        found = False
        hours = _hours_on(calendar, day)
        if hours:
            midnight = _midnight(day, zone) if next_midnight is None else next_midnight
            next_midnight = _midnight(day + _ONE_DAY, zone)
            # Speed: when the day is exactly 24 h long its offset is constant (no DST change),
            # and minutes are plain additions to its midnight, with the same result as _instant.
            steady = next_midnight - midnight == _ONE_DAY
            for start, end in hours:
                if steady:
                    low, high = midnight + _MINUTES[start], midnight + _MINUTES[end]
                else:
                    low, high = _instant(day, start, zone), _instant(day, end, zone)
                if floor is not None and low < floor:
                    low = floor
                if high > low:
                    found = True
                    floor = high
                    yield low, high
        else:
            next_midnight = None
        idle = 0 if found else idle + 1
        if last is None and idle > _HORIZON_DAYS:
            return
        day += _ONE_DAY


def add_working_seconds(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """The UTC instant at which `seconds` of working time have elapsed from `start` (a deadline).
    Outside working time the count begins at the next working moment; a deadline that falls
    exactly at the end of an interval is that end, not the next opening."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    origin = _utc(start, "start")
    remaining = timedelta(seconds=seconds)
    if calendar.always_on:
        return origin + remaining
    if not remaining:
        return origin
    zone = _zone(calendar.timezone)
    first = origin.astimezone(zone).date() - _ONE_DAY
    for low, high in _spans(calendar, zone, first, None):
        if high <= origin:
            continue
        low = max(low, origin)
        if remaining <= high - low:
            return low + remaining
        remaining -= high - low
    raise CalendarError(
        f"no working time within {_HORIZON_DAYS} days after {origin.isoformat()} in this "
        "calendar; check its hours and holidays"
    )


def working_seconds_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working seconds in [start, end) (the time an SLA clock ran); 0.0 when end <= start."""
    low_limit = _utc(start, "start")
    high_limit = _utc(end, "end")
    if high_limit <= low_limit:
        return 0.0
    if calendar.always_on:
        return (high_limit - low_limit).total_seconds()
    zone = _zone(calendar.timezone)
    first = low_limit.astimezone(zone).date() - _ONE_DAY
    last = high_limit.astimezone(zone).date()
    total = timedelta()
    for low, high in _spans(calendar, zone, first, last):
        if low >= high_limit:
            break
        overlap = min(high, high_limit) - max(low, low_limit)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds()
