"""A circuit breaker per provider: when APNs or FCM refuses our credentials, every send fails
the same way, so the relay stops sending to it for a cool-down instead of burning every
delivery's retries; then one probe decides whether it closes or opens for twice as long.

The state is per relay process: each relay finds out for itself (with one failed send).
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from push.providers import Answer, Verdict


class CircuitBreaker:
    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        cooldown: timedelta = timedelta(seconds=30),
        max_cooldown: timedelta = timedelta(minutes=10),
    ) -> None:
        self.clock = clock
        self.base_cooldown, self.max_cooldown = cooldown, max_cooldown
        self.cooldown = cooldown
        self.open_until: datetime | None = None
        self._probe: asyncio.Future[bool] | None = None  # in flight; True: it got through

    def is_open(self) -> bool:
        return self.open_until is not None and self.clock() < self.open_until

    async def call(self, send: Callable[[], Awaitable[Answer]]) -> tuple[Answer, bool]:
        """Send through the breaker; answers (the answer, whether this send opened it).
        Open: nothing is sent (HELD). Half-open: one send probes while the others wait for
        its verdict, then go together (closed) or are held (open again)."""
        if self.open_until is None:
            return self._observe(await send())
        if self.is_open():
            return self._held(), False
        if self._probe is not None:
            if await asyncio.shield(self._probe):
                return self._observe(await send())
            return self._held(), False
        probe: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._probe = probe
        try:
            return self._observe(await send())
        finally:
            probe.set_result(self.open_until is None)
            self._probe = None

    def _observe(self, answer: Answer) -> tuple[Answer, bool]:
        if answer.verdict is not Verdict.PROVIDER_AUTH:
            if answer.verdict is not Verdict.RETRY:  # the provider accepted our credentials
                self.open_until, self.cooldown = None, self.base_cooldown
            return answer, False
        if self.open_until is None:
            self.open_until = self.clock() + self.cooldown
            return answer, True
        if not self.is_open():  # a failed probe: stay away twice as long
            self.cooldown = min(self.cooldown * 2, self.max_cooldown)
            self.open_until = self.clock() + self.cooldown
        return answer, False  # (or a send that left before the circuit opened)

    def _held(self) -> Answer:
        assert self.open_until is not None
        return Answer(Verdict.HELD, reason=f"circuit open until {self.open_until.isoformat()}")
