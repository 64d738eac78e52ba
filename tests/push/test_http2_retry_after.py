"""``Retry-After`` as RFC 9110 §10.2.3 allows it: delta-seconds (what APNs and FCM send) or an
HTTP-date (what a proxy or load balancer in front of them may send)."""

from datetime import UTC, datetime, timedelta

import pytest

from push.providers import retry_after_seconds

NOW = datetime(2026, 10, 21, 7, 0, 0, tzinfo=UTC)


def at_now() -> datetime:
    return NOW


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        # IMF-fixdate, 28 minutes after NOW
        ("Wed, 21 Oct 2026 07:28:00 GMT", 28 * 60.0),
        # the obsolete forms a recipient must accept (RFC 850, asctime), and a numeric zone
        ("Wednesday, 21-Oct-26 07:28:00 GMT", 28 * 60.0),
        ("Wed Oct 21 07:28:00 2026", 28 * 60.0),
        ("Wed, 21 Oct 2026 09:28:00 +0200", 28 * 60.0),
        # a date already past means "now", never a negative delay
        ("Wed, 21 Oct 2026 06:59:00 GMT", 0.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
    ],
)
def test_delta_seconds_and_http_dates(value: str, seconds: float) -> None:
    assert retry_after_seconds(value, now=at_now) == seconds


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "soon",
        "-5",
        "nan",
        "inf",
        "Wed, 32 Oct 2026 07:28:00 GMT",  # no such day
        "Wed, 21 Oct 2026 25:28:00 GMT",  # no such hour
        "Wed, 21 Oct 99999 07:28:00 GMT",  # beyond datetime
    ],
)
def test_anything_else_is_no_hint(value: str | None) -> None:
    assert retry_after_seconds(value, now=at_now) is None


def test_a_date_counts_from_the_real_clock_by_default() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=10)
    seconds = retry_after_seconds(soon.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert seconds is not None
    assert 590 <= seconds <= 600
