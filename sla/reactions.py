"""What the SLA clocks do when the work-order domain announces something."""

from kernel.events import Reactions
from sla.tracking import work_order_written
from workorders.events import WorkOrderWritten


def install(reactions: Reactions) -> None:
    reactions.on(WorkOrderWritten, work_order_written)
