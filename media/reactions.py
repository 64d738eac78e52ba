"""How ``media`` reacts to what the packages below it announce (``kernel.events``): the
closure checkpoint is media's guard on the resolve transition; a message carries only uploads
it may (``media.attachments``)."""

from kernel.db import Transaction
from kernel.events import Reactions
from media import attachments, requirements
from messaging.events import Attaching
from workorders.events import Resolving


async def resolving(tx: Transaction, event: Resolving) -> None:
    """Refuse to resolve until every required piece of evidence is verified."""
    await requirements.check_resolvable(
        tx,
        tenant_id=event.tenant_id,
        work_order_id=event.work_order_id,
        work_order_type=event.work_order_type,
    )


def install(reactions: Reactions) -> None:
    """Register this package's reactions (called once per database, by server/wiring.py)."""
    reactions.on(Resolving, resolving)
    reactions.on(Attaching, attachments.attaching)
