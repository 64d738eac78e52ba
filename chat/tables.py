"""Tables of ``chat``. Unique and composite indexes are added by the raw migration.

``chat_channel`` is a tenant's chat platform account; its shared secret is sealed
(``chat.desk``). ``chat_nonce`` holds the nonces of accepted queries while their timestamp
could still be inside the window (unique per channel: a second use is a replay). ``chat_query``
records every query a channel passed on, answered or not: who asked only as a keyed hash, the
number asked, the work order it matched; the rate limits count these rows.
"""

from piccolo.columns import UUID, Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant, User
from workorders.tables import WorkOrder


class Channel(Table, tablename="chat_channel"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    name = Varchar(length=200)
    style = Varchar(length=10)  # wechat, generic
    sealed_secret = Text()
    enabled = Boolean(default=True)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    secret_rotated_at = Timestamptz()
    disabled_at = Timestamptz(null=True, default=None)


class Nonce(Table, tablename="chat_nonce"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False)
    channel = ForeignKey(Channel, null=False)
    nonce = Varchar(length=64)
    seen_at = Timestamptz()


class Query(Table, tablename="chat_query"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    channel = ForeignKey(Channel, null=False)
    sender_hash = Varchar(length=64)
    asked = Varchar(length=40, default="")  # the number as understood; "" when none was
    work_order = ForeignKey(WorkOrder, null=True, default=None)
    outcome = Varchar(length=20)  # answered, not_found, rate_limited
    at = Timestamptz()


TABLES: tuple[type[Table], ...] = (Channel, Nonce, Query)
