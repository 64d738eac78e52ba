"""Customers, sites and assets: read by the dispatch roles, written by admins and dispatchers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

import msgspec

from directory import sql
from kernel.changes import DocumentChanged, Synced
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Reader, Transaction
from kernel.errors import AlreadyExists, InvalidReference, NotFound
from kernel.rows import column_value, json_text
from kernel.statements import Statement
from mobile_contract import directory as contract
from mobile_contract.enums import Role

T = TypeVar("T", bound=msgspec.Struct)
WRITE_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})


@dataclass(frozen=True)
class _Kind(Generic[T]):
    """One directory resource: its contract Struct (also its row type) and its statements,
    which bind the contract's fields under their own names."""

    resource: str
    contract: type[T]
    create: type[msgspec.Struct]  # its writable fields: what a create sets, an update may
    get: Statement
    insert: Statement
    update: Statement
    exists: Statement
    collection: Synced | None = None  # its sync collection, if devices hold it
    json_fields: tuple[str, ...] = ()


_CUSTOMER = _Kind(
    "customer",
    contract.Customer,
    contract.CustomerCreate,
    sql.CUSTOMER,
    sql.INSERT_CUSTOMER,
    sql.UPDATE_CUSTOMER,
    sql.CUSTOMER_EXISTS,
    json_fields=("contacts",),
)
_SITE = _Kind(
    "site",
    contract.Site,
    contract.SiteCreate,
    sql.SITE,
    sql.INSERT_SITE,
    sql.UPDATE_SITE,
    sql.SITE_EXISTS,
    Synced.SITES,
)
_ASSET = _Kind(
    "asset",
    contract.Asset,
    contract.AssetCreate,
    sql.ASSET,
    sql.INSERT_ASSET,
    sql.UPDATE_ASSET,
    sql.ASSET_EXISTS,
    Synced.ASSETS,
)
_KINDS: dict[str, _Kind[Any]] = {kind.resource: kind for kind in (_CUSTOMER, _SITE, _ASSET)}


def _values(kind: _Kind[Any], item: msgspec.Struct) -> dict[str, Any]:
    """The writable fields of ``item`` (a create request or a stored row) as bound values."""
    values = {}
    for name in kind.create.__struct_fields__:
        value = column_value(getattr(item, name))
        values[name] = json_text(value) if name in kind.json_fields else value
    return values


async def _get(reader: Reader, kind: _Kind[T], tenant_id: UUID, item_id: UUID) -> T:
    item = await reader.fetch_one(kind.get, kind.contract, tenant=tenant_id, id=item_id)
    if item is None:
        raise NotFound(kind.resource, item_id)
    return item


async def _check_ref(
    reader: Reader, kind: _Kind[Any], tenant_id: UUID, item_id: Any, field: str
) -> None:
    if isinstance(item_id, UUID) and not await reader.fetch_one(
        kind.exists, sql.Found, tenant=tenant_id, id=item_id
    ):
        raise InvalidReference(field, item_id)


async def _create(*, tx: Transaction, kind: _Kind[T], actor: Actor, data: msgspec.Struct) -> T:
    now, item_id = utcnow(), uuid4()
    await tx.execute(
        kind.insert, id=item_id, tenant=actor.tenant_id, now=now, **_values(kind, data)
    )
    await _changed(tx=tx, kind=kind, actor=actor, item_id=item_id, now=now)
    return await _get(tx, kind, actor.tenant_id, item_id)


async def _update(
    *, tx: Transaction, kind: _Kind[T], actor: Actor, item_id: UUID, data: msgspec.Struct
) -> T:
    """Every writable column is written: the stored row with the fields ``data`` sets."""
    stored = await _get(tx, kind, actor.tenant_id, item_id)
    changes = {
        name: getattr(data, name)
        for name in data.__struct_fields__
        if getattr(data, name) is not msgspec.UNSET
    }
    merged = msgspec.structs.replace(stored, **changes)
    now = utcnow()
    await tx.execute(
        kind.update, id=item_id, tenant=actor.tenant_id, now=now, **_values(kind, merged)
    )
    await _changed(tx=tx, kind=kind, actor=actor, item_id=item_id, now=now)
    return await _get(tx, kind, actor.tenant_id, item_id)


async def _changed(
    *, tx: Transaction, kind: _Kind[Any], actor: Actor, item_id: UUID, now: datetime
) -> None:
    if kind.collection is not None:
        await tx.publish(
            DocumentChanged(
                tenant_id=actor.tenant_id,
                collection=kind.collection,
                document_id=item_id,
                now=now,
            )
        )


async def _find(kind: _Kind[T], tenant_id: UUID, item_id: UUID, reader: Reader) -> T | None:
    return await reader.fetch_one(kind.get, kind.contract, tenant=tenant_id, id=item_id)


async def customer_by_id(
    tenant_id: UUID, customer_id: UUID, *, reader: Reader
) -> contract.Customer | None:
    """For other packages' views (no role check: the caller already scoped the reference)."""
    return await _find(_CUSTOMER, tenant_id, customer_id, reader)


async def site_by_id(tenant_id: UUID, site_id: UUID, *, reader: Reader) -> contract.Site | None:
    return await _find(_SITE, tenant_id, site_id, reader)


