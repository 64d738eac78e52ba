"""How push answers an SLA escalation (``sla.events.Escalated``), in the escalating transaction.

The stage's recipients get a push that breaks through as far as the stage asks (critical,
urgent or high) and carries a snapshot of the work order, so a supervisor can act from the lock
screen without opening the app; a stage naming the on-call channel also raises an alert there.
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import msgspec

from kernel.db import Transaction
from mobile_contract.sla import ClockKind
from push import outbox, texts
from push.alert_texts import ESCALATION
from push.alerts import raise_alert
from push.providers import CRITICAL, HIGH, URGENT
from sla.events import Escalated

KIND = "escalation"
# What the snapshot may take of APNs' 4096-byte payload, measured as it sits in the payload (a
# JSON string inside the JSON: its quotes escaped). The rest (aps with a 200-character title as
# body, the ids) stays under 1200 bytes, so a push is never refused for its size.
SNAPSHOT_BYTES = 1800
TIMELINE_ENTRIES = 5  # the newest; what sla promises to send
_IDENTIFYING = frozenset({"id", "number", "priority", "work_order_id"})  # never cut
_CUTS = (120, 80, 48, 24, 12)  # longest string kept, tried in turn until the snapshot fits
_MINIMAL = ("number", "title", "priority")  # what is left of a snapshot nothing else shrank

# What a clock waits for, in the push's words (English, Chinese).
_DONE = {
    ClockKind.RESPONSE: ("accepted", "接单"),
    ClockKind.ARRIVAL: ("on site", "到场"),
    ClockKind.RESOLUTION: ("resolved", "解决"),
}


async def escalated(tx: Transaction, event: Escalated) -> None:
    """The reaction to an escalation stage that fired: the push, then the on-call alert."""
    minutes = max(0, int(event.overdue_seconds // 60))
    recipients = list(dict.fromkeys(event.recipient_ids))  # a lead may also be a supervisor
    if recipients:
        await _push(tx, event, recipients, minutes)
    if event.on_call:
        await _alert(tx, event, len(recipients), minutes)


def priority_of(event: Escalated) -> str:
    """Critical only when the stage asked for it (Apple's entitlement); strong breaks through
    Focus / Do Not Disturb; otherwise at once, like any assignment."""
    if event.critical:
        return CRITICAL
    return URGENT if event.strong else HIGH


async def _push(tx: Transaction, event: Escalated, recipients: list[UUID], minutes: int) -> None:
    done, done_zh = _DONE[event.clock]
    params = {
        "priority": event.priority.value,
        "number": event.number,
        "title": event.title,
        "minutes": str(minutes),
        "clock": event.clock.value,
        "clock_done": done,
        "clock_done_zh": done_zh,
    }
    fallback = (f"Escalation: {event.priority.value} {event.number}", event.title)
    title, body = texts.render(KIND, params, texts.ENGLISH) or fallback
    work_order_id = event.work_order_id
    await outbox.enqueue(
        tx=tx,
        tenant_id=event.tenant_id,
        recipients=recipients,
        message=outbox.Message(
            kind=KIND,
            title=title,
            body=body,
            params=params,
            subject_id=work_order_id,
            data={
                "work_order_id": str(work_order_id),
                "number": event.number,
                "escalation_id": str(event.escalation_id),
                "snapshot": bounded_snapshot(event.snapshot).decode(),
            },
            priority=priority_of(event),
            collapse_key=f"esc:{work_order_id}:{event.stage}",
            # Not acknowledgement-tracked: an unanswered escalation is what the policy's next
            # stage is for, and the acknowledgement alert speaks of assignments.
            needs_ack=False,
        ),
        now=event.now,
    )


async def _alert(tx: Transaction, event: Escalated, recipients: int, minutes: int) -> None:
    """The facts of the alert; push/alert_texts.py words them in the tenant's language."""
    done, _ = _DONE[event.clock]
    pushed = f"pushed to {recipients} people" if recipients else "nobody was pushed"
    await raise_alert(
        tx=tx,
        tenant_id=event.tenant_id,
        kind=ESCALATION,
        message=f"Escalation stage {event.stage}: {event.priority.value} work order "
        f'{event.number} "{event.title}" not {done} for {minutes} min; {pushed}',
        details={
            "work_order_number": event.number,
            "title": event.title,
            "priority": event.priority.value,
            "stage": event.stage,
            "clock": event.clock.value,
            "minutes": minutes,
            "recipients": recipients,
            "escalation_id": str(event.escalation_id),
        },
        subject_id=event.work_order_id,
        now=event.now,
    )


def bounded_snapshot(snapshot: Mapping[str, Any], limit: int = SNAPSHOT_BYTES) -> bytes:
    """The snapshot as compact JSON costing at most ``limit`` bytes in the push's payload.
    Too big, it loses timeline entries from the oldest, then has its long strings (titles,
    reasons) cut with "…", shorter each round; what still does not fit keeps only the number,
    title and priority (or nothing): a push refused for its size would reach nobody."""
    value: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(snapshot, enc_hook=str))
    timeline = value.get("timeline")
    if isinstance(timeline, list):
        del timeline[:-TIMELINE_ENTRIES]
        while timeline and _cost(value) > limit:
            del timeline[0]  # the timeline is oldest first, as the work order lists it
    for cut in (None, *_CUTS):
        shrunk = value if cut is None else _cut(value, cut)
        if _cost(shrunk) <= limit:
            return msgspec.json.encode(shrunk)
    minimal = _cut({key: value[key] for key in _MINIMAL if key in value}, _CUTS[-1])
    return msgspec.json.encode(minimal) if _cost(minimal) <= limit else b"{}"


def _cost(value: Any) -> int:
    """Bytes ``value`` takes in the payload as a JSON string (quotes escaped, no delimiters)."""
    return len(msgspec.json.encode(msgspec.json.encode(value).decode())) - 2


def _cut(value: Any, longest: int, key: str = "") -> Any:
    """``value`` with every string over ``longest`` characters cut with "…" (identifiers kept)."""
    if isinstance(value, str):
        if key in _IDENTIFYING or len(value) <= longest:
            return value
        return value[: longest - 1] + "…"
    if isinstance(value, dict):
        return {name: _cut(item, longest, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_cut(item, longest) for item in value]
    return value
