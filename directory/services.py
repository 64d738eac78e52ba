"""Customers, sites and assets: read by the dispatch roles, written by admins and dispatchers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from piccolo.columns import Column
from piccolo.table import Table

from directory.tables import Asset, Customer, Site
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from kernel.errors import AlreadyExists, InvalidReference, NotFound
from kernel.rows import column_value, set_fields, to_struct
from mobile_contract import directory as contract
from mobile_contract.enums import Role
from sync import changelog

T = TypeVar("T", bound=msgspec.Struct)
WRITE_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})


@dataclass(frozen=True)
class _Kind:
    """How one directory resource maps between its table and its contract Struct."""

    resource: str
    table: type[Table]
    contract: type[msgspec.Struct]
    columns: dict[str, Column]  # contract field -> column, for reads and partial updates
    order_by: Column
    collection: str | None = None  # its sync collection, if devices hold it


_CUSTOMER = _Kind(
    "customer",
    Customer,
    contract.Customer,
    {"name": Customer.name, "tier": Customer.tier, "contacts": Customer.contacts},
    Customer.name,
)
_SITE = _Kind(
    "site",
    Site,
    contract.Site,
    {
        "name": Site.name,
        "kind": Site.kind,
        "customer_id": Site.customer,
        "address": Site.address,
        "latitude": Site.latitude,
        "longitude": Site.longitude,
        "timezone": Site.timezone,
    },
    Site.name,
    changelog.SITES,
)
_ASSET = _Kind(
    "asset",
    Asset,
    contract.Asset,
    {
        "site_id": Asset.site,
        "device_code": Asset.device_code,
        "name": Asset.name,
        "model": Asset.model,
        "family": Asset.family,
        "production_line": Asset.production_line,
        "system_module": Asset.system_module,
        "serial_number": Asset.serial_number,
    },
    Asset.device_code,
    changelog.ASSETS,
)


def _select(kind: _Kind) -> Any:
    table = kind.table
    aliased = [column.as_alias(name) for name, column in kind.columns.items()]
    return table.select(
        table._meta.primary_key.as_alias("id"),
        *aliased,
        table.created_at,  # type: ignore[attr-defined]
        table.updated_at,  # type: ignore[attr-defined]
    ).output(load_json=True)


async def _list(kind: _Kind, actor: Actor, condition: Any = None) -> list[Any]:
    require_role(actor, DISPATCH_ROLES, f"list {kind.resource}s")
    where = kind.table.tenant == actor.tenant_id  # type: ignore[attr-defined]
    if condition is not None:
        where &= condition
    rows = await _select(kind).where(where).order_by(kind.order_by)
    return [to_struct(row, kind.contract) for row in rows]


async def _get(kind: _Kind, tenant_id: UUID, item_id: UUID) -> Any:
    table = kind.table
    row = await (
        _select(kind)
        .where((table.tenant == tenant_id) & (table._meta.primary_key == item_id))  # type: ignore[attr-defined]
        .first()
    )
    if row is None:
        raise NotFound(kind.resource, item_id)
    return to_struct(row, kind.contract)


async def _check_ref(table: type[Table], tenant_id: UUID, item_id: Any, field: str) -> None:
    if isinstance(item_id, UUID) and not await table.exists().where(
        (table.tenant == tenant_id) & (table._meta.primary_key == item_id)  # type: ignore[attr-defined]
    ):
        raise InvalidReference(field, item_id)


async def _create(kind: _Kind, actor: Actor, data: msgspec.Struct) -> Any:
    now = utcnow()
    values = {
        column._meta.name: column_value(getattr(data, name))
        for name, column in kind.columns.items()
    }
    row = kind.table(tenant=actor.tenant_id, created_at=now, updated_at=now, **values)
    await row.save()
    await _log(kind, actor, row.id, now)  # type: ignore[attr-defined]
    return await _get(kind, actor.tenant_id, row.id)  # type: ignore[attr-defined]


async def _update(kind: _Kind, actor: Actor, item_id: UUID, data: msgspec.Struct) -> Any:
    table = kind.table
    await _get(kind, actor.tenant_id, item_id)
    now = utcnow()
    changes = set_fields(data, kind.columns)
    changes[table.updated_at] = now  # type: ignore[attr-defined]
    await table.update(changes).where(  # type: ignore[arg-type]
        (table.tenant == actor.tenant_id) & (table._meta.primary_key == item_id)  # type: ignore[attr-defined]
    )
    await _log(kind, actor, item_id, now)
    return await _get(kind, actor.tenant_id, item_id)


async def _log(kind: _Kind, actor: Actor, item_id: UUID, now: datetime) -> None:
    if kind.collection is not None:
        await changelog.record(
            tenant_id=actor.tenant_id, collection=kind.collection, document_id=item_id, now=now
        )


async def _find(kind: _Kind, tenant_id: UUID, item_id: UUID) -> Any:
    try:
        return await _get(kind, tenant_id, item_id)
    except NotFound:
        return None


async def customer_by_id(tenant_id: UUID, customer_id: UUID) -> contract.Customer | None:
    """For other packages' views (no role check: the caller already scoped the reference)."""
    customer: contract.Customer | None = await _find(_CUSTOMER, tenant_id, customer_id)
    return customer


