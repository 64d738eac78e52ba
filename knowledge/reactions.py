"""How ``knowledge`` reacts to what the packages below it announce: a note that inserted an
article is a citation of it."""

from kernel.events import Reactions
from knowledge import citations
from workorders.events import Citing


def install(reactions: Reactions) -> None:
    """Register this package's reactions (called once per database, by server/wiring.py)."""
    reactions.on(Citing, citations.record)
