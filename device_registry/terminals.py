"""IoT terminals: admins register, configure, rotate and revoke them; each request a terminal
makes is authenticated by its signature (``device_registry/signing.py``).

A terminal is refused when its id is unknown, it was revoked, the signature is not its
current secret's (nor, during the grace period after a rotation, its previous one's), the
timestamp is off by more than five minutes, or the nonce was used within that window.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec
from cryptography.exceptions import InvalidTag

from device_registry import signing, sql
from device_registry.secrets import SecretBox, new_secret
from device_registry.sql import Credentials, TerminalRow
from directory import services as directory
from kernel.clock import utcnow
from kernel.context import (
    ADMIN_ONLY,
    DISPATCH_ROLES,
    Actor,
    RequestMeta,
    TerminalCaller,
    require_role,
)
from kernel.db import Database, Reader
from kernel.errors import AlreadyExists, DomainError, NotFound
from kernel.rows import json_text
from mobile_contract import iot
from mobile_contract.errors import ErrorCode

SKEW = timedelta(seconds=signing.SKEW_SECONDS)
SEEN_EVERY = timedelta(seconds=60)  # last_seen_at moves at most this often outside heartbeats
PURGE_EVERY = 1000  # nonce claims between two purges of the expired ones


@dataclass(frozen=True, slots=True)
class Signed:
    """What a signed request or message carries, as received (nothing parsed yet)."""

    device_id: str
    timestamp: str
    nonce: str
    signature: str
    method: str
    path: str
    body: bytes


def _refuse(code: ErrorCode, message: str, **details: Any) -> DomainError:
    return DomainError(code, message, details)


# Admins ------------------------------------------------------------------------------------


async def register(
    *,
    db: Database,
    actor: Actor,
    box: SecretBox,
    data: iot.TerminalRegistration,
    secret: str | None = None,
) -> iot.TerminalWithSecret:
    """``secret``: a chosen one (the demo's, derived from the server key); else random."""
    require_role(actor, ADMIN_ONLY, "register IoT terminals")
    terminal_id, now = uuid4(), utcnow()
    secret = secret or new_secret()
    async with db.transaction() as tx:
        await directory.check_reference(
            "asset", actor.tenant_id, data.asset_id, "asset_id", reader=tx
        )
        inserted = await tx.fetch(
            sql.INSERT_TERMINAL,
            sql.Claimed,
            id=terminal_id,
            tenant=actor.tenant_id,
            asset=data.asset_id,
            device_code=data.device_code,
            model=data.model,
            firmware=data.firmware,
            status=iot.TerminalStatus.ACTIVE.value,
            secret=box.seal(terminal_id, secret),
            thresholds=json_text(data.thresholds),
            now=now,
        )
        if not inserted:
            raise AlreadyExists("terminal", "device_code", data.device_code)
        row = await _load(tx, actor.tenant_id, terminal_id)
    return iot.TerminalWithSecret(terminal=sql.public(row), secret=secret)


async def list_terminals(*, db: Database, actor: Actor) -> iot.TerminalList:
    require_role(actor, DISPATCH_ROLES, "list IoT terminals")
    rows = await db.fetch(sql.TERMINALS, TerminalRow, tenant=actor.tenant_id)
    return iot.TerminalList(items=[sql.public(row) for row in rows])


async def get(*, db: Database, actor: Actor, terminal_id: UUID) -> iot.Terminal:
    require_role(actor, DISPATCH_ROLES, "read IoT terminals")
    async with db.snapshot() as reader:
        return sql.public(await _load(reader, actor.tenant_id, terminal_id))


async def update(
    *, db: Database, actor: Actor, terminal_id: UUID, data: iot.TerminalUpdate
) -> iot.Terminal:
    """A change of thresholds raises ``config_version``: the terminal pulls it."""
    require_role(actor, ADMIN_ONLY, "configure IoT terminals")
    async with db.transaction() as tx:
        row = await _load(tx, actor.tenant_id, terminal_id)
        thresholds = row.thresholds if data.thresholds is msgspec.UNSET else data.thresholds
        await tx.execute(
            sql.UPDATE_TERMINAL,
            tenant=actor.tenant_id,
            id=terminal_id,
            thresholds=json_text(thresholds),
            model=row.model if data.model is msgspec.UNSET else data.model,
            firmware=row.firmware if data.firmware is msgspec.UNSET else data.firmware,
            config_version=row.config_version + (thresholds != row.thresholds),
            now=utcnow(),
        )
        return sql.public(await _load(tx, actor.tenant_id, terminal_id))


async def rotate(
    *,
    db: Database,
    actor: Actor,
    box: SecretBox,
    terminal_id: UUID,
    data: iot.SecretRotation,
) -> iot.TerminalWithSecret:
    """A new secret; the current one keeps signing for ``grace_seconds`` (0: not at all)."""
    require_role(actor, ADMIN_ONLY, "rotate terminal secrets")
    secret, now = new_secret(), utcnow()
    async with db.transaction() as tx:
        row = await _load(tx, actor.tenant_id, terminal_id)
        if row.status is iot.TerminalStatus.REVOKED:
            raise _refuse(
                ErrorCode.TERMINAL_REVOKED,
                f"Terminal {row.device_code} is revoked; register it again.",
                id=str(terminal_id),
            )
        graced = data.grace_seconds > 0
        await tx.execute(
            sql.ROTATE_SECRET,
            tenant=actor.tenant_id,
            id=terminal_id,
            secret=box.seal(terminal_id, secret),
            previous=row.secret if graced else "",
            valid_until=now + timedelta(seconds=data.grace_seconds) if graced else None,
            now=now,
        )
        row = await _load(tx, actor.tenant_id, terminal_id)
    return iot.TerminalWithSecret(terminal=sql.public(row), secret=secret)


async def revoke(*, db: Database, actor: Actor, terminal_id: UUID) -> iot.Terminal:
    """Its secrets are erased: nothing it signed is accepted again. Its alarms stay."""
    require_role(actor, ADMIN_ONLY, "revoke IoT terminals")
    async with db.transaction() as tx:
        await _load(tx, actor.tenant_id, terminal_id)
        await tx.execute(
            sql.REVOKE_TERMINAL,
            tenant=actor.tenant_id,
            id=terminal_id,
            status=iot.TerminalStatus.REVOKED.value,
            now=utcnow(),
        )
        return sql.public(await _load(tx, actor.tenant_id, terminal_id))


async def _load(reader: Reader, tenant_id: UUID, terminal_id: UUID) -> TerminalRow:
    row = await reader.fetch_one(sql.TERMINAL, TerminalRow, tenant=tenant_id, id=terminal_id)
    if row is None:
        raise NotFound("terminal", terminal_id)
    return row


# Terminals ---------------------------------------------------------------------------------


async def heartbeat(
    *, db: Database, terminal: TerminalCaller, data: iot.Heartbeat
) -> iot.HeartbeatAnswer:
    now = utcnow()
    async with db.transaction() as tx:
        row = await _load(tx, terminal.tenant_id, terminal.terminal_id)
        await tx.execute(
            sql.HEARTBEAT,
            tenant=terminal.tenant_id,
            id=terminal.terminal_id,
            heartbeat=json_text(msgspec.to_builtins(data)),
            firmware=data.firmware or row.firmware,
            now=now,
        )
    return iot.HeartbeatAnswer(server_time=now, config=_config(row))


async def config(*, db: Database, terminal: TerminalCaller) -> iot.TerminalConfig:
    async with db.snapshot() as reader:
        return _config(await _load(reader, terminal.tenant_id, terminal.terminal_id))


def _config(row: TerminalRow) -> iot.TerminalConfig:
    return iot.TerminalConfig(
        id=row.id,
        device_code=row.device_code,
        thresholds=row.thresholds,
        config_version=row.config_version,
    )


class Authenticator:
    """Checks signatures. It remembers only how many nonces it claimed since it last purged
    the expired ones; everything else is in the database, so any number of processes agree."""

    def __init__(self, box: SecretBox) -> None:
        self.box = box
        self._claims = 0

    async def request(self, *, db: Database, signed: Signed, meta: RequestMeta) -> TerminalCaller:
        """An HTTP request: the timestamp within five minutes and the nonce never seen in
        that window (a replay is refused even when the signature is good)."""
        now = utcnow()
        timestamp = _timestamp(signed.timestamp)
        if abs(now - timestamp) > SKEW:
            raise _refuse(
                ErrorCode.TIMESTAMP_OUT_OF_WINDOW,
                "X-Timestamp is more than 5 minutes from the server's clock; set the "
                "terminal's clock (NTP) and sign again.",
                server_time=now.isoformat(),
            )
        row = await self._verified(db, signed, now)
        claimed = await db.write(
            sql.CLAIM_NONCE,
            sql.Claimed,
            id=uuid4(),
            tenant=row.tenant_id,
            terminal=row.id,
            nonce=signed.nonce,
            now=now,
        )
        if not claimed:
            raise _refuse(
                ErrorCode.REQUEST_REPLAYED,
                "This X-Nonce was already used: sign every request, retries included, "
                "with a new random nonce.",
            )
        await _seen(db, row, now)
        self._claims += 1
        if self._claims >= PURGE_EVERY:
            self._claims = 0
            await db.execute(sql.PURGE_NONCES, cutoff=now - 2 * SKEW)
        return _caller(row, meta)

    async def message(
        self, *, db: Database, tenant_slug: str, device_code: str, signed: Signed
    ) -> TerminalCaller:
        """An MQTT message on ``fieldops/{tenant}/{device_code}/alarms``. The broker may hold
        a message for as long as the ingest process is down, so an old timestamp is accepted
        (only one from the future is not), and no nonce is claimed: what a replayed message
        carries is alarms, which are deduplicated by their ids."""
        now = utcnow()
        if _timestamp(signed.timestamp) - now > SKEW:
            raise _refuse(
                ErrorCode.TIMESTAMP_OUT_OF_WINDOW,
                "The message's timestamp is more than 5 minutes ahead of the server's clock.",
            )
        row = await self._verified(db, signed, now)
        if (row.tenant_slug, row.device_code) != (tenant_slug, device_code):
            raise _refuse(
                ErrorCode.SIGNATURE_INVALID,
                "The message's device_id is not the terminal of the topic it was published on.",
            )
        await _seen(db, row, now)
        return _caller(row, RequestMeta(device_id=row.device_code, user_agent="mqtt"))

    async def _verified(self, db: Database, signed: Signed, now: datetime) -> Credentials:
        if not signing.NONCE.match(signed.nonce):
            raise _refuse(
                ErrorCode.NOT_AUTHENTICATED,
                "X-Nonce must be 1 to 64 printable ASCII characters without spaces.",
            )
        try:
            terminal_id = UUID(signed.device_id)
        except ValueError:
            terminal_id = None
        row = (
            None
            if terminal_id is None
            else await db.fetch_one(sql.CREDENTIALS, Credentials, id=terminal_id)
        )
        if row is None:
            raise _refuse(
                ErrorCode.TERMINAL_UNKNOWN,
                "No terminal has this X-Device-Id: use the id given when it was registered.",
            )
        if row.status is iot.TerminalStatus.REVOKED:
            raise _refuse(ErrorCode.TERMINAL_REVOKED, "This terminal was revoked by an admin.")
        secrets = [row.secret]
        valid_until = row.previous_secret_valid_until
        if row.previous_secret and valid_until is not None and valid_until > now:
            secrets.append(row.previous_secret)
        for sealed in secrets:
            try:
                secret = self.box.open(row.id, sealed)
            except (InvalidTag, ValueError):
                continue
            if signing.signed_by(
                secret,
                signed.signature,
                signed.method,
                signed.path,
                signed.timestamp,
                signed.nonce,
                signed.body,
            ):
                return row
        raise _refuse(
            ErrorCode.SIGNATURE_INVALID,
            "X-Signature is not this terminal's signature of the request (see the firmware "
            "guide: method, path, timestamp, nonce and the body's SHA-256, one per line).",
        )


async def _seen(db: Database, row: Credentials, now: datetime) -> None:
    """Last seen moves on any authenticated request or message, at most once a minute."""
    if row.last_seen_at is None or now - row.last_seen_at >= SEEN_EVERY:
        await db.execute(sql.SEEN, id=row.id, now=now, stale=now - SEEN_EVERY)


def _timestamp(text: str) -> datetime:
    try:
        seconds = int(text)
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise _refuse(
            ErrorCode.TIMESTAMP_OUT_OF_WINDOW,
            "X-Timestamp must be the Unix time in whole seconds.",
        ) from None


def _caller(row: Credentials, meta: RequestMeta) -> TerminalCaller:
    """The terminal, its device code standing in the metadata for the device id."""
    return TerminalCaller(
        tenant_id=row.tenant_id,
        terminal_id=row.id,
        device_code=row.device_code,
        asset_id=row.asset_id,
        site_id=row.site_id,
        meta=replace(meta, device_id=row.device_code),
    )
