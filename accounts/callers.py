"""Who a staff token belongs to, remembered in the process for a few seconds.

Every API call needs its caller: the role, the name, the teams, and whether the session is
still live. Asking the database on every call was the largest single cost of a small request
(profiled on ``GET /api/v1/me``; see bench/RESULTS.md). The answer is kept for ``seconds``
(``FIELDOPS_CALLER_CACHE_SECONDS``, 5 by default; 0 turns it off). A logout, a revoked session,
a disabled user, a new role or new teams take effect at once in the process that made the
change, and within those seconds in every other process. A refused caller is never
remembered: the next call asks the database again.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from mobile_contract.enums import Role


@dataclass(frozen=True, slots=True)
class Caller:
    """What the database said about a live session's user."""

    role: Role
    display_name: str
    team_ids: frozenset[UUID]


_Key = tuple[UUID, UUID, UUID]  # tenant, user, session


class Callers:
    """The remembered answers, each for ``seconds`` from when the database gave it."""

    def __init__(
        self,
        *,
        seconds: float,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self._clock = clock
        self._entries: dict[_Key, tuple[float, Caller]] = {}

    def get(self, *, tenant_id: UUID, user_id: UUID, session_id: UUID) -> Caller | None:
        entry = self._entries.get((tenant_id, user_id, session_id))
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[(tenant_id, user_id, session_id)]
            return None
        return entry[1]

    def remember(self, *, tenant_id: UUID, user_id: UUID, session_id: UUID, caller: Caller) -> None:
        if self.seconds <= 0:
            return
        now = self._clock()
        if len(self._entries) >= self.capacity:  # drop the stale ones; if none are, start over
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self.capacity:
                self._entries.clear()
        self._entries[(tenant_id, user_id, session_id)] = (now + self.seconds, caller)

    def forget_user(self, *, tenant_id: UUID, user_id: UUID) -> None:
        """Every session of one user: after a logout, a revocation or a change to the user."""
        for key in [key for key in self._entries if key[0] == tenant_id and key[1] == user_id]:
            del self._entries[key]

    def forget_tenant(self, tenant_id: UUID) -> None:
        """Every caller of a tenant: after a team's members changed."""
        for key in [key for key in self._entries if key[0] == tenant_id]:
            del self._entries[key]
