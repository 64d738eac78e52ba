"""A tenant's chat channels, managed by admins: created with a secret shown once, listed without
it, given a new one (the old one stops at once), switched off for good."""

from uuid import UUID, uuid4

from chat import sql
from chat.desk import ChatDesk, new_secret
from chat.sql import ChannelRow
from kernel.clock import utcnow
from kernel.context import ADMIN_ONLY, Actor, require_role
from kernel.db import Database, Reader
from kernel.errors import NotFound
from mobile_contract import chat as contract


async def create(
    *, db: Database, actor: Actor, desk: ChatDesk, data: contract.ChatChannelCreate
) -> contract.ChatChannelWithSecret:
    require_role(actor, ADMIN_ONLY, "add chat channels")
    channel_id, secret, now = uuid4(), new_secret(), utcnow()
    async with db.transaction() as tx:
        await tx.execute(
            sql.INSERT_CHANNEL,
            id=channel_id,
            tenant=actor.tenant_id,
            name=data.name,
            style=data.style,
            sealed_secret=desk.keys.seal(channel_id, secret),
            created_by=actor.user_id,
            now=now,
        )
        row = await _load(tx, actor.tenant_id, channel_id)
    return contract.ChatChannelWithSecret(channel=shown(row, desk), secret=secret)


async def list_channels(*, db: Database, actor: Actor, desk: ChatDesk) -> contract.ChatChannelList:
    require_role(actor, ADMIN_ONLY, "see the chat channels")
    rows = await db.fetch(sql.CHANNELS, ChannelRow, tenant=actor.tenant_id)
    return contract.ChatChannelList(items=[shown(row, desk) for row in rows])


async def rotate(
    *, db: Database, actor: Actor, desk: ChatDesk, channel_id: UUID
) -> contract.ChatChannelWithSecret:
    """A new secret; queries signed with the previous one are refused from now on."""
    require_role(actor, ADMIN_ONLY, "change chat channel secrets")
    secret = new_secret()
    async with db.transaction() as tx:
        await _load(tx, actor.tenant_id, channel_id)
        await tx.execute(
            sql.ROTATE_SECRET,
            tenant=actor.tenant_id,
            id=channel_id,
            sealed_secret=desk.keys.seal(channel_id, secret),
            now=utcnow(),
        )
        row = await _load(tx, actor.tenant_id, channel_id)
    return contract.ChatChannelWithSecret(channel=shown(row, desk), secret=secret)


async def disable(
    *, db: Database, actor: Actor, desk: ChatDesk, channel_id: UUID
) -> contract.ChatChannel:
    """No query through the channel is answered any more; disabling it again changes nothing."""
    require_role(actor, ADMIN_ONLY, "disable chat channels")
    async with db.transaction() as tx:
        await _load(tx, actor.tenant_id, channel_id)
        await tx.execute(sql.DISABLE, tenant=actor.tenant_id, id=channel_id, now=utcnow())
        row = await _load(tx, actor.tenant_id, channel_id)
    return shown(row, desk)


async def _load(reader: Reader, tenant_id: UUID, channel_id: UUID) -> ChannelRow:
    row = await reader.fetch_one(sql.CHANNEL, ChannelRow, tenant=tenant_id, id=channel_id)
    if row is None:
        raise NotFound("chat channel", channel_id)
    return row


def shown(row: ChannelRow, desk: ChatDesk) -> contract.ChatChannel:
    return contract.ChatChannel(
        id=row.id,
        name=row.name,
        style="wechat" if row.style == "wechat" else "generic",
        enabled=row.enabled,
        webhook_url=desk.webhook_url(row.id),
        created_at=row.created_at,
        secret_rotated_at=row.secret_rotated_at,
        disabled_at=row.disabled_at,
    )
