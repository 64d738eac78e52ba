"""Waking background workers after a commit, across event loops, and the loop they run."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class Wakeup:
    """Wakes this process's background workers when their work commits (a poll finds work
    committed elsewhere). A worker may run on another event loop than the committing request
    (tests, portals), so each wake-up is handed to the worker's own loop."""

    def __init__(self) -> None:
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        self._waiting.add(waiter)
        return waiter

    def unsubscribe(self, waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        self._waiting.discard(waiter)

    def wake(self) -> None:
        for loop, event in list(self._waiting):
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


async def run_rounds(
    *,
    wakeup: Wakeup,
    round_: Callable[[], Awaitable[int]],
    poll_seconds: float,
    name: str,
    log: logging.Logger,
) -> None:
    """Until cancelled: run rounds while they find work, then sleep until woken or the next
    poll. A failing round (a database or store hiccup) is logged and never ends the worker."""
    waiter = wakeup.subscribe()
    _, woken = waiter
    try:
        while True:
            woken.clear()
            try:
                done = await round_()
            except Exception:
                log.exception("%s: a round failed; retrying", name)
                done = 0
            if done:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), poll_seconds)
    finally:
        wakeup.unsubscribe(waiter)
