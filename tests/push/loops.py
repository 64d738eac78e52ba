"""Run the push clients on either event loop. ``fieldops serve`` runs on uvicorn's uvloop, whose
transports are not asyncio's classes (an isinstance check once failed every APNs and FCM
connection there), while pytest runs everything on one asyncio loop. So a client runs on a
fresh loop of the kind asked for, in a worker thread, and the local servers keep serving on
pytest's loop meanwhile."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import uvloop

LOOPS = ("asyncio", "uvloop")  # pytest.mark.parametrize("loop_kind", LOOPS)
T = TypeVar("T")


async def on_loop(kind: str, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``main()`` run to completion on a new ``kind`` loop in a thread; its result or error."""

    async def checked() -> T:
        running = asyncio.get_running_loop()
        assert isinstance(running, uvloop.Loop) is (kind == "uvloop"), type(running)
        return await main()

    runner = uvloop.run if kind == "uvloop" else asyncio.run
    return await asyncio.to_thread(lambda: runner(checked()))
