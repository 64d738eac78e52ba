"""Messages between a work order's customer and its staff.

``id`` is the server's; ``client_id`` is the id the API and devices use (a client may make it,
so a retry never sends a message twice), unique per tenant like a note's. ``seq`` numbers a
work order's messages in the order they were written (taken under the work order's row lock,
so a reader that holds message ``n`` never misses an earlier one). The author is a member of
staff (``author_user``) or a portal link (``author_link``, a plain UUID: the portal is a
package above this one); likewise the reader of a message (``read_by_user`` for a customer's
message, ``read_by_link`` for a staff one). Unique indexes are added by the raw migration.
"""

from piccolo.columns import JSON, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant, User
from workorders.tables import WorkOrder


class Message(Table, tablename="messaging_message"):
    id = UUID(primary_key=True)
    client_id = UUID()
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    seq = Integer()
    author_side = Varchar(length=10)  # customer, staff
    author_user = ForeignKey(User, null=True, default=None)
    author_link = UUID(null=True, default=None)
    author_name = Varchar(length=200, default="")  # as it was when written
    body = Text(default="")
    attachments = JSON(default="[]")  # upload session ids
    created_at = Timestamptz()
    device_time = Timestamptz(null=True, default=None)
    read_at = Timestamptz(null=True, default=None)
    read_by_user = ForeignKey(User, null=True, default=None)
    read_by_link = UUID(null=True, default=None)


TABLES: tuple[type[Table], ...] = (Message,)
