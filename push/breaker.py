"""A circuit breaker per provider. It opens for two reasons, and while it is open nothing is
sent to that provider and no delivery uses up a retry:

- the provider refuses our credentials: every send would fail the same way (on-call is alerted
  at once); cool-down 30 s, doubling to 10 min;
- the provider is down: several sends in a row failed with a 5xx, a timeout or a lost
  connection. Burning each delivery's retries against an outage is how the article's 23
  assignments became 23 dead letters; held instead, they go out together once the provider
  answers again. Cool-down 5 s, doubling to 30 s, so recovery is noticed within half a minute.

After the cool-down one send probes while the others wait for its verdict, then go together
(closed) or are held again (still open, for twice as long). The state is per relay process:
each relay finds out for itself (with a few failed sends).
"""

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

from push.providers import Answer, Verdict

OUTAGE_AFTER = 3  # consecutive outage failures that open the circuit


class Cause(StrEnum):
    CREDENTIALS = "credentials"
    OUTAGE = "outage"


_COOLDOWNS = {
    Cause.CREDENTIALS: (timedelta(seconds=30), timedelta(minutes=10)),
    Cause.OUTAGE: (timedelta(seconds=5), timedelta(seconds=30)),
}


class CircuitBreaker:
    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.cause: Cause | None = None  # why it is open (None: closed)
        self.cooldown = timedelta(0)
        self.open_until: datetime | None = None
        self.failing_since: datetime | None = None  # first of the current run of outage failures
        self.last_failure: Answer | None = None
        self._failures = 0  # consecutive outage failures
        self._probe: asyncio.Future[bool] | None = None  # in flight; True: it got through
        self.recovered = False  # closed after being open: set until the relay takes note

    def is_open(self) -> bool:
        return self.open_until is not None and self.clock() < self.open_until

    async def call(self, send: Callable[[], Awaitable[Answer]]) -> tuple[Answer, bool]:
        """Send through the breaker; answers (the answer, whether this send opened it for
        refused credentials). Open: nothing is sent (HELD). Half-open: one send probes while
        the others wait for its verdict. A send that fails while the circuit is open (a failed
        probe) is HELD too: the outage is the provider's, not the delivery's."""
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

    def take_recovery(self) -> bool:
        """Whether the circuit closed since the last call (the relay then releases the
        deliveries that wait out their backoff)."""
        recovered, self.recovered = self.recovered, False
        return recovered

    def _observe(self, answer: Answer) -> tuple[Answer, bool]:
        if answer.verdict is Verdict.PROVIDER_AUTH:
            return self._failed(Cause.CREDENTIALS, answer)
        if answer.verdict is Verdict.RETRY and answer.outage:
            self._failures += 1
            self.failing_since = self.failing_since or self.clock()
            if self.open_until is not None or self._failures >= OUTAGE_AFTER:
                return self._failed(Cause.OUTAGE, answer)
            return answer, False
        if answer.verdict is not Verdict.RETRY:  # the provider processed a request: it is up
            self._failures, self.failing_since = 0, None
            if self.open_until is not None:
                self.open_until, self.cause, self.recovered = None, None, True
        return answer, False

    def _failed(self, cause: Cause, answer: Answer) -> tuple[Answer, bool]:
        self.last_failure = answer
        base, ceiling = _COOLDOWNS[cause]
        if self.open_until is None:
            self.cause, self.cooldown = cause, base
            self.open_until = self.clock() + base
            return answer, cause is Cause.CREDENTIALS
        if not self.is_open():  # a failed probe: stay away twice as long
            if cause is not self.cause:
                self.cause, self.cooldown = cause, base
            else:
                self.cooldown = min(self.cooldown * 2, ceiling)
            self.open_until = self.clock() + self.cooldown
        if cause is Cause.OUTAGE:
            return dataclasses.replace(answer, verdict=Verdict.HELD), False
        return answer, False  # (or a send that left before the circuit opened)

    def _held(self) -> Answer:
        assert self.open_until is not None
        return Answer(Verdict.HELD, reason=f"circuit open until {self.open_until.isoformat()}")
