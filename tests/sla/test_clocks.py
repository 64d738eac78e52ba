"""SLA clocks as pure functions, with an injected "now": deadlines on a business calendar with
a holiday, pauses on hold, a priority change while paused, the timers a clock needs."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from mobile_contract.enums import HoldReason, WorkOrderStatus
from mobile_contract.sla import ClockKind, EscalationStage, Recipient, RecipientKind
from sla.calendars import Calendar
from sla.clocks import Clock, Plan, due_at, follow, summary, wanted

S = WorkOrderStatus
HOUR = 3600
SHANGHAI = Calendar(
    timezone="Asia/Shanghai",
    hours=(((540, 720), (780, 1080)),) * 5 + ((), ()),  # Mon-Fri 09-12, 13-18
    holidays=frozenset({date(2026, 10, 1)}),  # a Thursday
)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    """Shanghai wall time (UTC+8) as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def clock(
    target: int, started: datetime, calendar: Calendar | None = None, **more: object
) -> Clock:
    return Clock(
        kind=ClockKind.RESPONSE,
        target_seconds=target,
        started_at=started,
        calendar=calendar,
        calendar_name="office" if calendar else "24x7",
        **more,  # type: ignore[arg-type]
    )


def test_a_24x7_clock_is_due_its_target_after_creation() -> None:
    start = at(3, 2)  # a Saturday, 02:00
    assert due_at(clock(15 * 60, start)) == start + timedelta(minutes=15)


def test_a_business_clock_skips_nights_weekends_lunch_and_holidays() -> None:
    # Wednesday 30 September 17:00, 4 working hours: 1 h on Wednesday, then Thursday is
    # National Day, so Friday 09:00-12:00 gives the other 3 h.
    started = at(30, 17, month=9)
    assert due_at(clock(4 * HOUR, started, SHANGHAI)) == at(2, 12)
    # 5 h from Friday 11:00: 1 h before lunch, 5 h after until 18:00 covers 4 h -> 17:00.
    assert due_at(clock(5 * HOUR, at(2, 11), SHANGHAI)) == at(2, 17)


def test_a_pause_moves_the_deadline_by_the_working_time_paused() -> None:
    start = at(5, 10)  # Monday 10:00, 24x7
    running = clock(HOUR, start)
    paused = follow(running, S.ON_HOLD, HoldReason.PARTS, start + timedelta(minutes=20))
    assert paused.paused
    shown = summary(paused)
    assert (shown.paused, shown.due_at, shown.remaining_seconds) == (True, None, 40 * 60)
    assert wanted(paused) == []
    resumed = follow(paused, S.IN_PROGRESS, None, start + timedelta(minutes=50))
    # Resumed with in_progress: the response clock is met at that moment, unpaused.
    assert resumed.met_at == start + timedelta(minutes=50)
    assert summary(resumed).breached is False
    back = follow(paused, S.ASSIGNED, None, start + timedelta(minutes=50))
    assert due_at(back) == start + timedelta(minutes=90)


def test_a_pause_on_a_business_calendar_counts_working_time_only() -> None:
    started = at(5, 10)  # Monday 10:00, 8 working hours
    paused = follow(clock(8 * HOUR, started, SHANGHAI), S.ON_HOLD, HoldReason.CUSTOMER, at(5, 17))
    # Paused from Monday 17:00 to Tuesday 10:00: 1 h (17-18) and 1 h (09-10) of working time.
    resumed = follow(paused, S.ASSIGNED, None, at(6, 10))
    # Without the pause: Monday 10-12, 13-18 (7 h) + Tuesday 09-10 -> Tuesday 10:00.
    assert due_at(clock(8 * HOUR, started, SHANGHAI)) == at(6, 10)
    assert due_at(resumed) == at(6, 12)


def test_holding_for_access_does_not_pause() -> None:
    held = follow(clock(HOUR, at(5, 10)), S.ON_HOLD, HoldReason.ACCESS, at(5, 10, 30))
    assert not held.paused


def test_a_priority_change_while_paused_keeps_the_paused_time() -> None:
    start = at(5, 10)
    paused = follow(
        clock(4 * HOUR, start), S.ON_HOLD, HoldReason.CUSTOMER, start + timedelta(hours=1)
    )
    retargeted = replace(paused, target_seconds=2 * HOUR)  # the new policy, from creation
    resumed = follow(retargeted, S.ASSIGNED, None, start + timedelta(hours=3))
    assert due_at(resumed) == start + timedelta(hours=4)  # 2 h target + 2 h paused


def test_met_late_is_breached_and_cancelled_stops() -> None:
    start = at(5, 10)
    late = follow(clock(15 * 60, start), S.ACCEPTED, None, start + timedelta(minutes=16))
    assert summary(late).breached
    in_time = follow(clock(15 * 60, start), S.ACCEPTED, None, start + timedelta(minutes=14))
    assert summary(in_time).breached is False
    assert wanted(in_time) == []
    stopped = follow(clock(15 * 60, start), S.CANCELLED, None, start + timedelta(minutes=5))
    assert stopped.stopped
    assert wanted(stopped) == []
    assert summary(stopped).due_at is None


def test_reopening_counts_the_resolution_clock_again() -> None:
    start = at(5, 10)
    resolution = replace(clock(8 * HOUR, start), kind=ClockKind.RESOLUTION)
    resolved = follow(resolution, S.RESOLVED, None, start + timedelta(hours=2))
    assert resolved.met_at is not None
    reopened = follow(resolved, S.IN_PROGRESS, None, start + timedelta(hours=3))
    assert reopened.met_at is None
    assert [timer.kind for timer in wanted(reopened)] == ["breach"]


def test_a_running_clock_wants_its_warnings_breach_and_stages() -> None:
    start = at(5, 10)
    stage = EscalationStage(
        after_seconds=900,
        recipients=[Recipient(kind=RecipientKind.SUPERVISORS)],
        strong=True,
    )
    running = clock(15 * 60, start, plan=Plan((50, 80), ((0, stage),)))
    timers = {(timer.kind, timer.due_at) for timer in wanted(running)}
    assert timers == {
        ("warning", start + timedelta(minutes=7, seconds=30)),
        ("warning", start + timedelta(minutes=12)),
        ("breach", start + timedelta(minutes=15)),
        ("escalation", start + timedelta(minutes=15)),
    }
    escalation = next(timer for timer in wanted(running) if timer.kind == "escalation")
    assert escalation.detail["stage"] == 0
    assert escalation.detail["strong"] is True
