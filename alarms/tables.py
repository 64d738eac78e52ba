"""Every alarm a terminal sent, kept as received: the terminal's own id is unique per
terminal (migration), which is what makes a resent offline buffer a no-op."""

from piccolo.columns import UUID, DoublePrecision, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant
from device_registry.tables import Terminal
from directory.tables import Asset
from mobile_contract.iot import AlarmSeverity, AlarmState, AlarmType, AlarmVia
from workorders.tables import WorkOrder


class Alarm(Table, tablename="alarms_alarm"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    terminal = ForeignKey(Terminal, null=False)
    alarm_id = Varchar(length=64)  # the terminal's own id
    asset = ForeignKey(Asset, null=False, index=True)
    type = Varchar(length=20, choices=AlarmType)
    severity = Varchar(length=10, choices=AlarmSeverity)
    state = Varchar(length=10, choices=AlarmState)
    value = DoublePrecision(null=True, default=None)
    threshold = DoublePrecision(null=True, default=None)
    unit = Varchar(length=16, default="")
    message = Varchar(length=200, default="")
    occurred_at = Timestamptz(index=True)
    received_at = Timestamptz()
    via = Varchar(length=5, choices=AlarmVia)
    work_order = ForeignKey(WorkOrder, null=True, default=None, index=True)


TABLES: tuple[type[Table], ...] = (Alarm,)
