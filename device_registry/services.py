"""Register, rotate and unregister app installations; find the devices a notification targets.

An installation id (unique within a tenant) belongs to one user at a time. Another user may
take it over only after its user unregistered it (logout) or was deactivated by an admin; no
token or id presented changes that, so nothing the API shows (device ids on the dispatch
board) can divert an engineer's pushes. Push tokens are never returned, only their last
characters.
A push token addresses one installation, so registering it disables the tenant's other rows
holding it (never another tenant's: tenants do not change each other's rows).
"""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from accounts.tables import User
from device_registry.tables import Device
from kernel import sql
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor
from kernel.db import Database
from kernel.errors import DomainError, Forbidden, NotFound
from kernel.rows import to_struct
from mobile_contract import devices as contract
from mobile_contract.enums import Platform
from mobile_contract.errors import ErrorCode

UNREGISTERED = "unregistered"
TOKEN_MOVED = "the push token was registered by another installation"
SUFFIX_LENGTH = 6  # of a push token, in answers: enough to tell two apart, useless to send
REGISTERED_TO_ANOTHER_USER = "registered_to_another_user"  # details.reason of the 409

_COLUMNS = (
    Device.installation.as_alias("id"),
    Device.user.as_alias("user_id"),
    Device.platform,
    Device.push_token,
    Device.apns_environment,
    Device.app_bundle_id,
    Device.app_version,
    Device.locale,
    Device.time_zone,
    Device.enabled,
    Device.disabled_reason,
    Device.token_registered_at,
    Device.last_seen_at,
    Device.created_at,
    Device.updated_at,
)


async def register(
    *, db: Database, actor: Actor, data: contract.DeviceRegistration
) -> contract.Device:
    if data.platform is Platform.IOS and not data.app_bundle_id:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "An iOS device needs app_bundle_id: it is the APNs topic of its notifications.",
            {"field": "app_bundle_id"},
        )
    now, device_id = utcnow(), data.id
    details: dict[Any, Any] = {
        Device.platform: data.platform.value,
        Device.push_token: data.push_token,
        Device.apns_environment: data.apns_environment.value,
        Device.app_bundle_id: data.app_bundle_id,
        Device.app_version: data.app_version,
        Device.locale: data.locale,
        Device.time_zone: data.time_zone,
        Device.enabled: True,
        Device.disabled_reason: "",
        Device.last_seen_at: now,
        Device.updated_at: now,
    }
    async with db.transaction():
        mine = (Device.tenant == actor.tenant_id) & (Device.installation == device_id)
        stored = await Device.select().where(mine).first()
        if stored is None:
            await Device.insert(
                Device(
                    id=uuid4(),
                    installation=device_id,
                    tenant=actor.tenant_id,
                    user=actor.user_id,
                    token_registered_at=now,
                    created_at=now,
                    **{column._meta.name: value for column, value in details.items()},
                )
            )
        else:
            await _check_takeover(actor, stored)
            fresh_token = stored["push_token"] != data.push_token or not stored["enabled"]
            registered_at = now if fresh_token else stored["token_registered_at"]
            await Device.update(
                {
                    **details,
                    Device.user: actor.user_id,
                    Device.token_registered_at: registered_at,
                }
            ).where(mine)
        await Device.update(
            {Device.enabled: False, Device.disabled_reason: TOKEN_MOVED, Device.updated_at: now}
        ).where(
            (Device.tenant == actor.tenant_id)
            & (Device.push_token == data.push_token)
            & (Device.installation != device_id)
            & (Device.enabled == True)  # noqa: E712 - Piccolo builds SQL from the comparison
        )
        return await _load(actor, device_id)


