"""How ``sync`` reacts to what the packages below it announce (``kernel.events``): every
change to a synced document goes into the change log that pulls read, and when a work order
changes hands, what travels with it to its engineer's devices goes too."""

from kernel.changes import DocumentChanged, Synced
from kernel.db import Transaction
from kernel.events import Reactions
from sync import changelog, sql

# Rows that follow their work order to its engineer's devices (and leave the previous one's).
_FOLLOWERS = (
    (sql.NOTES_OF, Synced.NOTES),
    (sql.CHECKLIST_ITEMS_OF, Synced.CHECKLIST_ITEMS),
    (sql.EVIDENCE_OF, Synced.EVIDENCE),
    (sql.MESSAGES_OF, Synced.MESSAGES),
)


async def document_changed(tx: Transaction, event: DocumentChanged) -> None:
    await changelog.record(
        tx,
        tenant_id=event.tenant_id,
        collection=event.collection,
        document_id=event.document_id,
        now=event.now,
        owner=event.owner,
        previous_owner=event.previous_owner,
        deleted=event.deleted,
    )
    if event.collection is Synced.WORK_ORDERS and event.previous_owner != event.owner:
        await _move_followers(tx, event)


async def _move_followers(tx: Transaction, event: DocumentChanged) -> None:
    """The work order changed hands: its notes, checklist items, evidence and messages follow
    it to the new engineer's devices and leave the old one's, and its site and asset are sent
    again so the new engineer has them."""
    tenant, work_order_id = event.tenant_id, event.document_id
    for statement, collection in _FOLLOWERS:
        for child in await tx.fetch(statement, sql.Id, tenant=tenant, work_order=work_order_id):
            await changelog.record(
                tx,
                tenant_id=tenant,
                collection=collection,
                document_id=child.id,
                now=event.now,
                owner=event.owner,
                previous_owner=event.previous_owner,
            )
    references = await tx.fetch_one(
        sql.REFERENCES_OF, sql.References, tenant=tenant, id=work_order_id
    )
    if references is None:
        return
    for collection, document_id in (
        (Synced.SITES, references.site),
        (Synced.ASSETS, references.asset),
    ):
        if document_id is not None:
            await changelog.record(
                tx, tenant_id=tenant, collection=collection, document_id=document_id, now=event.now
            )


def install(reactions: Reactions) -> None:
    """Register this package's reactions (called once per database, by server/wiring.py)."""
    reactions.on(DocumentChanged, document_changed)
