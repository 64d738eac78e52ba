"""The on-call alerts the relay raises, each in the transaction that records the failure: a
delivery given up on, a provider refusing our credentials, a provider down for minutes. The
details carry what the alert texts name (engineer, work order number, provider, counts)."""

from datetime import datetime
from uuid import UUID

from kernel.db import Transaction
from push import alerts
from push.providers import Answer, Outgoing
from push.sql import Details


def _code(answer: Answer) -> str:
    return f" (HTTP {answer.status_code})" if answer.status_code else ""


async def dead_letter(
    *,
    tx: Transaction,
    item: Outgoing,
    row: Details,
    provider: str | None,
    answer: Answer,
    attempts: int,
    now: datetime,
) -> None:
    """A delivery given up on is a person's problem now."""
    number = item.data.get("number")
    about = f"{number} for {row.engineer}" if number else f"for {row.engineer}"
    await alerts.raise_alert(
        tx=tx,
        tenant_id=row.tenant_id,
        kind=alerts.DEAD_LETTER,
        message=(
            f"A {item.kind} push {about} to a {item.platform} device was not delivered "
            f"after {attempts} attempt(s): {answer.reason or 'no answer'}{_code(answer)}."
        ),
        details={
            "delivery_id": str(item.delivery_id),
            "device_id": str(item.device_id),
            "provider": provider,
            "platform": item.platform,
            "notification_kind": item.kind,
            "work_order_number": number,
            "engineer": row.engineer,
            "attempts": attempts,
            "status_code": answer.status_code,
            "reason": answer.reason,
            "response": answer.response[:1000],
        },
        delivery_id=item.delivery_id,
        subject_id=row.subject_id,
        now=now,
    )


async def credentials_refused(
    *,
    tx: Transaction,
    provider: str,
    tenant_id: UUID,
    answer: Answer,
    held_until: datetime | None,
    now: datetime,
) -> None:
    """Every push through ``provider`` stopped: on-call hears it at once, not when the
    deliveries expire."""
    name = provider.upper()
    await alerts.raise_alert(
        tx=tx,
        tenant_id=tenant_id,
        kind=alerts.PROVIDER_AUTH,
        message=(
            f"{name} refused the server's credentials: {answer.reason}{_code(answer)}. "
            f"Pushes through {name} are held until it accepts them again "
            "(check the key, team/project id and its expiry)."
        ),
        details={
            "provider": provider,
            "status_code": answer.status_code,
            "reason": answer.reason,
            "response": answer.response[:1000],
            "held_until": held_until.isoformat() if held_until else None,
        },
        now=now,
    )


async def outage(
    *,
    tx: Transaction,
    provider: str,
    tenant_id: UUID,
    waiting: int,
    since: datetime,
    failure: Answer,
    now: datetime,
) -> None:
    """A provider failing for minutes: one alert per outage and tenant, however many pushes
    wait (they go out when it answers again)."""
    minutes = int((now - since).total_seconds() // 60)
    await alerts.raise_alert(
        tx=tx,
        tenant_id=tenant_id,
        kind=alerts.PROVIDER_OUTAGE,
        message=(
            f"{provider.upper()} has been failing for {minutes} min ({failure.reason}"
            f"{_code(failure)}): {waiting} push(es) wait and go out when it answers again."
        ),
        details={
            "provider": provider,
            "since": since.isoformat(),
            "held": waiting,
            "status_code": failure.status_code,
            "reason": failure.reason,
        },
        now=now,
    )
