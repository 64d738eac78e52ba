"""Work orders, their timeline, notes and checklist items."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.directory import Asset, Customer, Site
from mobile_contract.enums import (
    Channel,
    HoldReason,
    Priority,
    PrioritySource,
    WorkOrderStatus,
    WorkOrderType,
)
from mobile_contract.iot import AlarmSummary
from mobile_contract.sla import SlaClock
from mobile_contract.triage import PriorityReason
from mobile_contract.types import TEXT_PATTERN, LongText, Name, ShortText, Tags

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


class CapturedMetadata(msgspec.Struct, kw_only=True):
    """Captured by the server from the request (headers, socket), never typed by a person."""

    app_version: str = ""
    device_id: str = ""
    ip: str = ""
    trace_id: str = ""
    user_agent: str = ""


class WorkOrderCreate(msgspec.Struct, kw_only=True):
    """Without ``priority`` the tenant's priority rules decide it (and say why); without
    ``team_id`` the responsibility zones name the owning team."""

    title: Name
    description: LongText = ""
    type: WorkOrderType = WorkOrderType.COLD_STORAGE_REPAIR
    priority: Priority | Unset = UNSET
    channel: Channel = Channel.WEB
    site_id: UUID | None = None
    asset_id: UUID | None = None
    customer_id: UUID | None = None
    team_id: UUID | None = None
    environment: ShortText = ""
    tags: Tags = []


class WorkOrderUpdate(msgspec.Struct, kw_only=True):
    """A partial update; which fields a caller may change depends on role and status.
    A ``priority`` set here is a person's: the rules no longer change it.
    ``priority_source``: ``rules`` hands the priority back to the rules (they decide again at
    once), ``person`` keeps the current one as a person's."""

    title: Name | Unset = UNSET
    description: LongText | Unset = UNSET
    type: WorkOrderType | Unset = UNSET
    priority: Priority | Unset = UNSET
    priority_source: PrioritySource | Unset = UNSET
    site_id: UUID | None | Unset = UNSET
    asset_id: UUID | None | Unset = UNSET
    customer_id: UUID | None | Unset = UNSET
    team_id: UUID | None | Unset = UNSET
    environment: ShortText | Unset = UNSET
    tags: Tags | Unset = UNSET
    expected_version: int | Unset = UNSET


class WorkOrder(msgspec.Struct, kw_only=True):
    id: UUID
    number: str
    title: str
    description: str
    type: WorkOrderType
    priority: Priority
    status: WorkOrderStatus
    hold_reason: HoldReason | None = None
    channel: Channel
    site_id: UUID | None = None
    asset_id: UUID | None = None
    customer_id: UUID | None = None
    team_id: UUID | None = None
    assignee_id: UUID | None = None
    environment: str = ""
    tags: list[str] = []
    metadata: CapturedMetadata
    created_by_id: UUID | None = None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    version: int
    alarm: AlarmSummary | None = None  # channel iot: the fault its terminal reports
    priority_source: PrioritySource = PrioritySource.PERSON
    priority_reasons: list[PriorityReason] = []  # the rules that decided, when they did
    rule_set_version: int | None = None  # the version of the rules that decided
    sla: list[SlaClock] = []  # response, arrival and resolution clocks


class WorkOrderEvent(msgspec.Struct, kw_only=True):
    """One entry of the append-only timeline."""

    id: UUID
    action: str
    actor_id: UUID | None = None
    actor_name: str = ""
    actor_role: str = ""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    reason: str = ""
    server_time: datetime
    device_time: datetime | None = None
    metadata: CapturedMetadata


class Note(msgspec.Struct, kw_only=True):
    id: UUID
    work_order_id: UUID
    author_id: UUID | None = None
    author_name: str = ""
    body: str
    created_at: datetime
    device_time: datetime | None = None
    kb_article_id: UUID | None = None
    kb_article_version: int | None = None


class NoteCreate(msgspec.Struct, kw_only=True):
    """``id`` may be a client-made UUID, so an offline retry never adds the note twice.
    ``kb_article_id``: the knowledge-base article or reply template the note inserted (with
    the ``kb_article_version`` the app showed; the published one when absent): recorded as
    the work order's citation of it."""

    body: Annotated[str, Meta(min_length=1, max_length=20_000, pattern=TEXT_PATTERN)]
    id: UUID | None = None
    occurred_at: datetime | None = None
    kb_article_id: UUID | None = None
    kb_article_version: Annotated[int, Meta(ge=1, le=2**31 - 1)] | None = None


class ChecklistItem(msgspec.Struct, kw_only=True):
    id: UUID
    work_order_id: UUID
    position: int
    label: str
    required: bool = False
    done: bool = False
    value: str = ""
    updated_by_id: UUID | None = None
    updated_at: datetime
    version: int


class ChecklistItemCreate(msgspec.Struct, kw_only=True):
    """``id`` may be a client-made UUID (idempotent offline creation)."""

    label: Name
    id: UUID | None = None
    position: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    required: bool = False
    done: bool = False
    value: ShortText = ""
    occurred_at: datetime | None = None


class ChecklistItemUpdate(msgspec.Struct, kw_only=True):
    label: Name | Unset = UNSET
    position: Annotated[int, Meta(ge=0, le=10_000)] | Unset = UNSET
    required: bool | Unset = UNSET
    done: bool | Unset = UNSET
    value: ShortText | Unset = UNSET
    occurred_at: datetime | None = None


class TransitionRequest(msgspec.Struct, kw_only=True):
    """Move a work order to ``target``. Assigning names ``assignee_id``; holding names
    ``hold_reason``; cancelling and reopening need a ``reason``."""

    target: WorkOrderStatus
    assignee_id: UUID | None = None
    hold_reason: HoldReason | None = None
    reason: LongText = ""
    expected_version: int | None = None
    occurred_at: datetime | None = None


class PersonRef(msgspec.Struct, kw_only=True):
    """Who handles the work order: name and phone, shown to dispatchers and customers."""

    id: UUID
    display_name: str
    phone: str = ""


class WorkOrderDetail(msgspec.Struct, kw_only=True):
    """A work order with what a client needs to show it: its site, asset, customer and
    assignee, the caller's next states and editable fields, timeline, notes and checklist."""

    work_order: WorkOrder
    site: Site | None = None
    asset: Asset | None = None
    customer: Customer | None = None
    assignee: PersonRef | None = None
    allowed_transitions: list[WorkOrderStatus] = []
    editable_fields: list[str] = []
    timeline: list[WorkOrderEvent] = []
    notes: list[Note] = []
    checklist: list[ChecklistItem] = []


class WorkOrderPage(msgspec.Struct, kw_only=True):
    """A page of work orders; pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[WorkOrder]
    next_cursor: str | None = None


class NoteList(msgspec.Struct, kw_only=True):
    items: list[Note]


class ChecklistItemList(msgspec.Struct, kw_only=True):
    items: list[ChecklistItem]
