"""The one source of "now", so tests and workers can inject time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Before anything: bound where a lower time limit is off.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a time without a zone (a device's clock) is taken as UTC, as the
    databases store it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone a site or tenant names; UTC when it names none or one this machine does
    not know (times are then shown in UTC rather than not at all)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
