"""The push a customer's message causes (``messaging.events.CustomerWrote``), written in the
message's transaction (outbox): its handlers hear of it on every device, each in its language.
The customer never gets it; the recipients are the tenant's own (messaging chose them)."""

from kernel.db import Transaction
from messaging.events import CustomerWrote
from push import outbox, texts
from push.providers import HIGH

KIND = "customer_message"


async def customer_wrote(tx: Transaction, event: CustomerWrote) -> None:
    if not event.recipient_ids:
        return
    params = {"number": event.number, "title": event.title, "preview": event.preview}
    fallback = (f"Customer message on {event.number}", event.preview)
    title, body = texts.render(KIND, params, texts.ENGLISH) or fallback
    work_order_id = event.work_order_id
    await outbox.enqueue(
        tx=tx,
        tenant_id=event.tenant_id,
        recipients=list(event.recipient_ids),
        message=outbox.Message(
            kind=KIND,
            title=title,
            body=body,
            params=params,
            subject_id=work_order_id,
            data={
                "work_order_id": str(work_order_id),
                "number": event.number,
                "message_id": str(event.message_id),
            },
            priority=HIGH,
            # The latest message of a conversation replaces the earlier ones on the device.
            collapse_key=f"msg:{work_order_id}",
        ),
        now=event.now,
    )
