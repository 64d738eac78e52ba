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

from device_registry import sql
from device_registry.sql import PushTarget
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor
from kernel.db import Database, Reader, Transaction
from kernel.errors import DomainError, Forbidden, NotFound
from mobile_contract import devices as contract
from mobile_contract.enums import Platform
from mobile_contract.errors import ErrorCode

UNREGISTERED = "unregistered"
TOKEN_MOVED = "the push token was registered by another installation"
SUFFIX_LENGTH = 6  # of a push token, in answers: enough to tell two apart, useless to send
REGISTERED_TO_ANOTHER_USER = "registered_to_another_user"  # details.reason of the 409

__all__ = ["PushTarget", "disable", "list_devices", "push_targets", "register"]


async def register(
    *, db: Database, actor: Actor, data: contract.DeviceRegistration
) -> contract.Device:
    if data.platform is Platform.IOS and not data.app_bundle_id:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "An iOS device needs app_bundle_id: it is the APNs topic of its notifications.",
            {"field": "app_bundle_id"},
        )
    now, device_id, tenant = utcnow(), data.id, actor.tenant_id
    details: dict[str, Any] = {
        "tenant": tenant,
        "installation": device_id,
        "user": actor.user_id,
        "platform": data.platform.value,
        "push_token": data.push_token,
        "apns_environment": data.apns_environment.value,
        "app_bundle_id": data.app_bundle_id,
        "app_version": data.app_version,
        "locale": data.locale,
        "time_zone": data.time_zone,
        "enabled": True,
        "now": now,
    }
    async with db.transaction() as tx:
        stored = await tx.fetch_one(sql.STORED, sql.Stored, tenant=tenant, installation=device_id)
        if stored is None:
            await tx.execute(sql.INSERT_DEVICE, id=uuid4(), **details)
        else:
            await _check_takeover(tx, actor, stored)
            fresh_token = stored.push_token != data.push_token or not stored.enabled
            registered_at = now if fresh_token else stored.token_registered_at
            await tx.execute(sql.UPDATE_DEVICE, registered_at=registered_at, **details)
        await tx.execute(
            sql.DISABLE_TOKEN_ELSEWHERE,
            disabled=False,
            reason=TOKEN_MOVED,
            now=now,
            tenant=tenant,
            push_token=data.push_token,
            installation=device_id,
            enabled=True,
        )
        return await _load(tx, actor, device_id)


async def _check_takeover(reader: Reader, actor: Actor, stored: sql.Stored) -> None:
    """Another user's installation moves only once that user let it go: unregistered it
    (logout) or was deactivated. Disabled for another reason (the provider refused the token,
    another installation took the token) it still belongs to them."""
    if stored.user_id == actor.user_id or stored.disabled_reason == UNREGISTERED:
        return
    owner = await reader.fetch_one(sql.USER_ACTIVE, sql.Active, user=stored.user_id)
    if owner is not None and not owner.is_active:
        return
    raise DomainError(
        ErrorCode.ALREADY_EXISTS,
        "This app installation is registered to another user, who has not logged out of it. "
        "Log out of the app with that account first (it unregisters the installation), or ask "
        "an admin to deactivate that account; then register again.",
        {
            "resource": "device",
            "field": "id",
            "value": str(stored.installation),
            "reason": REGISTERED_TO_ANOTHER_USER,
        },
    )


def _answer(device: contract.Device) -> contract.Device:
    """The answer for a row: the token (selected under the suffix's name) cut to its suffix."""
    device.push_token_suffix = device.push_token_suffix[-SUFFIX_LENGTH:]
    return device


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
    devices = await db.fetch(
        sql.DEVICES_OF_USER, contract.Device, tenant=actor.tenant_id, user=owner
    )
    return contract.DeviceList(items=[_answer(device) for device in devices])


async def unregister(*, db: Database, actor: Actor, device_id: UUID) -> None:
    """Stop pushing to one of the caller's devices (logout). Repeating it is harmless."""
    async with db.transaction() as tx:
        await _load(tx, actor, device_id)
        await tx.execute(
            sql.UNREGISTER,
            disabled=False,
            reason=UNREGISTERED,
            now=utcnow(),
            tenant=actor.tenant_id,
            installation=device_id,
        )


async def _load(reader: Reader, actor: Actor, device_id: UUID) -> contract.Device:
    device = await reader.fetch_one(
        sql.DEVICE,
        contract.Device,
        tenant=actor.tenant_id,
        installation=device_id,
        user=actor.user_id,
    )
    if device is None:
        raise NotFound("device", device_id)
    return _answer(device)


async def push_targets(
    reader: Reader, *, tenant_id: UUID, user_ids: list[UUID]
) -> list[PushTarget]:
    """The devices a notification to ``user_ids`` goes to."""
    if not user_ids:
        return []
    return await reader.fetch(
        sql.PUSH_TARGETS, PushTarget, tenant=tenant_id, enabled=True, users=user_ids
    )


async def disable(
    *,
    device_id: UUID,
    reason: str,
    unless_registered_after: datetime | None,
    tx: Transaction,
) -> bool:
    """Stop using a device whose token the provider rejected; False when its token was
    registered again after the provider's verdict (APNs' 410 timestamp), so it stays."""
    params: dict[str, Any] = {
        "disabled": False,
        "reason": reason,
        "now": utcnow(),
        "id": device_id,
        "enabled": True,
    }
    if unless_registered_after is None:
        changed = await tx.fetch(sql.DISABLE, sql.Disabled, **params)
    else:
        changed = await tx.fetch(
            sql.DISABLE_UNLESS_REGISTERED_AFTER,
            sql.Disabled,
            verdict_at=unless_registered_after,
            **params,
        )
    return bool(changed)
