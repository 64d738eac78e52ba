"""HTTP routes of the portal: dispatch roles make and revoke links; customers use them."""

from datetime import date
from typing import Annotated, TypeAlias
from uuid import UUID

from litestar import Controller, MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, HeaderParameter, JSONBody, SkipValidation
from litestar.response import Redirect

from media import uploads
from media.store import ObjectStore
from mobile_contract import media
from mobile_contract import portal as contract
from portal import links, page, views, visits
from portal.uploads import RULES
from web.http import (
    BEARER,
    DB,
    PORTAL_OPT,
    PORTAL_TOKEN,
    CurrentActor,
    CurrentMeta,
    CurrentPortal,
)

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

    @get("/portal-links/visit-rate")
    async def visit_rate(
        self,
        db: DB,
        actor: CurrentActor,
        start: FromQuery[date],
        end: FromQuery[date | None] = None,
    ) -> contract.PortalVisitRate:
        """Of the work orders opened in the UTC days [start, end) (default: up to today)
        whose customer was sent a link, how many had it opened at least once (dispatch
        roles)."""
        return await visits.visit_rate(db=db, actor=actor, start=start, end=end)

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


# The page's headers: the token in its address must not leave in a Referer, the page is not
# kept by caches or indexed, and it runs only our own script and styles.
PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class PortalPageController(Controller):
    """The customer's web page, at the link they were sent (the token is the path's)."""

    path = "/p"
    include_in_schema = False

    @get("/{token:str}", media_type=MediaType.HTML)
    async def show(
        self,
        token: FromPath[str],
        db: DB,
        meta: CurrentMeta,
        page_csp: NamedDependency[str],
        accept_language: Annotated[str, HeaderParameter(name="accept-language")] = "",
        lang: FromQuery[str] = "",
    ) -> Response[str]:
        shown = await page.open_page(
            db=db, token=token, meta=meta, accept_language=accept_language, override=lang
        )
        return Response(
            shown.html,
            status_code=shown.status_code,
            media_type=MediaType.HTML,
            headers={
                **PAGE_HEADERS,
                "Content-Security-Policy": page_csp,
                "Content-Language": shown.language,
            },
        )

    @get("/{token:str}/handler.jpg", media_type="image/jpeg")
    async def handler_photo(
        self, token: FromPath[str], db: DB, meta: CurrentMeta
    ) -> Response[bytes]:
        """The photo of the engineer handling the repair (404 for anything else)."""
        photo = await page.handler_photo(db=db, token=token, meta=meta)
        if photo is None:
            return Response(b"", status_code=404, media_type=MediaType.TEXT, headers=PAGE_HEADERS)
        return Response(photo, media_type="image/jpeg", headers=PAGE_HEADERS)

    @get("/{token:str}/report.pdf", media_type="application/pdf")
    async def report(
        self, token: FromPath[str], db: DB, meta: CurrentMeta, store: Store
    ) -> Response[bytes]:
        """The resolution report, once the worker has made it (404 before, or for a link that
        does not work)."""
        found = await page.report_pdf(db=db, store=store, token=token, meta=meta)
        if found is None:
            return Response(b"", status_code=404, media_type=MediaType.TEXT, headers=PAGE_HEADERS)
        data, filename = found
        return Response(
            data,
            media_type="application/pdf",
            headers={**PAGE_HEADERS, "Content-Disposition": f'inline; filename="{filename}"'},
        )

    @post("/{token:str}/messages", status_code=303)
    async def post_message(
        self,
        token: FromPath[str],
        db: DB,
        meta: CurrentMeta,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        """The page's message form when its script does not run: send, then back to the page
        (a reload does not send it twice)."""
        sent = await page.post_message(db=db, token=token, meta=meta, body=data.get("body", ""))
        return Redirect(
            f"/p/{token}#messages" if sent else f"/p/{token}",
            status_code=303,
            headers=PAGE_HEADERS,
        )
