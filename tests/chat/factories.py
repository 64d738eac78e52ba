"""Helpers of the chat tests: a channel made through the admin route, and queries signed as
WeChat and as a generic platform sign them."""

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import httpx

from kernel.statements import Statement
from tests.factories import World

URL = "/api/v1/chat/status-query"
SET_TENANT_LOCALE = Statement("UPDATE accounts_tenant SET locale = :locale WHERE id = :id")
ACCOUNT = "gh_0123456789ab"  # the official account's own id


def wechat_body(open_id: str, text: str, kind: str = "text") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{open_id}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>1234567890123456</MsgId></xml>"
    ).encode()


def reply_content(response: httpx.Response) -> str:
    """The text of WeChat's passive reply."""
    root = ElementTree.fromstring(response.content)
    assert root.findtext("MsgType") == "text", response.text
    assert root.findtext("FromUserName") == ACCOUNT
    return root.findtext("Content") or ""


@dataclass
class Channel:
    world: World
    id: str
    secret: str
    style: str
    webhook_url: str

    def wechat_params(
        self, *, timestamp: int | None = None, nonce: str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        moment = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or uuid.uuid4().hex
        parts = sorted((secret or self.secret, moment, nonce))
        signature = hashlib.sha1("".join(parts).encode()).hexdigest()
        return {"channel": self.id, "signature": signature, "timestamp": moment, "nonce": nonce}

    def generic_headers(
        self, body: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        moment = str(int(time.time()) if timestamp is None else timestamp)
        key = (secret or self.secret).encode()
        signature = hmac.new(key, moment.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {
            "X-Fieldops-Timestamp": moment,
            "X-Fieldops-Signature": signature,
            "Content-Type": "application/json",
        }

    async def wechat(self, open_id: str, text: str, **signing: Any) -> httpx.Response:
        return await self.world.client.post(
            URL, params=self.wechat_params(**signing), content=wechat_body(open_id, text)
        )

    async def generic(
        self, text: str, *, phone: str = "", open_id: str = "", **signing: Any
    ) -> httpx.Response:
        sender = {"phone": phone, "open_id": open_id}
        body = json.dumps({"from": sender, "text": text, "id": uuid.uuid4().hex}).encode()
        return await self.world.client.post(
            URL,
            params={"channel": self.id},
            content=body,
            headers=self.generic_headers(body, **signing),
        )

    async def ask(self, text: str, *, phone: str = "", open_id: str = "") -> httpx.Response:
        """A query in the channel's own style (WeChat knows senders by open id only)."""
        if self.style == "wechat":
            return await self.wechat(open_id, text)
        return await self.generic(text, phone=phone, open_id=open_id)


async def make_channel(world: World, style: str = "generic", name: str = "Service") -> Channel:
    body = {"name": name, "style": style}
    created = (
        await world.call("admin", "POST", "/api/v1/chat/channels", json=body, expect=201)
    ).json()
    return Channel(
        world=world,
        id=created["channel"]["id"],
        secret=created["secret"],
        style=style,
        webhook_url=created["channel"]["webhook_url"],
    )


async def set_contacts(world: World, *contacts: dict[str, Any]) -> None:
    url = f"/api/v1/customers/{world.customer_id}"
    await world.call("admin", "PATCH", url, json={"contacts": list(contacts)}, expect=200)


async def set_tenant_locale(world: World, locale: str) -> None:
    db = world.client.app.state.services.db
    await db.execute(SET_TENANT_LOCALE, locale=locale, id=world.tenant_id)


async def customer_order(world: World, **fields: Any) -> dict[str, Any]:
    """A work order of the world's customer."""
    return await world.create_work_order(customer_id=str(world.customer_id), **fields)
