"""A customer's status query through a chat channel, ``POST /api/v1/chat/status-query``.

The request is the channel's (its id in the address, its secret's signature, a timestamp within
five minutes, a nonce never used in that window: else 401 and nothing is written). Then, in one
transaction that holds the channel's row (its queries take turns, so every process counts
them alike): the query is counted against the sender's and the channel's limits, and the
number it names is looked up in the channel's tenant. Only a work order that is not cancelled
and whose customer has a contact with the sender's open id or phone number is answered, with
a progress card and a new portal link for that contact; every other query (an unknown number,
another customer's, another tenant's, a cancelled one, text without a number) gets one and the
same answer in the tenant's language, after the same counting and recording. Every query is
recorded, with the sender only as a keyed hash.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

import msgspec
from cryptography.exceptions import InvalidTag

from chat import cards, formats, sql, texts
from chat.desk import ChatDesk, Limits
from chat.sql import ChannelRow
from directory import services as directory
from kernel.clock import utcnow
from kernel.context import PortalCaller
from kernel.db import Database, Transaction
from kernel.errors import DomainError
from kernel.statements import Statement
from mobile_contract import chat as contract
from mobile_contract.directory import Contact
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from portal import links
from portal import texts as portal_texts

SKEW = timedelta(seconds=formats.SKEW_SECONDS)
LINK_DAYS = 7
MAX_ECHO = 200  # WeChat's echostr is a short random string
XML, JSON, TEXT = "application/xml; charset=utf-8", "application/json", "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A request to the webhook as received, nothing parsed yet."""

    channel: str  # the address's ``channel``
    query: dict[str, str]
    timestamp_header: str  # X-Fieldops-Timestamp
    signature_header: str  # X-Fieldops-Signature
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    status_code: int
    media_type: str
    body: bytes


class Outcome(StrEnum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"


class QueryThrottled(DomainError):
    """A generic channel's sender (or the channel) is over its limit: 429 with Retry-After;
    ``details.text`` is what to tell the customer."""

    def __init__(self, retry_after: int, text: str) -> None:
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"Too many status queries; try again in {retry_after} s.",
            {"retry_after_seconds": retry_after, "text": text},
        )
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Signed:
    timestamp: str
    nonce: str  # WeChat's; the generic style's is its signature (a replay repeats it)


@dataclass(frozen=True, slots=True)
class _Asked:
    open_id: str
    phone: str  # formats.phone_key of the phone given
    text: str


@dataclass(frozen=True, slots=True)
class _Looked:
    outcome: Outcome
    language: contract.ChatLanguage
    retry_after: int = 0
    caller: PortalCaller | None = None
    token: str = ""


def _refuse(code: ErrorCode, message: str) -> DomainError:
    return DomainError(code, message)


_NOT_SIGNED = (
    "This request is not signed with the secret of an enabled chat channel: check the "
    "channel id in the address and the secret (WeChat's Token) the channel signs with."
)


async def answer(*, db: Database, desk: ChatDesk, delivery: Delivery) -> Reply:
    """The answer to one query, in the channel's format (WeChat: always 200, it retries
    anything else; generic: 200, or 429 over a limit)."""
    now = utcnow()
    channel, secret = await _channel(db, desk, delivery.channel)
    if channel.style == "wechat":
        signed = _wechat_signed(delivery, secret, now)
        message = formats.read_wechat(delivery.body)
        if message.kind == "event":  # following, menus: nothing to answer
            await _looked_up(db, desk, channel, signed, None, now)
            return Reply(200, TEXT, b"success")
        asked = _Asked(message.open_id, "", message.text if message.kind == "text" else "")
    else:
        signed = _generic_signed(delivery, secret, now)
        query = formats.read_generic(delivery.body)
        sender = query.sender
        asked = _Asked(sender.open_id, formats.phone_key(sender.phone), query.text)
    looked = await _looked_up(db, desk, channel, signed, asked, now)
    assert looked is not None
    words = texts.words(looked.language)
    card = None
    if looked.outcome is Outcome.ANSWERED and looked.caller is not None:
        card = await cards.card(
            db=db,
            caller=looked.caller,
            portal_link=desk.portal_url(looked.token),
            language=looked.language,
            now=now,
        )
        text = cards.text_of(card)
    else:
        text = words["try_later" if looked.outcome is Outcome.RATE_LIMITED else "not_found"]
    if channel.style == "wechat":
        return Reply(
            200, XML, formats.wechat_reply(message, created=signed.timestamp, content=text)
        )
    if looked.outcome is Outcome.RATE_LIMITED:
        raise QueryThrottled(looked.retry_after, text)
    return Reply(200, JSON, msgspec.json.encode(contract.ChatAnswer(card=card, text=text)))


