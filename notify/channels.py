"""A tenant's channels and its customers' group robots, managed by admins.

Secrets are sealed before they are stored and never answered back (``has_secret`` says
whether one is set); a ``PUT`` without ``secret`` keeps the stored one. A channel is checked
when it is saved, so a switched-on channel has what its provider needs: the relay never
finds out at three in the morning that the SMS gateway's address was left empty.
"""

from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import ADMIN_ONLY, Actor, require_role
from kernel.db import Database
from kernel.errors import ConfigInvalid, NotFound
from kernel.rows import json_text
from mobile_contract import notify as contract
from notify import sql
from notify.compose import ROBOT_KINDS, channel_field, robot_field
from notify.secrets import Sealer

KINDS: tuple[contract.ChannelKind, ...] = ("sms", "wechat", "wecom", "dingtalk")
_OPTIONS = ("sign_name", "template_code", "template_id", "app_id", "token_endpoint")
# What each kind takes besides enabled; the rest must be left empty.
_TAKES: dict[str, frozenset[str]] = {
    "sms": frozenset({"endpoint", "secret", "sign_name", "template_code"}),
    "wechat": frozenset({"endpoint", "secret", "template_id", "app_id", "token_endpoint"}),
    "wecom": frozenset(),
    "dingtalk": frozenset(),
}
_NEEDS: dict[str, tuple[str, ...]] = {
    "sms": ("endpoint", "secret"),
    "wechat": ("endpoint", "secret", "template_id"),
}
_ROBOT_KEY = {"wecom": "key", "dingtalk": "access_token"}  # the robot's key, in its URL


async def list_channels(*, db: Database, actor: Actor) -> contract.NotifyChannelList:
    require_role(actor, ADMIN_ONLY, "see the notification channels")
    rows = await db.fetch(sql.CHANNELS, sql.ChannelShown, tenant=actor.tenant_id)
    saved = {row.kind: row for row in rows}
    return contract.NotifyChannelList(
        items=[
            _shown(saved[kind])
            if kind in saved
            else contract.NotifyChannel(kind=kind, configured=False)
            for kind in KINDS
        ]
    )


async def save_channel(
    *,
    db: Database,
    actor: Actor,
    sealer: Sealer,
    kind: contract.ChannelKind,
    data: contract.NotifyChannelUpdate,
) -> contract.NotifyChannel:
    require_role(actor, ADMIN_ONLY, "change the notification channels")
    given = {"endpoint": data.endpoint, **{name: getattr(data, name) for name in _OPTIONS}}
    if not isinstance(data.secret, contract.Unset):
        given["secret"] = data.secret
    for name, value in given.items():
        if value and name not in _TAKES[kind]:
            raise ConfigInvalid(name, _not_taken(kind))
    if given.get("token_endpoint") and not data.app_id:
        raise ConfigInvalid("token_endpoint", "tokens are fetched only with an app_id")
    now = utcnow()
    async with db.transaction() as tx:
        stored = await tx.fetch_one(
            sql.CHANNEL, sql.ChannelShown, tenant=actor.tenant_id, kind=kind
        )
        if isinstance(data.secret, contract.Unset):
            sealed = stored.sealed_secret if stored is not None else ""
        else:
            sealed = sealer.seal(actor.tenant_id, channel_field(kind), data.secret)
        if data.enabled:
            present = {**given, "secret": sealed}
            for name in _NEEDS.get(kind, ()):
                if not present.get(name):
                    raise ConfigInvalid(name, f"the {kind} channel needs it to be switched on")
        options = {name: getattr(data, name) for name in _OPTIONS if getattr(data, name)}
        saved = await tx.fetch_one(
            sql.SAVE_CHANNEL,
            sql.Id,
            id=uuid4(),
            tenant=actor.tenant_id,
            kind=kind,
            enabled=data.enabled,
            endpoint=data.endpoint,
            sealed=sealed,
            options=json_text(options),
            user=actor.user_id,
            now=now,
        )
    assert saved is not None  # an upsert answers its row
    return contract.NotifyChannel(
        id=saved.id,
        kind=kind,
        configured=True,
        enabled=data.enabled,
        endpoint=data.endpoint,
        has_secret=bool(sealed),
        updated_at=now,
        **options,
    )


