"""What triage does when the work-order domain announces something."""

from kernel.events import Reactions
from triage.decisions import triaging
from workorders.events import Triaging


def install(reactions: Reactions) -> None:
    reactions.on(Triaging, triaging)
