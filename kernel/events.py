"""Reactions across packages, inside the transaction that causes them.

A package announces what happened (``await tx.publish(WorkOrderChanged(...))``) without knowing
who cares; the packages above it register their reactions at the composition root
(``server/wiring.py``). That keeps the import order one way: the change log (``sync``) and the
pushes (``push``) react to work orders, work orders do not call them. Every reaction runs in the
publisher's transaction, so it commits or rolls back with the change.
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from kernel.db import Transaction

E = TypeVar("E")
Reaction = Callable[["Transaction", Any], Awaitable[None]]


class Unwired(LookupError):
    """An event nothing reacts to: the composition root forgot to wire a package, and a change
    would otherwise be silently lost (a device never told, a push never sent)."""


class Reactions:
    def __init__(self) -> None:
        self._reactions: dict[type, list[Reaction]] = {}

    def on(self, kind: type[E], reaction: Callable[["Transaction", E], Awaitable[None]]) -> None:
        self._reactions.setdefault(kind, []).append(reaction)

    def knows(self, kind: type) -> bool:
        return bool(self._reactions.get(kind))

    async def publish(self, tx: "Transaction", event: object) -> None:
        reactions = self._reactions.get(type(event))
        if not reactions:
            raise Unwired(f"nothing reacts to {type(event).__name__}; wire it in server/wiring.py")
        for reaction in reactions:
            await reaction(tx, event)
