"""Waking background workers after a commit, across event loops."""

import asyncio


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