async def verify_url(*, db: Database, desk: ChatDesk, delivery: Delivery) -> Reply:
    """WeChat's check of the server address (``GET`` with ``echostr``): the echo, when the
    request is signed with a WeChat channel's Token."""
    channel, secret = await _channel(db, desk, delivery.channel)
    if channel.style != "wechat":
        raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED)
    _wechat_signed(delivery, secret, utcnow())
    echo = delivery.query.get("echostr", "")
    if not formats.NONCE.match(echo) or len(echo) > MAX_ECHO:
        raise _refuse(ErrorCode.VALIDATION_FAILED, "echostr must be printable ASCII.")
    return Reply(200, TEXT, echo.encode())


async def _channel(db: Database, desk: ChatDesk, raw_id: str) -> tuple[ChannelRow, str]:
    """The enabled channel the address names, and its secret (an unknown, disabled or
    unreadable one is refused as a bad signature is: the same answer)."""
    try:
        channel_id = UUID(raw_id)
    except ValueError:
        raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED) from None
    row = await db.fetch_one(sql.CHANNEL_BY_ID, ChannelRow, id=channel_id)
    if row is None or not row.enabled:
        raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED)
    try:
        return row, desk.keys.open(row.id, row.sealed_secret)
    except (InvalidTag, ValueError):
        raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED) from None


def _wechat_signed(delivery: Delivery, token: str, now: datetime) -> _Signed:
    query = delivery.query
    missing = [name for name in ("signature", "timestamp", "nonce") if not query.get(name)]
    if missing:
        raise _refuse(
            ErrorCode.SIGNATURE_INVALID,
            f"WeChat signs its requests in the address: {', '.join(missing)} missing.",
        )
    timestamp, nonce = query["timestamp"], query["nonce"]
    _in_window(timestamp, now)
    if not formats.NONCE.match(nonce):
        raise _refuse(ErrorCode.SIGNATURE_INVALID, "nonce must be 1 to 64 printable characters.")
    expected = formats.wechat_signature(token, timestamp, nonce)
    if not formats.same_signature(expected, query["signature"]):
        raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED)
    return _Signed(timestamp, nonce)


def _generic_signed(delivery: Delivery, secret: str, now: datetime) -> _Signed:
    timestamp, signature = delivery.timestamp_header, delivery.signature_header
    if not timestamp or not signature:
        raise _refuse(
            ErrorCode.SIGNATURE_INVALID,
            "Sign the query: X-Fieldops-Timestamp and X-Fieldops-Signature, the hex "
            'HMAC-SHA256 of the timestamp, "." and the body with the channel\'s secret.',
        )
    _in_window(timestamp, now)
    expected = formats.generic_signature(secret, timestamp, delivery.body)
    if not formats.same_signature(expected, signature):
        raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED)
    return _Signed(timestamp, expected)


def _in_window(timestamp: str, now: datetime) -> None:
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise _refuse(
            ErrorCode.TIMESTAMP_OUT_OF_WINDOW, "The timestamp must be Unix time in whole seconds."
        )
    if abs(now - datetime.fromtimestamp(int(timestamp), tz=UTC)) > SKEW:
        raise _refuse(
            ErrorCode.TIMESTAMP_OUT_OF_WINDOW,
            "The timestamp is more than 5 minutes from the server's clock; sign with the "
            "current time.",
        )


