"""HTTP routes for customers, sites and assets."""

from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from directory import services
from mobile_contract import directory as contract
from web.http import BEARER, DB, CurrentActor


class CustomerController(Controller):
    path = "/api/v1/customers"
    tags = ["directory"]
    security = BEARER

    @get("/")
    async def list_customers(self, db: DB, actor: CurrentActor) -> contract.CustomerList:
        return await services.list_customers(db=db, actor=actor)

    @post("/")
    async def create_customer(
        self, data: JSONBody[contract.CustomerCreate], db: DB, actor: CurrentActor
    ) -> contract.Customer:
        return await services.create_customer(db=db, actor=actor, data=data)

    @get("/{customer_id:uuid}")
    async def get_customer(
        self, customer_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.Customer:
        return await services.get_customer(db=db, actor=actor, customer_id=customer_id)

    @patch("/{customer_id:uuid}")
    async def update_customer(
        self,
        customer_id: FromPath[UUID],
        data: JSONBody[contract.CustomerUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Customer:
        return await services.update_customer(
            db=db, actor=actor, customer_id=customer_id, data=data
        )


class SiteController(Controller):
    path = "/api/v1/sites"
    tags = ["directory"]
    security = BEARER

    @get("/")
    async def list_sites(
        self, db: DB, actor: CurrentActor, customer_id: FromQuery[UUID | None] = None
    ) -> contract.SiteList:
        return await services.list_sites(db=db, actor=actor, customer_id=customer_id)

    @post("/")
    async def create_site(
        self, data: JSONBody[contract.SiteCreate], db: DB, actor: CurrentActor
    ) -> contract.Site:
        return await services.create_site(db=db, actor=actor, data=data)

    @get("/{site_id:uuid}")
    async def get_site(self, site_id: FromPath[UUID], db: DB, actor: CurrentActor) -> contract.Site:
        return await services.get_site(db=db, actor=actor, site_id=site_id)

    @patch("/{site_id:uuid}")
    async def update_site(
        self,
        site_id: FromPath[UUID],
        data: JSONBody[contract.SiteUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Site:
        return await services.update_site(db=db, actor=actor, site_id=site_id, data=data)


class AssetController(Controller):
    path = "/api/v1/assets"
    tags = ["directory"]
    security = BEARER

    @get("/")
    async def list_assets(
        self, db: DB, actor: CurrentActor, site_id: FromQuery[UUID | None] = None
    ) -> contract.AssetList:
        return await services.list_assets(db=db, actor=actor, site_id=site_id)

    @post("/")
    async def create_asset(
        self, data: JSONBody[contract.AssetCreate], db: DB, actor: CurrentActor
    ) -> contract.Asset:
        return await services.create_asset(db=db, actor=actor, data=data)

    @get("/{asset_id:uuid}")
    async def get_asset(
        self, asset_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.Asset:
        return await services.get_asset(db=db, actor=actor, asset_id=asset_id)

    @patch("/{asset_id:uuid}")
    async def update_asset(
        self,
        asset_id: FromPath[UUID],
        data: JSONBody[contract.AssetUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Asset:
        return await services.update_asset(db=db, actor=actor, asset_id=asset_id, data=data)


CONTROLLERS = [CustomerController, SiteController, AssetController]
