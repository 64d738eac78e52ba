"""Directory statements name the contract's fields, and a partial update keeps the rest."""

import re

import msgspec
import pytest

from directory import sql
from kernel.statements import Statement
from mobile_contract import directory as contract
from tests.factories import World

READS = [
    (sql.CUSTOMER, contract.Customer),
    (sql.CUSTOMERS, contract.Customer),
    (sql.SITE, contract.Site),
    (sql.SITES, contract.Site),
    (sql.SITES_OF_CUSTOMER, contract.Site),
    (sql.ASSET, contract.Asset),
    (sql.ASSETS, contract.Asset),
    (sql.ASSETS_OF_SITE, contract.Asset),
]
WRITES = [
    (sql.INSERT_CUSTOMER, contract.CustomerCreate),
    (sql.UPDATE_CUSTOMER, contract.CustomerCreate),
    (sql.INSERT_SITE, contract.SiteCreate),
    (sql.UPDATE_SITE, contract.SiteCreate),
    (sql.INSERT_ASSET, contract.AssetCreate),
    (sql.UPDATE_ASSET, contract.AssetCreate),
]


def selected(statement: Statement) -> set[str]:
    columns = re.search(r"SELECT (.*?) FROM", statement.text)
    assert columns is not None
    return {column.split()[-1] for column in columns.group(1).split(",")}


@pytest.mark.parametrize(("statement", "kind"), READS)
def test_every_read_selects_exactly_the_contract_fields(
    statement: Statement, kind: type[msgspec.Struct]
) -> None:
    assert selected(statement) == set(kind.__struct_fields__)


@pytest.mark.parametrize(("statement", "kind"), WRITES)
def test_every_write_binds_every_writable_field(
    statement: Statement, kind: type[msgspec.Struct]
) -> None:
    assert set(statement.params) == {*kind.__struct_fields__, "id", "tenant", "now"}


async def test_a_partial_update_keeps_the_other_fields(world: World) -> None:
    customer = (
        await world.call(
            "dispatcher",
            "POST",
            "/api/v1/customers",
            json={
                "name": "Polar Foods",
                "tier": "premium",
                "contacts": [{"name": "Li", "phone": "1"}],
            },
            expect=201,
        )
    ).json()
    site = {
        "name": "North store",
        "kind": "plant",
        "customer_id": customer["id"],
        "address": "1 Harbour Road",
        "latitude": 31.2,
        "longitude": 121.5,
        "timezone": "Asia/Shanghai",
    }
    created = (
        await world.call("dispatcher", "POST", "/api/v1/sites", json=site, expect=201)
    ).json()
    url = f"/api/v1/sites/{created['id']}"
    updated = (
        await world.call("dispatcher", "PATCH", url, json={"name": "North plant"}, expect=200)
    ).json()
    assert updated == {**created, "name": "North plant", "updated_at": updated["updated_at"]}
    assert updated["updated_at"] >= created["updated_at"]
    listed = (
        await world.call(
            "dispatcher", "GET", f"/api/v1/sites?customer_id={customer['id']}", expect=200
        )
    ).json()
    assert listed["items"] == [updated]

    url = f"/api/v1/customers/{customer['id']}"
    renamed = (
        await world.call("dispatcher", "PATCH", url, json={"tier": "standard"}, expect=200)
    ).json()
    assert (
        renamed["contacts"]
        == customer["contacts"]
        == [{"name": "Li", "phone": "1", "email": "", "role": ""}]
    )

    asset = (
        await world.call(
            "dispatcher",
            "POST",
            "/api/v1/assets",
            json={"site_id": created["id"], "device_code": "NP-01", "model": "X1"},
            expect=201,
        )
    ).json()
    url = f"/api/v1/assets/{asset['id']}"
    moved = (
        await world.call("dispatcher", "PATCH", url, json={"name": "Chiller"}, expect=200)
    ).json()
    assert moved == {**asset, "name": "Chiller", "updated_at": moved["updated_at"]}