async def site_by_id(tenant_id: UUID, site_id: UUID) -> contract.Site | None:
    site: contract.Site | None = await _find(_SITE, tenant_id, site_id)
    return site


async def asset_by_id(tenant_id: UUID, asset_id: UUID) -> contract.Asset | None:
    asset: contract.Asset | None = await _find(_ASSET, tenant_id, asset_id)
    return asset


async def check_reference(kind: str, tenant_id: UUID, item_id: UUID | None, field: str) -> None:
    """Raise InvalidReference unless ``item_id`` is None or names a row of this tenant."""
    table = {"customer": Customer, "site": Site, "asset": Asset}[kind]
    await _check_ref(table, tenant_id, item_id, field)


# Customers ---------------------------------------------------------------------------------


async def list_customers(*, db: Database, actor: Actor) -> contract.CustomerList:
    async with db.snapshot():
        return contract.CustomerList(items=await _list(_CUSTOMER, actor))


async def get_customer(*, db: Database, actor: Actor, customer_id: UUID) -> contract.Customer:
    require_role(actor, DISPATCH_ROLES, "read customers")
    async with db.snapshot():
        customer: contract.Customer = await _get(_CUSTOMER, actor.tenant_id, customer_id)
        return customer


async def create_customer(
    *, db: Database, actor: Actor, data: contract.CustomerCreate
) -> contract.Customer:
    require_role(actor, WRITE_ROLES, "create customers")
    async with db.transaction():
        customer: contract.Customer = await _create(_CUSTOMER, actor, data)
        return customer


async def update_customer(
    *, db: Database, actor: Actor, customer_id: UUID, data: contract.CustomerUpdate
) -> contract.Customer:
    require_role(actor, WRITE_ROLES, "change customers")
    async with db.transaction():
        customer: contract.Customer = await _update(_CUSTOMER, actor, customer_id, data)
        return customer


# Sites -------------------------------------------------------------------------------------


async def list_sites(
    *, db: Database, actor: Actor, customer_id: UUID | None = None
) -> contract.SiteList:
    condition = Site.customer == customer_id if customer_id else None
    async with db.snapshot():
        return contract.SiteList(items=await _list(_SITE, actor, condition))


async def get_site(*, db: Database, actor: Actor, site_id: UUID) -> contract.Site:
    require_role(actor, DISPATCH_ROLES, "read sites")
    async with db.snapshot():
        site: contract.Site = await _get(_SITE, actor.tenant_id, site_id)
        return site


async def create_site(*, db: Database, actor: Actor, data: contract.SiteCreate) -> contract.Site:
    require_role(actor, WRITE_ROLES, "create sites")
    async with db.transaction():
        await _check_ref(Customer, actor.tenant_id, data.customer_id, "customer_id")
        site: contract.Site = await _create(_SITE, actor, data)
        return site


async def update_site(
    *, db: Database, actor: Actor, site_id: UUID, data: contract.SiteUpdate
) -> contract.Site:
    require_role(actor, WRITE_ROLES, "change sites")
    async with db.transaction():
        await _check_ref(Customer, actor.tenant_id, data.customer_id, "customer_id")
        site: contract.Site = await _update(_SITE, actor, site_id, data)
        return site


# Assets ------------------------------------------------------------------------------------


async def list_assets(
    *, db: Database, actor: Actor, site_id: UUID | None = None
) -> contract.AssetList:
    condition = Asset.site == site_id if site_id else None
    async with db.snapshot():
        return contract.AssetList(items=await _list(_ASSET, actor, condition))


async def get_asset(*, db: Database, actor: Actor, asset_id: UUID) -> contract.Asset:
    require_role(actor, DISPATCH_ROLES, "read assets")
    async with db.snapshot():
        asset: contract.Asset = await _get(_ASSET, actor.tenant_id, asset_id)
        return asset


async def create_asset(*, db: Database, actor: Actor, data: contract.AssetCreate) -> contract.Asset:
    require_role(actor, WRITE_ROLES, "create assets")
    async with db.transaction():
        await _check_ref(Site, actor.tenant_id, data.site_id, "site_id")
        if await Asset.exists().where(
            (Asset.tenant == actor.tenant_id) & (Asset.device_code == data.device_code)
        ):
            raise AlreadyExists("asset", "device_code", data.device_code)
        asset: contract.Asset = await _create(_ASSET, actor, data)
        return asset


async def update_asset(
    *, db: Database, actor: Actor, asset_id: UUID, data: contract.AssetUpdate
) -> contract.Asset:
    require_role(actor, WRITE_ROLES, "change assets")
    async with db.transaction():
        await _check_ref(Site, actor.tenant_id, data.site_id, "site_id")
        asset: contract.Asset = await _update(_ASSET, actor, asset_id, data)
        return asset
