"""SLA: business calendars, policies per priority, the clocks a work order runs, escalations.

Calendars and policies are configuration admins save as data: their input Structs refuse
unknown fields (a misspelt key would silently change a deadline). The clocks are what clients
show: a work order carries them (REST and sync), so an app counts down offline.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import CustomerTier, Priority
from mobile_contract.types import LineText, Name, ShortText, TimeZone

Minute = Annotated[int, Meta(ge=0, le=1440)]
Seconds = Annotated[int, Meta(gt=0, le=366 * 86_400)]
Percent = Annotated[int, Meta(ge=1, le=99)]


class ClockKind(StrEnum):
    RESPONSE = "response"  # until someone accepts the work order
    ARRIVAL = "arrival"  # until the engineer is on site
    RESOLUTION = "resolution"  # until it is resolved


class WorkingHours(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One interval of a weekday, in minutes after local midnight (540-1080: 09:00-18:00)."""

    start: Minute
    end: Minute


class CalendarIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Working time: ``week`` has seven entries, Monday first, each the day's intervals
    (sorted, not overlapping; an empty list is a day off). ``holidays`` have no working
    time; ``working_days`` are free days worked with ``makeup_weekday``'s hours (调休)."""

    name: Name
    timezone: TimeZone
    week: Annotated[list[list[WorkingHours]], Meta(min_length=7, max_length=7)]
    holidays: Annotated[list[date], Meta(max_length=400)] = []
    working_days: Annotated[list[date], Meta(max_length=100)] = []
    makeup_weekday: Annotated[int, Meta(ge=0, le=6)] = 0


class Calendar(CalendarIn, kw_only=True):
    id: UUID
    created_at: datetime
    updated_at: datetime


class CalendarList(msgspec.Struct, kw_only=True):
    items: list[Calendar]


class RecipientKind(StrEnum):
    ASSIGNEE = "assignee"  # the engineer the work order is assigned to
    TEAM_LEADS = "team_leads"  # the supervisors among the owning team's members
    SUPERVISORS = "supervisors"  # every supervisor of the tenant
    DISPATCHERS = "dispatchers"  # every dispatcher of the tenant
    USERS = "users"  # the people in ``user_ids``
    ON_CALL = "on_call"  # the on-call channel (webhook robots), not a push


class Recipient(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: RecipientKind
    user_ids: Annotated[list[UUID], Meta(max_length=50)] = []


class EscalationStage(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``after_seconds`` from the work order's creation (on the policy's calendar), unless
    ``clock`` was met by then (accepted for response, on site for arrival). ``strong``: the
    push breaks through Do Not Disturb (APNs time-sensitive, or critical where the tenant
    holds Apple's entitlement; FCM high priority) and carries a snapshot of the work order."""

    after_seconds: Seconds
    clock: Literal["response", "arrival"] = "response"
    recipients: Annotated[list[Recipient], Meta(min_length=1, max_length=10)]
    strong: bool = False
    critical: bool = False  # APNs interruption-level critical (needs Apple's entitlement)


class PolicyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Targets for work orders of ``priority`` (and ``customer_tier``, when set: it wins over
    the policy for every tier). Without ``calendar_id`` the clocks run 24x7."""

    name: Name
    priority: Priority
    customer_tier: CustomerTier | None = None
    calendar_id: UUID | None = None
    response_seconds: Seconds
    arrival_seconds: Seconds
    resolution_seconds: Seconds
    warn_at_percent: Annotated[list[Percent], Meta(max_length=5)] = msgspec.field(
        default_factory=lambda: [75]
    )
    escalation: Annotated[list[EscalationStage], Meta(max_length=10)] = []
    description: ShortText = ""


class Policy(PolicyIn, kw_only=True):
    id: UUID | None = None  # None: a standard policy (the tenant saved none for it)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PolicyList(msgspec.Struct, kw_only=True):
    """The tenant's policies, and the standard ones for the priorities it has none for."""

    items: list[Policy]


class SlaClock(msgspec.Struct, kw_only=True):
    """One clock of a work order. A running clock has ``due_at``: count down to it (the app
    does, offline too). While paused (on hold for the customer or for parts) ``due_at`` is
    None and ``remaining_seconds`` is the working time that was left when the pause began;
    the deadline moves by the paused working time. ``breached``: past its deadline (set when
    the breach fires, or when the clock was met late)."""

    kind: ClockKind
    target_seconds: int
    started_at: datetime
    due_at: datetime | None = None
    paused: bool = False
    remaining_seconds: float | None = None
    met_at: datetime | None = None
    breached: bool = False
    calendar: LineText = "24x7"  # the calendar's name


class Escalation(msgspec.Struct, kw_only=True):
    """One escalation stage that fired: who was told, how, and about which work order."""

    id: UUID
    work_order_id: UUID
    number: str
    title: str
    priority: Priority
    stage: int
    clock: ClockKind
    recipient_ids: list[UUID]
    on_call: bool
    strong: bool
    at: datetime


class EscalationPage(msgspec.Struct, kw_only=True):
    items: list[Escalation]
    next_cursor: str | None = None
