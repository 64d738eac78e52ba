"""HTTP routes of messages: staff at the work order, the customer through the portal link's
token (the portal's authentication: ``PORTAL_TOKEN``, ``PORTAL_OPT``)."""

from typing import Annotated, TypeAlias
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter, SkipValidation

from messaging import services
from messaging.services import AttachmentCatalog
from mobile_contract import messaging as contract
from web.http import BEARER, DB, PORTAL_OPT, PORTAL_TOKEN, CurrentActor, CurrentPortal

# The uploads' describer, provided by server/app.py (``media.attachments``). Not validated per
# request: a Protocol admits no isinstance check.
Attachments: TypeAlias = SkipValidation[NamedDependency[AttachmentCatalog]]
MAX_SEQ = 2**31 - 1  # the column is an integer
After = Annotated[int, Parameter(ge=0, le=MAX_SEQ)]
Limit = Annotated[int, Parameter(ge=1, le=contract.MAX_PAGE)]


class WorkOrderMessageController(Controller):
    path = "/api/v1/work-orders/{work_order_id:uuid}/messages"
    tags = ["messages"]
    security = BEARER

    @get("/")
    async def list_messages(
        self,
        work_order_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        attachments: Attachments,
        after: After = 0,
        limit: Limit = services.DEFAULT_PAGE,
    ) -> contract.MessageList:
        """The conversation with the customer, oldest first, after message ``after`` (its
        ``seq``); ``unread``: the customer's messages staff have not read."""
        return await services.list_for_staff(
            db=db,
            actor=actor,
            work_order_id=work_order_id,
            attachments=attachments,
            after=after,
            limit=limit,
        )

    @post("/", status_code=201)
    async def post_message(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.MessageCreate],
        db: DB,
        actor: CurrentActor,
        attachments: Attachments,
    ) -> Response[contract.Message]:
        """A message to the customer (the work order's engineer and the dispatch roles): 201,
        or 200 with the message already sent under this ``id``."""
        message, created = await services.post_as_staff(
            db=db,
            actor=actor,
            work_order_id=work_order_id,
            data=data,
            attachments=attachments,
        )
        return Response(message, status_code=201 if created else 200)

    @post("/read", status_code=200)
    async def mark_read(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.MarkRead],
        db: DB,
        actor: CurrentActor,
    ) -> contract.ReadReceipt:
        """The customer's messages up to ``up_to`` are read: the customer sees when."""
        return await services.mark_read_by_staff(
            db=db, actor=actor, work_order_id=work_order_id, request=data
        )


class PortalMessageController(Controller):
    """The customer's side, authenticated by the portal link's token."""

    path = "/api/v1/portal/messages"
    tags = ["portal"]
    security = PORTAL_TOKEN
    opt = {PORTAL_OPT: True}

    @get("/")
    async def list_messages(
        self,
        db: DB,
        portal: CurrentPortal,
        attachments: Attachments,
        after: After = 0,
        limit: Limit = services.DEFAULT_PAGE,
    ) -> contract.MessageList:
        """The conversation about the repair, oldest first, after message ``after``;
        ``unread``: the staff's messages not read yet."""
        return await services.list_for_portal(
            db=db, caller=portal, attachments=attachments, after=after, limit=limit
        )

    @post("/", status_code=201)
    async def post_message(
        self,
        data: JSONBody[contract.MessageCreate],
        db: DB,
        portal: CurrentPortal,
        attachments: Attachments,
    ) -> Response[contract.Message]:
        """A message to the people handling the repair, with files this link uploaded: 201,
        or 200 with the message already sent under this ``id``; 429 (Retry-After) after
        too many in a few minutes."""
        message, created = await services.post_as_customer(
            db=db, caller=portal, data=data, attachments=attachments
        )
        return Response(message, status_code=201 if created else 200)

    @post("/read", status_code=200)
    async def mark_read(
        self, data: JSONBody[contract.MarkRead], db: DB, portal: CurrentPortal
    ) -> contract.ReadReceipt:
        """The staff's messages up to ``up_to`` are read: they see when."""
        return await services.mark_read_by_customer(db=db, caller=portal, request=data)


CONTROLLERS: list[type[Controller]] = [WorkOrderMessageController]
PORTAL_CONTROLLERS: list[type[Controller]] = [PortalMessageController]
