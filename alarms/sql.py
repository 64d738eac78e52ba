"""Every SQL statement of the alarm intake, and the rows they answer."""

from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract import iot

_ALARM_SELECT = (
    "SELECT a.id, a.terminal AS terminal_id, t.device_code, a.alarm_id, a.asset AS asset_id,"
    " a.type, a.severity, a.state, a.value, a.threshold, a.unit, a.message, a.occurred_at,"
    " a.received_at, a.via, a.work_order AS work_order_id"
    " FROM alarms_alarm a JOIN device_registry_terminal t ON t.id = a.terminal"
)
# A page of a tenant's alarms: every filter always present, off when its flag says "any".
PAGE = Statement(
    _ALARM_SELECT + " WHERE a.tenant = :tenant"
    " AND (:any_asset OR a.asset = :asset)"
    " AND (:any_terminal OR a.terminal = :terminal)"
    " AND (:any_work_order OR a.work_order = :work_order)"
    " AND (:any_type OR a.type = :type)"
    " AND (:any_state OR a.state = :state)"
    " AND (:any_since OR a.occurred_at >= :since)"
    " AND (:any_until OR a.occurred_at < :until)"
    " AND (:first_page OR a.occurred_at < :after_at"
    " OR (a.occurred_at = :after_at AND a.id < :after_id))"
    " ORDER BY a.occurred_at DESC, a.id DESC LIMIT :limit"
)
# What this terminal already sent of a batch: those are duplicates.
KNOWN = Statement(
    "SELECT a.alarm_id, a.work_order AS work_order_id, w.number AS work_order_number"
    " FROM alarms_alarm a LEFT JOIN workorders_work_order w ON w.id = a.work_order"
    " WHERE a.terminal = :terminal AND a.alarm_id IN :ids"
)
INSERT_ALARMS = Statement(
    "INSERT INTO alarms_alarm (id, tenant, terminal, alarm_id, asset, type, severity, state,"
    " value, threshold, unit, message, occurred_at, received_at, via, work_order) VALUES :rows"
)
# The assets a batch names, with their site: a gateway reaches the assets of its own site.
ASSETS = Statement("SELECT id, site FROM directory_asset WHERE tenant = :tenant AND id IN :ids")
ASSET_DETAILS = Statement(
    "SELECT a.site, s.customer, a.name, a.device_code FROM directory_asset a"
    " JOIN directory_site s ON s.id = a.site WHERE a.tenant = :tenant AND a.id = :id"
)
# The asset's open work order for this alarm type (the unique partial index's rows).
OPEN_WORK_ORDER = Statement(
    "SELECT id, number, version, alarm FROM workorders_work_order"
    " WHERE tenant = :tenant AND asset = :asset"
    " AND alarm_type = :type AND status NOT IN ('closed', 'cancelled')"
)
RAISED_COUNT = Statement(
    "SELECT COUNT(*) AS count FROM alarms_alarm WHERE tenant = :tenant"
    " AND work_order = :work_order AND state = 'raised'"
)


class Known(msgspec.Struct):
    alarm_id: str
    work_order_id: UUID | None
    work_order_number: str | None


class AssetSite(msgspec.Struct):
    id: UUID
    site: UUID


class AssetDetails(msgspec.Struct):
    site: UUID
    customer: UUID | None
    name: str
    device_code: str


class OpenWorkOrder(msgspec.Struct):
    """What deciding needs of the open work order; the whole row is read only to write it."""

    id: UUID
    number: str
    version: int
    alarm: iot.AlarmSummary | None


class Count(msgspec.Struct):
    count: int


AlarmRow = iot.Alarm
