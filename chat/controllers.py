"""HTTP routes of chat channels: admins manage them (bearer token); the platforms send the
customers' status queries (public, signed by the channel's secret)."""

from typing import Any, TypeAlias
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from chat import channels, queries
from chat.desk import ChatDesk
from mobile_contract import chat as contract
from web.http import BEARER, DB, CurrentActor

# The channels' keys, the public address and the limits (server/app.py).
Desk: TypeAlias = NamedDependency[ChatDesk]
PUBLIC = {"exclude_from_auth": True}


class ChatChannelController(Controller):
    path = "/api/v1/chat/channels"
    tags = ["chat"]
    security = BEARER

    @post("/", status_code=201)
    async def create(
        self,
        data: JSONBody[contract.ChatChannelCreate],
        db: DB,
        actor: CurrentActor,
        chat_desk: Desk,
    ) -> contract.ChatChannelWithSecret:
        """A chat channel (admins). The secret is in this answer only: paste it, with
        ``webhook_url``, into the platform (WeChat: the server configuration's Token)."""
        return await channels.create(db=db, actor=actor, desk=chat_desk, data=data)

    @get("/")
    async def list_channels(
        self, db: DB, actor: CurrentActor, chat_desk: Desk
    ) -> contract.ChatChannelList:
        """The tenant's chat channels, without their secrets (admins)."""
        return await channels.list_channels(db=db, actor=actor, desk=chat_desk)

    @post("/{channel_id:uuid}/rotate", status_code=200)
    async def rotate(
        self, channel_id: FromPath[UUID], db: DB, actor: CurrentActor, chat_desk: Desk
    ) -> contract.ChatChannelWithSecret:
        """A new secret, shown once; the previous one stops at once (admins)."""
        return await channels.rotate(db=db, actor=actor, desk=chat_desk, channel_id=channel_id)

    @post("/{channel_id:uuid}/disable", status_code=200)
    async def disable(
        self, channel_id: FromPath[UUID], db: DB, actor: CurrentActor, chat_desk: Desk
    ) -> contract.ChatChannel:
        """No query through the channel is answered any more (admins)."""
        return await channels.disable(db=db, actor=actor, desk=chat_desk, channel_id=channel_id)


def _delivery(request: Request[Any, Any, Any], body: bytes) -> queries.Delivery:
    query = {name: str(value) for name, value in request.query_params.items()}
    return queries.Delivery(
        channel=query.get("channel", ""),
        query=query,
        timestamp_header=request.headers.get("x-fieldops-timestamp", ""),
        signature_header=request.headers.get("x-fieldops-signature", ""),
        body=body,
    )


def _sent(reply: queries.Reply) -> Response[bytes]:
    """Not kept by any cache: a card holds a portal link."""
    return Response(
        reply.body,
        status_code=reply.status_code,
        media_type=reply.media_type,
        headers={"Cache-Control": "no-store"},
    )


class ChatWebhookController(Controller):
    """The chat platforms' side: no token; each request names its channel
    (``?channel=<id>``) and is signed with the channel's secret."""

    path = "/api/v1/chat/status-query"
    tags = ["chat"]

    @post("/", opt=PUBLIC, status_code=200)
    async def status_query(
        self, request: Request[Any, Any, Any], db: DB, chat_desk: Desk
    ) -> Response[bytes]:
        """A customer's message naming a work-order number, answered with its progress card
        when the number is one of the sender's own repairs, else with one and the same
        "not found" text. ``wechat`` channels: WeChat's signed address (``signature``,
        ``timestamp``, ``nonce``) and XML message, answered with a passive text reply (200,
        also over the limits). ``generic`` channels: a ``ChatStatusQuery`` JSON body with
        ``X-Fieldops-Timestamp`` and ``X-Fieldops-Signature`` (hex HMAC-SHA256 of
        ``timestamp + "." + body``), answered with a ``ChatAnswer`` (429 with Retry-After over
        the limits). A bad signature, a stale timestamp or a replay: 401, nothing recorded."""
        delivery = _delivery(request, await request.body())
        reply = await queries.answer(db=db, desk=chat_desk, delivery=delivery)
        return _sent(reply)

    @get("/", opt=PUBLIC)
    async def verify_url(
        self, request: Request[Any, Any, Any], db: DB, chat_desk: Desk
    ) -> Response[bytes]:
        """WeChat's check of the server address: ``echostr`` echoed when the address is
        signed with the channel's Token."""
        reply = await queries.verify_url(db=db, desk=chat_desk, delivery=_delivery(request, b""))
        return _sent(reply)


CONTROLLERS = [ChatChannelController]
WEBHOOK_CONTROLLERS = [ChatWebhookController]