async def asset_by_id(tenant_id: UUID, asset_id: UUID, *, reader: Reader) -> contract.Asset | None:
    return await _find(_ASSET, tenant_id, asset_id, reader)


async def check_reference(
    kind: str, tenant_id: UUID, item_id: UUID | None, field: str, *, reader: Reader
) -> None:
    """Raise InvalidReference unless ``item_id`` is None or names a row of this tenant."""
    await _check_ref(reader, _KINDS[kind], tenant_id, item_id, field)


# Customers ---------------------------------------------------------------------------------


async def list_customers(*, db: Database, actor: Actor) -> contract.CustomerList:
    require_role(actor, DISPATCH_ROLES, "list customers")
    items = await db.fetch(sql.CUSTOMERS, contract.Customer, tenant=actor.tenant_id)
    return contract.CustomerList(items=items)


async def get_customer(*, db: Database, actor: Actor, customer_id: UUID) -> contract.Customer:
    require_role(actor, DISPATCH_ROLES, "read customers")
    async with db.snapshot() as reader:
        return await _get(reader, _CUSTOMER, actor.tenant_id, customer_id)


async def create_customer(
    *, db: Database, actor: Actor, data: contract.CustomerCreate
) -> contract.Customer:
    require_role(actor, WRITE_ROLES, "create customers")
    async with db.transaction() as tx:
        return await _create(tx=tx, kind=_CUSTOMER, actor=actor, data=data)


async def update_customer(
    *, db: Database, actor: Actor, customer_id: UUID, data: contract.CustomerUpdate
) -> contract.Customer:
    require_role(actor, WRITE_ROLES, "change customers")
    async with db.transaction() as tx:
        return await _update(tx=tx, kind=_CUSTOMER, actor=actor, item_id=customer_id, data=data)


# Sites -------------------------------------------------------------------------------------


async def list_sites(
    *, db: Database, actor: Actor, customer_id: UUID | None = None
) -> contract.SiteList:
    require_role(actor, DISPATCH_ROLES, "list sites")
    tenant = actor.tenant_id
    if customer_id:
        items = await db.fetch(
            sql.SITES_OF_CUSTOMER, contract.Site, tenant=tenant, customer=customer_id
        )
    else:
        items = await db.fetch(sql.SITES, contract.Site, tenant=tenant)
    return contract.SiteList(items=items)


async def get_site(*, db: Database, actor: Actor, site_id: UUID) -> contract.Site:
    require_role(actor, DISPATCH_ROLES, "read sites")
    async with db.snapshot() as reader:
        return await _get(reader, _SITE, actor.tenant_id, site_id)


async def create_site(*, db: Database, actor: Actor, data: contract.SiteCreate) -> contract.Site:
    require_role(actor, WRITE_ROLES, "create sites")
    async with db.transaction() as tx:
        await _check_ref(tx, _CUSTOMER, actor.tenant_id, data.customer_id, "customer_id")
        return await _create(tx=tx, kind=_SITE, actor=actor, data=data)


async def update_site(
    *, db: Database, actor: Actor, site_id: UUID, data: contract.SiteUpdate
) -> contract.Site:
    require_role(actor, WRITE_ROLES, "change sites")
    async with db.transaction() as tx:
        await _check_ref(tx, _CUSTOMER, actor.tenant_id, data.customer_id, "customer_id")
        return await _update(tx=tx, kind=_SITE, actor=actor, item_id=site_id, data=data)


# Assets ------------------------------------------------------------------------------------


async def list_assets(
    *, db: Database, actor: Actor, site_id: UUID | None = None
) -> contract.AssetList:
    require_role(actor, DISPATCH_ROLES, "list assets")
    tenant = actor.tenant_id
    if site_id:
        items = await db.fetch(sql.ASSETS_OF_SITE, contract.Asset, tenant=tenant, site=site_id)
    else:
        items = await db.fetch(sql.ASSETS, contract.Asset, tenant=tenant)
    return contract.AssetList(items=items)


async def get_asset(*, db: Database, actor: Actor, asset_id: UUID) -> contract.Asset:
    require_role(actor, DISPATCH_ROLES, "read assets")
    async with db.snapshot() as reader:
        return await _get(reader, _ASSET, actor.tenant_id, asset_id)


async def create_asset(*, db: Database, actor: Actor, data: contract.AssetCreate) -> contract.Asset:
    require_role(actor, WRITE_ROLES, "create assets")
    async with db.transaction() as tx:
        await _check_ref(tx, _SITE, actor.tenant_id, data.site_id, "site_id")
        taken = await tx.fetch_one(
            sql.ASSET_WITH_CODE, sql.Found, tenant=actor.tenant_id, device_code=data.device_code
        )
        if taken is not None:
            raise AlreadyExists("asset", "device_code", data.device_code)
        return await _create(tx=tx, kind=_ASSET, actor=actor, data=data)


async def update_asset(
    *, db: Database, actor: Actor, asset_id: UUID, data: contract.AssetUpdate
) -> contract.Asset:
    require_role(actor, WRITE_ROLES, "change assets")
    async with db.transaction() as tx:
        await _check_ref(tx, _SITE, actor.tenant_id, data.site_id, "site_id")
        return await _update(tx=tx, kind=_ASSET, actor=actor, item_id=asset_id, data=data)
