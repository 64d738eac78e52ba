"""How ``push`` reacts to what the packages below it announce (``kernel.events``)."""

from accounts.events import LoginBurst
from kernel.events import Reactions
from messaging.events import CustomerWrote
from push import alerts, escalations, messages, work_orders
from sla.events import Escalated
from workorders.events import WorkOrderMoved


def install(reactions: Reactions) -> None:
    """Register this package's reactions (called once per database, by server/wiring.py)."""
    reactions.on(WorkOrderMoved, work_orders.work_order_moved)
    reactions.on(LoginBurst, alerts.login_burst)
    reactions.on(Escalated, escalations.escalated)
    reactions.on(CustomerWrote, messages.customer_wrote)
