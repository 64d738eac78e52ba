"""The one source of "now", so tests and workers can inject time."""

from datetime import UTC, datetime

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
