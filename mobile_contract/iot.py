"""IoT terminals: their registry, signed requests, alarms and the alarm summary a work order
carries. Terminals are firmware, updated rarely: like the mobile types, these only ever gain
fields with defaults."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.types import LINE_PATTERN, DeviceCode, ShortText

MAX_ALARMS_PER_BATCH = 500
# A terminal's own alarm id: its buffer's key (a counter, a UUID, a timestamp and sequence).
TerminalAlarmId = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$(?!\n)")
]
Unit = Annotated[str, Meta(max_length=16, pattern=LINE_PATTERN)]
ThresholdName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$(?!\n)")]
Thresholds = Annotated[dict[ThresholdName, float], Meta(max_length=50)]


class AlarmType(StrEnum):
    OVER_TEMPERATURE = "over_temperature"
    COMPRESSOR_STOP = "compressor_stop"
    DOOR_OPEN = "door_open"
    POWER_LOSS = "power_loss"
    SENSOR_FAULT = "sensor_fault"
    CUSTOM = "custom"


class AlarmSeverity(StrEnum):
    CRITICAL = "critical"  # the goods or the plant are at risk now
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


class AlarmState(StrEnum):
    RAISED = "raised"
    CLEARED = "cleared"  # the condition is gone: someone should verify, nobody closes for it


class AlarmOutcomeKind(StrEnum):
    ACCEPTED = "accepted"  # stored; ``work_order_id`` is the work order it belongs to, if any
    DUPLICATE = "duplicate"  # this terminal sent this id before: nothing changed


class AlarmVia(StrEnum):
    HTTP = "http"
    MQTT = "mqtt"
    SYNC = "sync"


class TerminalStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class TerminalRegistration(msgspec.Struct, kw_only=True):
    """``POST /api/v1/iot/terminals`` (admins): the answer carries the secret, once."""

    asset_id: UUID
    device_code: DeviceCode
    model: ShortText = ""
    firmware: ShortText = ""
    thresholds: Thresholds = {}  # what the terminal alarms at (``over_temperature``: -18.0 …)


class TerminalUpdate(msgspec.Struct, kw_only=True):
    """``PATCH /api/v1/iot/terminals/{id}``: what the terminal pulls as its configuration."""

    thresholds: Thresholds | msgspec.UnsetType = msgspec.UNSET
    model: ShortText | msgspec.UnsetType = msgspec.UNSET
    firmware: ShortText | msgspec.UnsetType = msgspec.UNSET


class SecretRotation(msgspec.Struct, kw_only=True):
    """The previous secret keeps working for ``grace_seconds`` (firmware rolls out slowly)."""

    grace_seconds: Annotated[int, Meta(ge=0, le=30 * 24 * 3600)] = 24 * 3600


class Terminal(msgspec.Struct, kw_only=True):
    id: UUID
    asset_id: UUID
    device_code: str
    model: str = ""
    firmware: str = ""
    status: TerminalStatus
    thresholds: dict[str, float] = {}
    config_version: int = 1
    secret_rotated_at: datetime
    previous_secret_valid_until: datetime | None = None
    last_seen_at: datetime | None = None
    last_heartbeat: dict[str, Any] = {}
    revoked_at: datetime | None = None
    created_at: datetime


class TerminalWithSecret(msgspec.Struct, kw_only=True):
    """The only answer that ever holds the secret (registration and rotation): the server
    keeps it encrypted and never shows it again."""

    terminal: Terminal
    secret: str


class TerminalList(msgspec.Struct, kw_only=True):
    items: list[Terminal]


class Heartbeat(msgspec.Struct, kw_only=True):
    """``POST /api/v1/iot/heartbeat`` (signed): what the terminal says about itself."""

    firmware: ShortText = ""
    uptime_seconds: Annotated[int, Meta(ge=0)] | None = None
    signal_dbm: Annotated[int, Meta(ge=-200, le=0)] | None = None
    buffered_alarms: Annotated[int, Meta(ge=0)] | None = None


class TerminalConfig(msgspec.Struct, kw_only=True):
    """What a terminal pulls: its thresholds, read-only (an admin changes them)."""

    id: UUID
    device_code: str
    thresholds: dict[str, float] = {}
    config_version: int  # raised by every change of the thresholds
    deleted: bool = msgspec.field(default=False, name="_deleted")


class HeartbeatAnswer(msgspec.Struct, kw_only=True):
    server_time: datetime
    config: TerminalConfig


class AlarmIn(msgspec.Struct, kw_only=True):
    """One alarm as a terminal sends it. ``asset_id`` is for gateways watching several
    assets of their site; it defaults to the terminal's own asset."""

    id: TerminalAlarmId
    type: AlarmType
    severity: AlarmSeverity = AlarmSeverity.MAJOR
    state: AlarmState = AlarmState.RAISED
    value: float | None = None
    threshold: float | None = None
    unit: Unit = ""
    occurred_at: datetime
    asset_id: UUID | None = None
    message: ShortText = ""


class AlarmBatch(msgspec.Struct, kw_only=True):
    """``POST /api/v1/iot/alarms``: 1 to 500 alarms, applied as one transaction. A malformed
    alarm refuses the batch (422 ``alarms_invalid``, ``details.alarms`` names each one by
    index and id); the terminal drops those and sends the rest again."""

    alarms: Annotated[list[AlarmIn], Meta(min_length=1, max_length=MAX_ALARMS_PER_BATCH)]


class AlarmOutcome(msgspec.Struct, kw_only=True):
    index: int
    id: str
    outcome: AlarmOutcomeKind
    work_order_id: UUID | None = None
    work_order_number: str | None = None


class AlarmBatchResult(msgspec.Struct, kw_only=True):
    """Every alarm's outcome, in the order sent: the terminal drops them all from its buffer."""

    received_at: datetime
    outcomes: list[AlarmOutcome]


class Alarm(msgspec.Struct, kw_only=True):
    """An alarm as staff see it."""

    id: UUID
    terminal_id: UUID
    device_code: str
    alarm_id: str  # the terminal's own id
    asset_id: UUID
    type: AlarmType
    severity: AlarmSeverity
    state: AlarmState
    value: float | None = None
    threshold: float | None = None
    unit: str = ""
    message: str = ""
    occurred_at: datetime
    received_at: datetime
    via: AlarmVia
    work_order_id: UUID | None = None


class AlarmPage(msgspec.Struct, kw_only=True):
    items: list[Alarm]
    next_cursor: str | None = None


class AlarmSummary(msgspec.Struct, kw_only=True):
    """What a work order opened by alarms says about them. Refreshed when the state changes
    and at most once per debounce window for repeats (the alarms list is live)."""

    type: AlarmType
    severity: AlarmSeverity
    state: AlarmState
    terminal_id: UUID
    device_code: str
    occurrences: int = 1
    value: float | None = None
    threshold: float | None = None
    unit: str = ""
    first_occurred_at: datetime
    last_occurred_at: datetime
    cleared_at: datetime | None = None
    needs_verification: bool = False  # cleared by the terminal: someone confirms it on site
    refreshed_at: datetime
