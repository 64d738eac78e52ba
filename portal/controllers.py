"""HTTP routes of the portal: dispatch roles make and revoke links; customers use them."""

from typing import TypeAlias
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, SkipValidation

from media import uploads
from media.store import ObjectStore
from mobile_contract import media
from mobile_contract import portal as contract
from portal import links, views
from portal.uploads import RULES
from web.http import BEARER, DB, PORTAL_OPT, PORTAL_TOKEN, CurrentActor, CurrentPortal

# The app's object store, provided by server/app.py. Not validated per request: a Protocol
# admits no isinstance check.
Store: TypeAlias = SkipValidation[NamedDependency[ObjectStore]]


class PortalLinkController(Controller):
    path = "/api/v1"
    tags = ["portal"]
    security = BEARER

    @post("/work-orders/{work_order_id:uuid}/portal-links", status_code=201)
    async def issue(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.PortalLinkCreate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.PortalLinkIssued:
        """A link for the customer to follow this work order and send files (dispatch roles).
        The token is in this answer only: send it to the customer."""
        return await links.issue(db=db, actor=actor, work_order_id=work_order_id, request=data)

    @get("/work-orders/{work_order_id:uuid}/portal-links")
    async def list_links(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.PortalLinkList:
        """The work order's portal links, newest first (without their tokens)."""
        return await links.list_links(db=db, actor=actor, work_order_id=work_order_id)

    @post("/portal-links/{link_id:uuid}/revoke", status_code=200)
    async def revoke(
        self, link_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.PortalLink:
        """The link stops working at once."""
        return await links.revoke(db=db, actor=actor, link_id=link_id)


class PortalController(Controller):
    """The customer's side, authenticated by the portal link's token."""

    path = "/api/v1/portal"
    tags = ["portal"]
    security = PORTAL_TOKEN
    opt = {PORTAL_OPT: True}

    @get("/work-order")
    async def work_order(self, db: DB, portal: CurrentPortal) -> contract.PortalWorkOrder:
        """The link's work order, with the files this link sent and what became of them."""
        return await views.work_order(db=db, caller=portal)

    @post("/uploads", status_code=201)
    async def create_upload(
        self,
        data: JSONBody[media.UploadCreate],
        db: DB,
        portal: CurrentPortal,
        store: Store,
    ) -> Response[media.UploadSession]:
        """Declare a photo, video or document for the repair; answers where to PUT its bytes
        (201). The same ``client_key`` again answers the same session (200)."""
        session, created = await uploads.create(
            db=db,
            store=store,
            actor=portal,
            work_order_id=portal.work_order_id,
            request=data,
            rules=RULES,
        )
        return Response(session, status_code=201 if created else 200)

    @get("/uploads/{upload_id:uuid}")
    async def show_upload(
        self,
        upload_id: FromPath[UUID],
        db: DB,
        portal: CurrentPortal,
        store: Store,
    ) -> media.UploadSession:
        """The upload, with fresh links for what has not arrived (resume)."""
        return await uploads.show(db=db, store=store, actor=portal, upload_id=upload_id)

    @post("/uploads/{upload_id:uuid}/complete", status_code=200)
    async def complete_upload(
        self,
        upload_id: FromPath[UUID],
        db: DB,
        portal: CurrentPortal,
        store: Store,
    ) -> media.UploadSession:
        return await uploads.complete(
            db=db, store=store, actor=portal, upload_id=upload_id, rules=RULES
        )

    @post("/uploads/{upload_id:uuid}/abort", status_code=200)
    async def abort_upload(
        self,
        upload_id: FromPath[UUID],
        db: DB,
        portal: CurrentPortal,
        store: Store,
    ) -> media.UploadSession:
        return await uploads.abort(db=db, store=store, actor=portal, upload_id=upload_id)
