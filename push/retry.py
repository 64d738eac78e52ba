"""How long a failed push waits before it is sent again."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries 20 s, 80 s and 320 s after the failures (each ±20 %, never under the provider's
    ``Retry-After``): the three retries span more than five minutes, so a delivery rides out a
    provider outage of that length even in a relay that never saw enough failures to open the
    outage circuit. Bounded jitter, not full jitter: full jitter on a growing ceiling may retry
    at once or leave a long tail; ±20 % still spreads a burst of failures apart."""

    max_retries: int = 3
    base_seconds: float = 20.0
    factor: float = 4.0
    cap_seconds: float = 600.0
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        nominal = min(self.cap_seconds, self.base_seconds * self.factor ** max(attempt - 1, 0))
        spread = 1.0 + self.jitter * (2.0 * rand() - 1.0)
        return max(nominal * spread, retry_after or 0.0)
