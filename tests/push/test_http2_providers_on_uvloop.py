"""The APNs and FCM providers deliver from a uvloop event loop, as from ``fieldops serve``
(uvicorn picks uvloop): an isinstance check on asyncio's transport class once failed every
connection there while every test, all on asyncio, passed. The providers run on a fresh loop
in a worker thread, the local APNs, FCM and OAuth servers where they always do
(tests/push/loops.py)."""

import pytest

from push.apns import ApnsProvider
from push.fcm import FcmProvider
from push.providers import Answer, Verdict
from tests.push.loops import LOOPS, on_loop
from tests.push.test_apns import outgoing

pytestmark = pytest.mark.parametrize("loop_kind", LOOPS)


async def test_apns_delivers_from_either_loop(apns, loop_kind: str) -> None:
    server, config = apns
    item = outgoing()

    async def client_side() -> Answer:
        provider = ApnsProvider(config)
        try:
            return await provider.send(item)
        finally:
            await provider.close()

    answer = await on_loop(loop_kind, client_side)
    assert (answer.verdict, answer.status_code) == (Verdict.DELIVERED, 200), answer
    assert [r.token for r in server.received] == [item.push_token]


async def test_fcm_delivers_from_either_loop(fcm, loop_kind: str) -> None:
    server, config = fcm
    item = outgoing(platform="android")

    async def client_side() -> Answer:
        provider = FcmProvider(config)
        try:
            return await provider.send(item)
        finally:
            await provider.close()

    answer = await on_loop(loop_kind, client_side)
    assert (answer.verdict, answer.status_code) == (Verdict.DELIVERED, 200), answer
    assert [r.token for r in server.received] == [item.push_token]
    assert server.oauth.requests == 1  # a real OAuth grant, from the worker loop's executor
