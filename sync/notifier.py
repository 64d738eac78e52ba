"""In-process wake-ups for live streams: a committed change notifies its tenant's streams.

Process-wide by nature (it is what connects a write to the open connections of this process);
writers in other processes are picked up by the streams' periodic re-check.
"""

import asyncio
from collections import defaultdict
from uuid import UUID


class ChangeNotifier:
    """Per-tenant wake-ups for open streams of this process."""

    def __init__(self) -> None:
        self._events: dict[UUID, set[asyncio.Event]] = defaultdict(set)

    def notify(self, tenant_id: UUID) -> None:
        for event in self._events.get(tenant_id, ()):
            event.set()

    def subscribe(self, tenant_id: UUID) -> asyncio.Event:
        event = asyncio.Event()
        self._events[tenant_id].add(event)
        return event

    def unsubscribe(self, tenant_id: UUID, event: asyncio.Event) -> None:
        self._events[tenant_id].discard(event)
        if not self._events[tenant_id]:
            del self._events[tenant_id]


NOTIFIER = ChangeNotifier()
