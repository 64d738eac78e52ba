"""Sync documents and RxDB's replication wire shapes (pull, push).

Documents carry RxDB's ``_deleted`` flag; binary media never travels here, only references.
Their text refuses control characters other than tab, CR and LF (``types.TEXT_PATTERN``), so a
push can never carry what PostgreSQL cannot store; the tighter REST limits (length, one line)
apply to the fields a push changes, so a value the server already holds never fails a push.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import (
    Channel,
    HoldReason,
    Priority,
    WorkOrderStatus,
    WorkOrderType,
)
from mobile_contract.sla import SlaClock
from mobile_contract.types import AnyText


class StatusStep(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One status the work order went to, and when. The server keeps the last steps in
    ``status_history``; an app working offline appends a step for each status it moves to (with
    ``hold_reason`` when holding), so each lands on the timeline with its own device time
    instead of one time for the whole chain. Steps the server already holds are not applied
    twice."""

    status: WorkOrderStatus
    at: datetime  # the device's clock for steps a device appended (recorded, not trusted)
    hold_reason: HoldReason | None = None


class WorkOrderDocument(msgspec.Struct, kw_only=True):
    """A work order on a device. A push is held to the same limits as the REST API (title,
    description, environment, tags); what the server stores differently from a pushed
    document comes back in the push's answer, for the device to adopt."""

    id: UUID
    number: AnyText = ""
    title: AnyText = ""
    description: AnyText = ""
    type: WorkOrderType = WorkOrderType.COLD_STORAGE_REPAIR
    priority: Priority = Priority.P2
    status: WorkOrderStatus = WorkOrderStatus.NEW
    hold_reason: HoldReason | None = None
    channel: Channel = Channel.APP
    site_id: UUID | None = None
    asset_id: UUID | None = None
    customer_id: UUID | None = None
    team_id: UUID | None = None
    assignee_id: UUID | None = None
    environment: AnyText = ""
    tags: list[AnyText] = []
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 0
    status_history: Annotated[list[StatusStep], Meta(max_length=100)] = []
    # The SLA clocks (the server's; a push never changes them): count down to each ``due_at``.
    sla: Annotated[list[SlaClock], Meta(max_length=10)] = []
    occurred_at: datetime | None = None  # the device's clock at the change (recorded, not trusted)
    deleted: bool = msgspec.field(default=False, name="_deleted")


class NoteDocument(msgspec.Struct, kw_only=True):
    """A note: append-only, at most 20,000 characters. One pushed for a work order that was
    reassigned away from the device is still kept (attributed and time-stamped) for the new
    assignee, and leaves the device."""

    id: UUID
    work_order_id: UUID | None = None
    author_id: UUID | None = None
    body: AnyText = ""
    created_at: datetime | None = None
    device_time: datetime | None = None
    kb_article_id: UUID | None = None  # the knowledge-base article the note inserted
    kb_article_version: int | None = None
    deleted: bool = msgspec.field(default=False, name="_deleted")


class ChecklistItemDocument(msgspec.Struct, kw_only=True):
    """A checklist item; a push is held to the REST limits (label, position, value)."""

    id: UUID
    work_order_id: UUID | None = None
    position: int = 0
    label: AnyText = ""
    required: bool = False
    done: bool = False
    value: AnyText = ""
    updated_by_id: UUID | None = None
    updated_at: datetime | None = None
    version: int = 0
    occurred_at: datetime | None = None
    deleted: bool = msgspec.field(default=False, name="_deleted")


class SiteDocument(msgspec.Struct, kw_only=True):
    id: UUID
    customer_id: UUID | None = None
    name: str = ""
    kind: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted: bool = msgspec.field(default=False, name="_deleted")


class AssetDocument(msgspec.Struct, kw_only=True):
    id: UUID
    site_id: UUID | None = None
    device_code: str = ""
    name: str = ""
    model: str = ""
    family: str = ""
    production_line: str = ""
    system_module: str = ""
    serial_number: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted: bool = msgspec.field(default=False, name="_deleted")


class EvidenceDocument(msgspec.Struct, kw_only=True):
    """A ledger entry of a work order in the engineer's scope: references and hashes, never
    bytes (fetch the file with a download link). Read-only: evidence goes up as uploads."""

    id: UUID
    work_order_id: UUID | None = None
    seq: int = 0
    entry: str = ""  # added, reading, tombstone
    upload_id: UUID | None = None
    kind: str = ""
    requirement: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    details: dict[str, Any] = {}
    target_id: UUID | None = None  # the entry a tombstone removes
    reason: str = ""
    recorded_by_id: UUID | None = None
    recorded_at: datetime | None = None
    entry_hash: str = ""
    deleted: bool = msgspec.field(default=False, name="_deleted")


class PullResponse(msgspec.Struct, kw_only=True):
    """Documents of one collection (shaped as the ``*Document`` Structs) changed after the
    checkpoint, in commit order; fewer than ``limit`` means caught up. Pass ``checkpoint``
    back verbatim on the next pull."""

    documents: list[dict[str, Any]]
    checkpoint: str | None = None


class PushRow(msgspec.Struct, kw_only=True):
    """One document of a push: what the client last saw from the server (null for a
    document it made) and its new state."""

    assumed: dict[str, Any] | None = msgspec.field(default=None, name="assumedMasterState")
    new: dict[str, Any] = msgspec.field(name="newDocumentState")


class SyncConflictRecord(msgspec.Struct, kw_only=True):
    """A client value a push did not take: who sent it, which field, and why the server's
    value won."""

    id: UUID
    collection: str
    document_id: UUID
    actor_id: UUID
    actor_role: str
    field: str
    client_value: Any = None
    server_value: Any = None
    reason: str = ""
    created_at: datetime


class SyncConflictList(msgspec.Struct, kw_only=True):
    items: list[SyncConflictRecord]
