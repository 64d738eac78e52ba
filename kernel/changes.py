"""What every package announces when a document that devices sync changes.

The packages that own synced rows (work orders and their notes and checklist items, sites and
assets, evidence, published knowledge-base articles, messages) publish ``DocumentChanged`` in the
write's transaction; ``sync`` reacts by putting it in the change log that pulls read. The
names are the collections' names on the wire.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Synced(StrEnum):
    WORK_ORDERS = "work_orders"
    NOTES = "work_order_notes"
    CHECKLIST_ITEMS = "checklist_items"
    SITES = "sites"
    ASSETS = "assets"
    EVIDENCE = "evidence"
    KB_ARTICLES = "kb_articles"
    MESSAGES = "messages"


@dataclass(frozen=True, slots=True)
class DocumentChanged:
    """``owner``: the engineer whose scope the document is in (None: decided by reference, as
    for sites and assets). When a work order's owner moves away from ``previous_owner``, the
    rows that travel with it move too, and that engineer's next pull gets tombstones."""

    tenant_id: UUID
    collection: Synced
    document_id: UUID
    now: datetime
    owner: UUID | None = None
    previous_owner: UUID | None = None
    deleted: bool = False
