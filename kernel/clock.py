"""The one source of "now", so tests and workers can inject time."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