async def _check_takeover(actor: Actor, stored: dict[str, Any]) -> None:
    """Another user's installation moves only once that user let it go: unregistered it
    (logout) or was deactivated. Disabled for another reason (the provider refused the token,
    another installation took the token) it still belongs to them."""
    if str(stored["user"]) == str(actor.user_id) or stored["disabled_reason"] == UNREGISTERED:
        return
    owner = await User.select(User.is_active).where(User.id == stored["user"]).first()
    if owner is not None and not owner["is_active"]:
        return
    raise DomainError(
        ErrorCode.ALREADY_EXISTS,
        "This app installation is registered to another user, who has not logged out of it. "
        "Log out of the app with that account first (it unregisters the installation), or ask "
        "an admin to deactivate that account; then register again.",
        {
            "resource": "device",
            "field": "id",
            "value": str(stored["installation"]),
            "reason": REGISTERED_TO_ANOTHER_USER,
        },
    )


def _device(row: dict[str, Any]) -> contract.Device:
    """The answer for a row: the token reduced to its suffix."""
    fields = dict(row)
    fields["push_token_suffix"] = str(fields.pop("push_token"))[-SUFFIX_LENGTH:]
    return to_struct(fields, contract.Device)


async def list_devices(
    *, db: Database, actor: Actor, user_id: UUID | None = None
) -> contract.DeviceList:
    """The caller's devices; the dispatch roles may look at anyone's in their tenant (to see
    why an engineer was not notified)."""
    if user_id is not None and user_id != actor.user_id and not actor.dispatches:
        raise Forbidden(
            "Only dispatchers, supervisors and admins may list another user's devices.",
            {"required_roles": sorted(DISPATCH_ROLES), "role": actor.role},
        )
    owner = user_id or actor.user_id
    async with db.snapshot():
        rows = (
            await Device.select(*_COLUMNS)
            .where((Device.tenant == actor.tenant_id) & (Device.user == owner))
            .order_by(Device.created_at)
        )
    return contract.DeviceList(items=[_device(row) for row in rows])


async def unregister(*, db: Database, actor: Actor, device_id: UUID) -> None:
    """Stop pushing to one of the caller's devices (logout). Repeating it is harmless."""
    now = utcnow()
    async with db.transaction():
        await _load(actor, device_id)
        await Device.update(
            {Device.enabled: False, Device.disabled_reason: UNREGISTERED, Device.updated_at: now}
        ).where((Device.tenant == actor.tenant_id) & (Device.installation == device_id))


async def _load(actor: Actor, device_id: UUID) -> contract.Device:
    row = (
        await Device.select(*_COLUMNS)
        .where(
            (Device.installation == device_id)
            & (Device.tenant == actor.tenant_id)
            & (Device.user == actor.user_id)
        )
        .first()
    )
    if row is None:
        raise NotFound("device", device_id)
    return _device(row)


_TARGETS = (
    'SELECT id, "user" AS user_id, platform, push_token, apns_environment, app_bundle_id,'
    " locale, time_zone, token_registered_at FROM device_registry_device"
    ' WHERE tenant = {} AND enabled = {} AND "user" IN ({})'
)


async def enabled_devices(*, tenant_id: UUID, user_ids: list[UUID]) -> list[dict[str, Any]]:
    """The devices a notification to ``user_ids`` goes to; runs in the caller's transaction."""
    if not user_ids:
        return []
    statement = _TARGETS.format("{}", "{}", sql.placeholders(len(user_ids)))
    return await sql.fetch(Device, statement, tenant_id, True, *user_ids)


async def disable(
    *, device_id: UUID, reason: str, unless_registered_after: datetime | None
) -> bool:
    """Stop using a device whose token the provider rejected; False when its token was
    registered again after the provider's verdict (APNs' 410 timestamp), so it stays."""
    condition = (Device.id == device_id) & (Device.enabled == True)  # noqa: E712
    if unless_registered_after is not None:
        condition &= Device.token_registered_at <= unless_registered_after
    changed = (
        await Device.update(
            {Device.enabled: False, Device.disabled_reason: reason, Device.updated_at: utcnow()}
        )
        .where(condition)
        .returning(Device.id)
    )
    return bool(changed)