async def _looked_up(
    db: Database,
    desk: ChatDesk,
    channel: ChannelRow,
    signed: _Signed,
    asked: _Asked | None,
    now: datetime,
) -> _Looked | None:
    """The nonce claimed, and the query (None: a WeChat event, nothing to answer) counted,
    looked up and recorded, a link issued when it is answered: one transaction."""
    tenant = channel.tenant
    async with db.transaction() as tx:
        claimed = await tx.fetch(
            sql.CLAIM_NONCE,
            sql.Id,
            id=uuid4(),
            tenant=tenant,
            channel=channel.id,
            nonce=signed.nonce,
            now=now,
        )
        if not claimed:
            raise _refuse(
                ErrorCode.REQUEST_REPLAYED,
                "This request was already received: sign every request, retries included, "
                "anew (a new nonce and timestamp).",
            )
        await tx.execute(sql.PURGE_NONCES, tenant=tenant, channel=channel.id, cutoff=now - 2 * SKEW)
        if asked is None:
            return None
        if await tx.fetch_one(sql.HOLD_CHANNEL, sql.Id, tenant=tenant, id=channel.id) is None:
            raise _refuse(ErrorCode.SIGNATURE_INVALID, _NOT_SIGNED)  # disabled meanwhile
        locale = await tx.fetch_one(sql.TENANT_LOCALE, sql.Locale, tenant=tenant)
        tenant_language = _language("", locale.locale if locale else "")
        sender_hash = desk.keys.sender_hash(_sender(asked))
        number = formats.number_in(asked.text)

        async def record(outcome: Outcome, work_order_id: UUID | None = None) -> None:
            await tx.execute(
                sql.RECORD_QUERY,
                id=uuid4(),
                tenant=tenant,
                channel=channel.id,
                sender_hash=sender_hash,
                asked=number,
                work_order=work_order_id,
                outcome=outcome.value,
                now=now,
            )

        wait = await _wait(tx, desk.limits, channel, sender_hash, now)
        if wait is not None:
            await record(Outcome.RATE_LIMITED)
            return _Looked(Outcome.RATE_LIMITED, tenant_language, retry_after=wait)
        found = await _match(tx, tenant, number, asked)
        if found is None:
            await record(Outcome.NOT_FOUND)
            return _Looked(Outcome.NOT_FOUND, tenant_language)
        work_order_id, contact = found
        link_id, token = await links.issue_in(
            tx,
            tenant_id=tenant,
            work_order_id=work_order_id,
            contact_name=contact.name,
            contact_phone=contact.phone,
            valid_days=LINK_DAYS,
            now=now,
            issued_by="chat",
        )
        await record(Outcome.ANSWERED, work_order_id)
    caller = cards.caller_for(
        tenant_id=tenant,
        work_order_id=work_order_id,
        link_id=link_id,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    preferred = contact.locale if isinstance(contact.locale, str) else ""
    language = _language(preferred, locale.locale if locale else "")
    return _Looked(Outcome.ANSWERED, language, caller=caller, token=token)


def _sender(asked: _Asked) -> str:
    """Who the limits count: the phone number when given, else the open id."""
    if asked.phone:
        return f"phone:{asked.phone}"
    return f"open_id:{asked.open_id}"


async def _wait(
    tx: Transaction, limits: Limits, channel: ChannelRow, sender_hash: str, now: datetime
) -> int | None:
    """Seconds until the sender (or the channel) may ask again; None while under both limits."""
    checks: tuple[tuple[Statement, int, timedelta, dict[str, str]], ...] = (
        (sql.SENDER_QUERIES, limits.per_sender, limits.sender_window, {"sender": sender_hash}),
        (sql.CHANNEL_QUERIES, limits.per_channel, limits.channel_window, {}),
    )
    for statement, limit, window, extra in checks:
        counted = await tx.fetch_one(
            statement,
            sql.Counted,
            tenant=channel.tenant,
            channel=channel.id,
            since=now - window,
            **extra,
        )
        if counted is not None and counted.n >= limit:
            first = counted.first_at or now
            return max(1, int((first + window - now).total_seconds()) + 1)
    return None


async def _match(
    tx: Transaction, tenant_id: UUID, number: str, asked: _Asked
) -> tuple[UUID, Contact] | None:
    """The work order ``number`` names, if it is one of the sender's customer's and not
    cancelled, and the sender's contact there."""
    if not number:
        return None
    row = await tx.fetch_one(
        sql.WORK_ORDER_BY_NUMBER, sql.Numbered, tenant=tenant_id, number=number
    )
    if row is None or row.customer is None or row.status == WorkOrderStatus.CANCELLED:
        return None
    customer = await directory.customer_by_id(tenant_id, row.customer, reader=tx)
    for contact in customer.contacts if customer else []:
        if asked.open_id and contact.wechat_open_id == asked.open_id:
            return row.id, contact
        if asked.phone and formats.phone_key(contact.phone) == asked.phone:
            return row.id, contact
    return None


def _language(preferred: str, tenant_default: str) -> contract.ChatLanguage:
    chosen = portal_texts.choose_language(
        accept_language="", override=preferred, tenant_default=tenant_default
    )
    return "en" if chosen == portal_texts.EN else "zh-CN"
