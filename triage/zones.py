"""Responsibility zones (责任田): which team owns a work order, by the most specific zone
that matches it (``mobile_contract.triage.ZoneIn`` states the precedence)."""

from dataclasses import dataclass
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Reader, Transaction, is_contention, run_use_case
from kernel.errors import ConfigInvalid, InvalidReference, NotFound
from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, Role, WorkOrderType
from triage import sql
from triage.rules import normalise

EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
# The keys in precedence order: between zones with as many keys, the first one decides.
KEYS = ("site_id", "production_line", "system_module", "customer_tier", "work_order_type")


@dataclass(frozen=True, slots=True)
class Subject:
    """What zones look at in a work order (line and module are its asset's)."""

    site_id: UUID | None
    production_line: str
    system_module: str
    customer_tier: CustomerTier | None
    work_order_type: WorkOrderType


def precedence(zone: contract.ZoneIn) -> tuple[int, int]:
    """Higher wins: the number of keys set, then which keys (site above line, above …)."""
    values = [getattr(zone, key) for key in KEYS]
    mask = sum(1 << (len(KEYS) - 1 - i) for i, value in enumerate(values) if value is not None)
    return sum(value is not None for value in values), mask


def _matches(zone: contract.Zone, subject: Subject) -> bool:
    return (
        (zone.site_id is None or zone.site_id == subject.site_id)
        and _same(zone.production_line, subject.production_line)
        and _same(zone.system_module, subject.system_module)
        and (zone.customer_tier is None or zone.customer_tier == subject.customer_tier)
        and (zone.work_order_type is None or zone.work_order_type == subject.work_order_type)
    )


def _same(key: str | None, value: str) -> bool:
    return key is None or normalise(key) == normalise(value)


def match_key(zone: contract.ZoneIn) -> str:
    """The zone's keys and values as one text: equal for zones no work order can tell apart."""
    parts = []
    for key in KEYS:
        value = getattr(zone, key)
        parts.append(f"{key}={'*' if value is None else normalise(str(value))}")
    return "|".join(parts)


def ordered(zones: list[contract.Zone]) -> list[contract.Zone]:
    return sorted(zones, key=lambda zone: (precedence(zone), zone.name), reverse=True)


def owner(zones: list[contract.Zone], subject: Subject) -> contract.Zone | None:
    """The most specific zone matching ``subject`` (``zones`` in precedence order)."""
    return next((zone for zone in zones if _matches(zone, subject)), None)


async def all_zones(reader: Reader, tenant_id: UUID) -> list[contract.Zone]:
    return ordered(await reader.fetch(sql.ZONES, contract.Zone, tenant=tenant_id))


async def list_zones(*, db: Database, actor: Actor) -> contract.ZoneList:
    require_role(actor, DISPATCH_ROLES, "read the responsibility zones")
    async with db.snapshot() as reader:
        return contract.ZoneList(items=await all_zones(reader, actor.tenant_id))


async def create_zone(*, db: Database, actor: Actor, data: contract.ZoneIn) -> contract.Zone:
    return await _save(db, actor, data, None)


async def update_zone(
    *, db: Database, actor: Actor, zone_id: UUID, data: contract.ZoneIn
) -> contract.Zone:
    return await _save(db, actor, data, zone_id)


async def delete_zone(*, db: Database, actor: Actor, zone_id: UUID) -> None:
    require_role(actor, EDITORS, "change the responsibility zones")
    async with db.transaction() as tx:
        if await tx.fetch_one(sql.ZONE, contract.Zone, tenant=actor.tenant_id, id=zone_id) is None:
            raise NotFound("zone", zone_id)
        await tx.execute(sql.DELETE_ZONE, tenant=actor.tenant_id, id=zone_id)


async def _save(
    db: Database, actor: Actor, data: contract.ZoneIn, zone_id: UUID | None
) -> contract.Zone:
    require_role(actor, EDITORS, "change the responsibility zones")
    key = match_key(data)

    async def use_case(tx: Transaction) -> contract.Zone:
        tenant = actor.tenant_id
        if zone_id is not None and not await tx.fetch(
            sql.ZONE, contract.Zone, tenant=tenant, id=zone_id
        ):
            raise NotFound("zone", zone_id)
        await _check_references(tx, tenant, data)
        same = await tx.fetch_one(sql.ZONE_WITH_KEY, sql.Named, tenant=tenant, key=key)
        if same is not None and same.id != zone_id:
            raise ConfigInvalid(
                "zone",
                f"zone {same.name!r} has the same keys and values: a work order could not "
                "tell which of the two owns it; change that zone instead",
            )
        now = utcnow()
        params = {
            "tenant": tenant,
            "name": data.name,
            "team": data.team_id,
            "site": data.site_id,
            "production_line": data.production_line,
            "system_module": data.system_module,
            "customer_tier": data.customer_tier.value if data.customer_tier else None,
            "work_order_type": data.work_order_type.value if data.work_order_type else None,
            "description": data.description,
            "key": key,
            "now": now,
        }
        saved_id = zone_id or uuid4()
        statement = sql.INSERT_ZONE if zone_id is None else sql.UPDATE_ZONE
        await tx.execute(statement, id=saved_id, **params)
        zone = await tx.fetch_one(sql.ZONE, contract.Zone, tenant=tenant, id=saved_id)
        assert zone is not None
        return zone

    # Two admins saving the same keys at once: the loser runs again and is told why.
    return await run_use_case(db, use_case, rehearse=False, contended=is_contention)


async def _check_references(tx: Transaction, tenant_id: UUID, data: contract.ZoneIn) -> None:
    if await tx.fetch_one(sql.TEAM, sql.Id, tenant=tenant_id, id=data.team_id) is None:
        raise InvalidReference("team_id", data.team_id)
    if data.site_id is not None:
        found = await tx.fetch(sql.SITES, sql.Id, tenant=tenant_id, ids=[data.site_id])
        if not found:
            raise InvalidReference("site_id", data.site_id)
