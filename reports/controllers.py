"""HTTP routes of the resolution report: staff fill it and download it; the customer's portal
link downloads its own work order's."""

from typing import TypeAlias
from uuid import UUID

from litestar import Controller, Response, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, SkipValidation

from media.store import ObjectStore
from mobile_contract import reports as contract
from reports import services
from web.http import BEARER, DB, PORTAL_OPT, PORTAL_TOKEN, CurrentActor, CurrentPortal

# The app's object store, provided by server/app.py. Not validated per request: a Protocol
# admits no isinstance check.
Store: TypeAlias = SkipValidation[NamedDependency[ObjectStore]]

PDF = "application/pdf"


def _pdf(data: bytes, filename: str) -> Response[bytes]:
    """Shown in the browser (it is a document to read), never sniffed as anything else, and
    kept out of shared caches (it names the customer)."""
    return Response(
        data,
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


class ReportController(Controller):
    path = "/api/v1/work-orders/{work_order_id:uuid}"
    tags = ["reports"]
    security = BEARER

    @get("/report")
    async def show(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.Report:
        """The report's fields, what is still missing, and how far its PDF is (made when the
        work order closes)."""
        return await services.show(db=db, actor=actor, work_order_id=work_order_id)

    @put("/report")
    async def fill(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.ReportFields],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Report:
        """Replace the root cause, prevention advice and parts used (dispatch roles and the
        work order's engineer); 409 once the work order is closed or cancelled."""
        return await services.fill(db=db, actor=actor, work_order_id=work_order_id, fields=data)

    @get("/report.pdf", media_type=PDF)
    async def pdf(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor, store: Store
    ) -> Response[bytes]:
        """The PDF; 404 ``not_found`` until it is ready (``details.status``)."""
        data, filename = await services.staff_pdf(
            db=db, store=store, actor=actor, work_order_id=work_order_id
        )
        return _pdf(data, filename)


class PortalReportController(Controller):
    """The customer's report, through the portal link's token."""

    path = "/api/v1/portal"
    tags = ["portal"]
    security = PORTAL_TOKEN
    opt = {PORTAL_OPT: True}

    @get("/report.pdf", media_type=PDF)
    async def pdf(self, db: DB, portal: CurrentPortal, store: Store) -> Response[bytes]:
        """The link's work order's report; 404 ``not_found`` until it is closed and the PDF
        is ready."""
        data, filename = await services.portal_pdf(db=db, store=store, caller=portal)
        return _pdf(data, filename)


CONTROLLERS = [ReportController]
PORTAL_CONTROLLERS = [PortalReportController]
