"""Alarm ingest, the one use case behind signed HTTP, MQTT and the terminals' sync push.

A batch is one transaction: every alarm is checked first, and one refused alarm refuses the
batch (422 ``alarms_invalid``, each refused alarm named by index and id, nothing applied), so
the terminal drops exactly those and sends the rest again. Otherwise each alarm's outcome is
``accepted`` (with its work order, when it has one) or ``duplicate`` (this terminal sent this
id before, or earlier in the batch), so the terminal can drop the whole batch from its buffer.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from msgspec import Meta

from alarms import incidents, sql
from alarms.incidents import Incident
from kernel.clock import as_utc, utcnow
from kernel.context import TerminalCaller
from kernel.db import Database, Transaction, run_use_case
from kernel.errors import DomainError
from mobile_contract import iot
from mobile_contract.errors import ErrorCode
from mobile_contract.types import readable

FUTURE_SKEW = timedelta(minutes=5)  # an alarm dated further ahead of the server is refused
# Concurrent ingests of one fault on PostgreSQL: the loser of a race for the open work order
# (its unique index), an alarm id, or the work order's version runs again and sees the winner.
ATTEMPTS = 5


class _Envelope(msgspec.Struct):
    alarms: Annotated[list[msgspec.Raw], Meta(min_length=1, max_length=iot.MAX_ALARMS_PER_BATCH)]


_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")


class _IdOnly(msgspec.Struct):
    id: Any = ""


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_ALARM = msgspec.json.Decoder(iot.AlarmIn)
_ID_ONLY = msgspec.json.Decoder(_IdOnly)


@dataclass(frozen=True, slots=True)
class IntakeRules:
    debounce: timedelta  # repeats of an open fault: one timeline entry per window


def decode(body: bytes, *, now: datetime) -> list[iot.AlarmIn]:
    """The batch in ``body``, every alarm well formed and not dated in the future."""
    try:
        body.decode()  # msgspec skips what it does not keep without checking its UTF-8
        envelope = _ENVELOPE.decode(body)
    except (UnicodeDecodeError, RecursionError):
        raise DomainError(
            ErrorCode.MALFORMED_JSON, "The body is not UTF-8 JSON of a sane depth."
        ) from None
    except msgspec.ValidationError as error:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f'Send {{"alarms": [...]}} with 1 to {iot.MAX_ALARMS_PER_BATCH} alarms '
            f"({readable(str(error))}).",
            {"max_alarms": iot.MAX_ALARMS_PER_BATCH},
        ) from None
    except msgspec.DecodeError:
        raise DomainError(ErrorCode.MALFORMED_JSON, "The body is not valid JSON.") from None
    alarms: list[iot.AlarmIn] = []
    refused: list[dict[str, Any]] = []
    for index, raw in enumerate(envelope.alarms):
        try:
            alarm = _ALARM.decode(raw)
        except msgspec.ValidationError as error:
            refused.append(_refusal(index, _id_of(raw), str(error)))
            continue
        if as_utc(alarm.occurred_at) - now > FUTURE_SKEW:
            refused.append(
                _refusal(
                    index,
                    alarm.id,
                    "occurred_at is more than 5 minutes ahead of the server's clock"
                    " - at `$.occurred_at`",
                )
            )
            continue
        alarms.append(alarm)
    if refused:
        raise _refused(refused, len(envelope.alarms))
    return alarms


async def ingest(
    *,
    db: Database,
    terminal: TerminalCaller,
    alarms: list[iot.AlarmIn],
    via: iot.AlarmVia,
    rules: IntakeRules,
    received_at: datetime | None = None,
) -> iot.AlarmBatchResult:
    """Apply a decoded batch. A resent buffer changes nothing and, on SQLite, never waits for
    the write lock (``run_use_case`` rehearses it first)."""
    received = received_at or utcnow()
    return await run_use_case(
        db,
        lambda tx: _apply(tx, terminal, alarms, via, rules, received),
        attempts=ATTEMPTS,
        # Over MQTT a duplicate is a redelivery after a crash, rare: not worth a rehearsal.
        rehearse=via is not iot.AlarmVia.MQTT,
    )


async def _apply(
    tx: Transaction,
    terminal: TerminalCaller,
    alarms: list[iot.AlarmIn],
    via: iot.AlarmVia,
    rules: IntakeRules,
    now: datetime,
) -> iot.AlarmBatchResult:
    await _check_assets(tx, terminal, alarms)
    known = {
        row.alarm_id: row
        for row in await tx.fetch(
            sql.KNOWN,
            sql.Known,
            terminal=terminal.terminal_id,
            ids=sorted({alarm.id for alarm in alarms}),
        )
    }
    outcomes: list[iot.AlarmOutcome | None] = [None] * len(alarms)
    fresh: dict[tuple[UUID, iot.AlarmType], list[int]] = defaultdict(list)
    first_of: dict[str, int] = {}
    for index, alarm in enumerate(alarms):
        stored = known.get(alarm.id)
        if stored is not None:
            outcomes[index] = _outcome(
                index,
                alarm,
                iot.AlarmOutcomeKind.DUPLICATE,
                stored.work_order_id,
                stored.work_order_number,
            )
        elif alarm.id in first_of:
            continue  # a duplicate of an alarm earlier in this batch: answered below
        else:
            first_of[alarm.id] = index
            fresh[(alarm.asset_id or terminal.asset_id, alarm.type)].append(index)
    if fresh:
        tx.will_write()  # a rehearsal stops here: only a resent buffer is answered by it
    owner: dict[int, sql.OpenWorkOrder | None] = {}
    touched: list[Incident] = []
    for (asset_id, alarm_type), indexes in fresh.items():
        indexes.sort(key=lambda i: as_utc(alarms[i].occurred_at))
        incident, owners = await incidents.apply(
            tx,
            terminal=terminal,
            asset_id=asset_id,
            alarm_type=alarm_type,
            alarms=[alarms[i] for i in indexes],
            now=now,
            debounce=rules.debounce,
        )
        owner.update(zip(indexes, owners, strict=True))
        touched.append(incident)
    if owner:
        await tx.execute(
            sql.INSERT_ALARMS,
            rows=[_row(terminal, alarms[i], via, now, owner[i]) for i in sorted(owner)],
        )
    for incident in touched:
        await incidents.finish(tx, terminal=terminal, incident=incident, now=now)
    for index, alarm in enumerate(alarms):
        if outcomes[index] is not None:
            continue
        first = first_of[alarm.id]
        row = owner[first]
        outcomes[index] = _outcome(
            index,
            alarm,
            iot.AlarmOutcomeKind.ACCEPTED if first == index else iot.AlarmOutcomeKind.DUPLICATE,
            row.id if row else None,
            row.number if row else None,
        )
    return iot.AlarmBatchResult(
        received_at=now, outcomes=[outcome for outcome in outcomes if outcome is not None]
    )


async def _check_assets(
    tx: Transaction, terminal: TerminalCaller, alarms: list[iot.AlarmIn]
) -> None:
    """A gateway names assets of its own site; anything else (another site's, another
    tenant's, none) refuses the batch, naming the alarms."""
    named = {alarm.asset_id for alarm in alarms if alarm.asset_id is not None}
    if not named:
        return
    sites = {
        row.id: row.site
        for row in await tx.fetch(
            sql.ASSETS, sql.AssetSite, tenant=terminal.tenant_id, ids=sorted(named)
        )
    }
    refused = [
        _refusal(
            index,
            alarm.id,
            f"asset {alarm.asset_id} is not an asset of this terminal's site - at `$.asset_id`",
            ErrorCode.INVALID_REFERENCE,
        )
        for index, alarm in enumerate(alarms)
        if alarm.asset_id is not None and sites.get(alarm.asset_id) != terminal.site_id
    ]
    if refused:
        raise _refused(refused, len(alarms))


def _row(
    terminal: TerminalCaller,
    alarm: iot.AlarmIn,
    via: iot.AlarmVia,
    now: datetime,
    work_order: sql.OpenWorkOrder | None,
) -> tuple[Any, ...]:
    return (
        uuid4(),
        terminal.tenant_id,
        terminal.terminal_id,
        alarm.id,
        alarm.asset_id or terminal.asset_id,
        alarm.type.value,
        alarm.severity.value,
        alarm.state.value,
        alarm.value,
        alarm.threshold,
        alarm.unit,
        alarm.message,
        as_utc(alarm.occurred_at),
        now,
        via.value,
        work_order.id if work_order else None,
    )


def _outcome(
    index: int,
    alarm: iot.AlarmIn,
    kind: iot.AlarmOutcomeKind,
    work_order_id: UUID | None,
    number: str | None,
) -> iot.AlarmOutcome:
    return iot.AlarmOutcome(
        index=index,
        id=alarm.id,
        outcome=kind,
        work_order_id=work_order_id,
        work_order_number=number,
    )


def _id_of(raw: msgspec.Raw) -> str:
    try:
        found = _ID_ONLY.decode(raw).id
    except (msgspec.ValidationError, msgspec.DecodeError):
        return ""
    return found if isinstance(found, str) else ""


def _refusal(
    index: int, alarm_id: str, message: str, code: ErrorCode = ErrorCode.VALIDATION_FAILED
) -> dict[str, Any]:
    text, _, path = readable(message).partition(" - at `$")
    missing = _MISSING.search(text)
    if missing:
        path = ".".join(part for part in (path.rstrip("`"), missing["name"]) if part)
    return {
        "index": index,
        "id": alarm_id,
        "code": code.value,
        "field": path.rstrip("`").lstrip("."),
        "message": text,
    }


def _refused(refused: list[dict[str, Any]], total: int) -> DomainError:
    return DomainError(
        ErrorCode.ALARMS_INVALID,
        f"{len(refused)} of {total} alarms were refused and nothing was applied: drop the "
        "alarms named in details.alarms from the buffer and send the rest again.",
        {"alarms": refused},
    )