def _not_taken(kind: str) -> str:
    if kind in ROBOT_KINDS:
        return (
            f"{kind} robots are set per customer (PUT /api/v1/notify/customers/{{customer_id}}"
            f"/robots/{kind}); the channel only switches them on"
        )
    takes = ", ".join(sorted(_TAKES[kind]))
    return f"the {kind} channel takes only enabled, {takes}"


def _shown(row: sql.ChannelShown) -> contract.NotifyChannel:
    options = {name: str(row.options.get(name) or "") for name in _OPTIONS}
    return contract.NotifyChannel(
        id=row.id,
        kind=row.kind,
        configured=True,
        enabled=row.enabled,
        endpoint=row.endpoint,
        has_secret=bool(row.sealed_secret),
        updated_at=row.updated_at,
        **options,
    )


async def list_robots(
    *, db: Database, actor: Actor, customer_id: UUID
) -> contract.CustomerRobotList:
    require_role(actor, ADMIN_ONLY, "see the customers' group robots")
    async with db.snapshot() as reader:
        if (
            await reader.fetch_one(
                sql.CUSTOMER_EXISTS, sql.Id, tenant=actor.tenant_id, id=customer_id
            )
            is None
        ):
            raise NotFound("customer", customer_id)
        rows = await reader.fetch(
            sql.ROBOTS_OF, sql.RobotShown, tenant=actor.tenant_id, customer=customer_id
        )
    return contract.CustomerRobotList(items=[_robot(row) for row in rows])


async def save_robot(
    *,
    db: Database,
    actor: Actor,
    sealer: Sealer,
    customer_id: UUID,
    kind: contract.RobotKind,
    data: contract.CustomerRobotUpdate,
) -> contract.CustomerRobot:
    require_role(actor, ADMIN_ONLY, "change the customers' group robots")
    url = None if isinstance(data.webhook_url, contract.Unset) else data.webhook_url
    secret = None if isinstance(data.secret, contract.Unset) else data.secret
    now = utcnow()
    async with db.transaction() as tx:
        customer = await tx.fetch_one(
            sql.CUSTOMER_EXISTS, sql.Id, tenant=actor.tenant_id, id=customer_id
        )
        if customer is None:  # before the checks: the same answer as for a random id
            raise NotFound("customer", customer_id)
        if url is not None:
            _check_webhook(kind, url)
        if secret and (kind != "dingtalk" or not secret.startswith("SEC")):
            raise ConfigInvalid(
                "secret",
                "secret is DingTalk's 加签 secret (SEC…, from the robot's security settings); "
                "a WeCom robot's key is in its webhook address",
            )
        stored = await tx.fetch_one(
            sql.ROBOT, sql.RobotSecrets, tenant=actor.tenant_id, customer=customer_id, kind=kind
        )
        if url is not None:
            webhook = sealer.seal(customer_id, robot_field(kind, "webhook"), url)
            host = urlsplit(url).hostname or ""
        elif stored is not None:
            webhook, host = stored.sealed_webhook, stored.webhook_host
        else:
            raise ConfigInvalid("webhook_url", "a new robot needs its webhook address")
        if secret is not None:
            sealed_secret = sealer.seal(customer_id, robot_field(kind, "secret"), secret)
        else:
            sealed_secret = stored.sealed_secret if stored is not None else ""
        saved = await tx.fetch_one(
            sql.SAVE_ROBOT,
            sql.Id,
            id=uuid4(),
            tenant=actor.tenant_id,
            customer=customer_id,
            kind=kind,
            enabled=data.enabled,
            webhook=webhook,
            host=host,
            secret=sealed_secret,
            user=actor.user_id,
            now=now,
        )
    assert saved is not None  # an upsert answers its row
    return contract.CustomerRobot(
        id=saved.id,
        customer_id=customer_id,
        kind=kind,
        enabled=data.enabled,
        webhook_host=host,
        has_secret=bool(sealed_secret),
        updated_at=now,
    )


def _check_webhook(kind: str, url: str) -> None:
    key = _ROBOT_KEY[kind]
    if not parse_qs(urlsplit(url).query).get(key):
        raise ConfigInvalid(
            "webhook_url", f"a {kind} robot's webhook address carries ?{key}=…; this one has none"
        )


def _robot(row: sql.RobotShown) -> contract.CustomerRobot:
    return contract.CustomerRobot(
        id=row.id,
        customer_id=row.customer_id,
        kind=row.kind,
        enabled=row.enabled,
        webhook_host=row.webhook_host,
        has_secret=bool(row.sealed_secret),
        updated_at=row.updated_at,
    )
