"""Every table of every package, in dependency order (for binding and for the migration test)."""

from piccolo.table import Table

from accounts.tables import TABLES as ACCOUNT_TABLES
from aftersales.tables import TABLES as AFTERSALES_TABLES
from alarms.tables import TABLES as ALARM_TABLES
from chat.tables import TABLES as CHAT_TABLES
from device_registry.tables import TABLES as DEVICE_TABLES
from directory.tables import TABLES as DIRECTORY_TABLES
from feed.tables import TABLES as FEED_TABLES
from knowledge.tables import TABLES as KNOWLEDGE_TABLES
from media.tables import TABLES as MEDIA_TABLES
from messaging.tables import TABLES as MESSAGING_TABLES
from notify.tables import TABLES as NOTIFY_TABLES
from portal.tables import TABLES as PORTAL_TABLES
from push.tables import TABLES as PUSH_TABLES
from reports.tables import TABLES as REPORT_TABLES
from sla.tables import TABLES as SLA_TABLES
from sync.tables import TABLES as SYNC_TABLES
from triage.tables import TABLES as TRIAGE_TABLES
from workorders.tables import TABLES as WORK_ORDER_TABLES

ALL_TABLES: tuple[type[Table], ...] = (
    *ACCOUNT_TABLES,
    *DIRECTORY_TABLES,
    *WORK_ORDER_TABLES,
    *SYNC_TABLES,
    *DEVICE_TABLES,
    *PUSH_TABLES,
    *PORTAL_TABLES,
    *MEDIA_TABLES,
    *ALARM_TABLES,
    *TRIAGE_TABLES,
    *SLA_TABLES,
    *FEED_TABLES,
    *KNOWLEDGE_TABLES,
    *AFTERSALES_TABLES,
    *MESSAGING_TABLES,
    *REPORT_TABLES,
    *NOTIFY_TABLES,
    *CHAT_TABLES,
)
