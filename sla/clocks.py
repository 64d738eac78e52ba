"""SLA clocks as pure functions: when a clock is due given its calendar and pauses, what it
shows, which timers it needs, and how a work order's move changes it. No I/O: the reaction in
``sla.tracking`` loads and stores; tests call these directly with an injected ``now``."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import msgspec

from mobile_contract.enums import HoldReason, WorkOrderStatus
from mobile_contract.sla import ClockKind, EscalationStage, SlaClock
from sla import calendars
from sla.calendars import Calendar

S = WorkOrderStatus
# A clock is met once the work order has reached one of these (later steps included).
MET_BY: dict[ClockKind, frozenset[WorkOrderStatus]] = {
    ClockKind.RESPONSE: frozenset(
        {S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED}
    ),
    ClockKind.ARRIVAL: frozenset({S.ON_SITE, S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED}),
    ClockKind.RESOLUTION: frozenset({S.RESOLVED, S.VERIFIED, S.CLOSED}),
}
# On hold for these the clocks stop: the wait is the customer's or the supplier's.
PAUSING = frozenset({HoldReason.CUSTOMER, HoldReason.PARTS})
TWENTY_FOUR_SEVEN = "24x7"


@dataclass(frozen=True, slots=True)
class Plan:
    """What a policy asks of one clock besides its target."""

    warn_at_percent: tuple[int, ...] = ()
    stages: tuple[tuple[int, EscalationStage], ...] = ()  # (stage number, stage) watching it

    def as_json(self) -> dict[str, Any]:
        return {
            "warn_at_percent": list(self.warn_at_percent),
            "stages": [[number, msgspec.to_builtins(stage)] for number, stage in self.stages],
        }

    @classmethod
    def of_json(cls, value: dict[str, Any]) -> "Plan":
        return cls(
            tuple(value.get("warn_at_percent", ())),
            tuple(
                (number, msgspec.convert(stage, EscalationStage))
                for number, stage in value.get("stages", ())
            ),
        )


@dataclass(frozen=True, slots=True)
class Clock:
    kind: ClockKind
    target_seconds: int
    started_at: datetime
    calendar: Calendar | None = None  # None: 24x7
    calendar_name: str = TWENTY_FOUR_SEVEN
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    met_at: datetime | None = None
    breached_at: datetime | None = None
    stopped: bool = False
    plan: Plan = field(default_factory=Plan)

    @property
    def working(self) -> Calendar:
        return self.calendar or calendars.ALWAYS_ON

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    @property
    def running(self) -> bool:
        return self.met_at is None and not self.stopped and not self.paused


def paused_seconds(clock: Clock, until: datetime) -> float:
    """Working time spent paused before ``until`` (an open pause counts up to it)."""
    total = 0.0
    for start, end in clock.pauses:
        stop = min(end or until, until)
        if stop > start:
            total += calendars.working_seconds_between(clock.working, start, stop)
    return total


def moment(clock: Clock, seconds: float) -> datetime:
    """When ``seconds`` of the clock's counting time will have passed: working time from its
    start, plus the working time it spent paused (so a pause moves every deadline)."""
    shift = paused_seconds(clock, clock.pauses[-1][1] or clock.started_at) if clock.pauses else 0
    return calendars.add_working_seconds(clock.working, clock.started_at, seconds + shift)


def due_at(clock: Clock) -> datetime:
    return moment(clock, clock.target_seconds)


def counted(clock: Clock, until: datetime) -> float:
    """Working seconds the clock has counted by ``until`` (pauses left out)."""
    elapsed = calendars.working_seconds_between(clock.working, clock.started_at, until)
    return elapsed - paused_seconds(clock, until)


def summary(clock: Clock) -> SlaClock:
    """What clients show (they count down to ``due_at`` themselves)."""
    shown = SlaClock(
        kind=clock.kind,
        target_seconds=clock.target_seconds,
        started_at=clock.started_at,
        met_at=clock.met_at,
        calendar=clock.calendar_name,
    )
    if clock.met_at is not None:
        # Pauses before the clock was met have closed: its deadline is final.
        shown.breached = clock.met_at > due_at(clock)
    elif clock.paused:
        shown.paused = True
        shown.remaining_seconds = clock.target_seconds - counted(clock, clock.pauses[-1][0])
        shown.breached = clock.breached_at is not None
    elif not clock.stopped:
        shown.due_at = due_at(clock)
        shown.breached = clock.breached_at is not None
    return shown


@dataclass(frozen=True, slots=True)
class Wanted:
    """A timer a clock needs: what fires, when, with what (``detail``: percent or stage)."""

    clock: ClockKind
    kind: str  # warning, breach, escalation
    due_at: datetime
    detail: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, int]:
        return timer_key(self.clock.value, self.kind, self.detail)


def timer_key(clock: str, kind: str, detail: dict[str, Any]) -> tuple[str, str, int]:
    """What makes a timer the same one again (one that fired is never made twice): its clock,
    kind, and warning percentage or escalation stage number."""
    return (clock, kind, int(detail.get("percent", detail.get("stage", 0))))


def wanted(clock: Clock) -> list[Wanted]:
    """The timers a running clock needs; a met, stopped or paused one needs none."""
    if not clock.running:
        return []
    timers = [
        Wanted(
            clock.kind,
            "warning",
            moment(clock, clock.target_seconds * percent / 100),
            {"percent": percent},
        )
        for percent in clock.plan.warn_at_percent
    ]
    timers.append(Wanted(clock.kind, "breach", due_at(clock), {}))
    timers += [
        Wanted(
            clock.kind,
            "escalation",
            moment(clock, stage.after_seconds),
            {"stage": number, **msgspec.to_builtins(stage)},
        )
        for number, stage in clock.plan.stages
    ]
    return timers


def follow(clock: Clock, status: WorkOrderStatus, hold: HoldReason | None, now: datetime) -> Clock:
    """The clock after its work order moved to ``status`` (``hold``: why it is on hold)."""
    if status is S.CANCELLED:
        return clock if clock.met_at is not None else replace(clock, stopped=True)
    met = status in MET_BY[clock.kind]
    if met and clock.met_at is None:
        clock = replace(clock, met_at=now, pauses=_closed(clock.pauses, now))
    elif not met and clock.met_at is not None:
        clock = replace(clock, met_at=None)  # reopened: it counts again
    pausing = status is S.ON_HOLD and hold in PAUSING and clock.met_at is None
    if pausing and not clock.paused:
        clock = replace(clock, pauses=(*clock.pauses, (now, None)))
    elif not pausing and clock.paused:
        clock = replace(clock, pauses=_closed(clock.pauses, now))
    return replace(clock, stopped=False)


def _closed(
    pauses: tuple[tuple[datetime, datetime | None], ...], now: datetime
) -> tuple[tuple[datetime, datetime | None], ...]:
    if pauses and pauses[-1][1] is None:
        return (*pauses[:-1], (pauses[-1][0], now))
    return pauses


def calendar_json(calendar: Calendar | None, name: str) -> dict[str, Any] | None:
    if calendar is None:
        return None
    return {
        "name": name,
        "timezone": calendar.timezone,
        "hours": [[list(span) for span in day] for day in calendar.hours],
        "holidays": sorted(day.isoformat() for day in calendar.holidays),
        "working_days": sorted(day.isoformat() for day in calendar.working_days),
        "makeup_weekday": calendar.makeup_weekday,
    }


def calendar_of_json(value: dict[str, Any] | None) -> tuple[Calendar | None, str]:
    if not value:
        return None, TWENTY_FOUR_SEVEN
    return (
        Calendar(
            timezone=value["timezone"],
            hours=tuple(tuple((start, end) for start, end in day) for day in value["hours"]),
            holidays=frozenset(date.fromisoformat(day) for day in value["holidays"]),
            working_days=frozenset(date.fromisoformat(day) for day in value["working_days"]),
            makeup_weekday=value["makeup_weekday"],
        ),
        value["name"],
    )
