"""How ``notify`` reacts to what the packages below it announce (``kernel.events``)."""

from kernel.events import Reactions
from notify import milestones
from workorders.events import WorkOrderWritten


def install(reactions: Reactions) -> None:
    """Register this package's reactions (called once per database, by server/wiring.py)."""
    reactions.on(WorkOrderWritten, milestones.work_order_written)
