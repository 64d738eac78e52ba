"""Helpers of the messaging tests: a work order assigned to eng_a with its customer's portal
link, and the two sides' calls."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from kernel.statements import Statement
from tests.factories import World, sample_image

NOTIFICATIONS = Statement(
    "SELECT recipient, kind, title, body, collapse_key, data FROM push_notification"
    " WHERE tenant = :tenant AND subject_id = :work_order ORDER BY created_at, recipient"
)


class Notification(msgspec.Struct, frozen=True):
    """A push_notification row (recipient, kind and texts)."""

    recipient: uuid.UUID
    kind: str
    title: str
    body: str
    collapse_key: str
    data: dict[str, str]


@dataclass
class Conversation:
    world: World
    work_order: dict[str, Any]
    link: dict[str, str]  # the customer's portal link (its Authorization header)

    @property
    def id(self) -> str:
        return str(self.work_order["id"])

    @property
    def staff_url(self) -> str:
        return f"/api/v1/work-orders/{self.id}/messages"

    async def staff_post(self, who: str = "eng_a", expect: int = 201, **body: Any) -> Any:
        response = await self.world.call(who, "POST", self.staff_url, json=body, expect=expect)
        return response.json()

    async def staff_list(self, who: str = "eng_a", expect: int = 200, **params: Any) -> Any:
        response = await self.world.call(who, "GET", self.staff_url, params=params, expect=expect)
        return response.json()

    async def staff_read(self, up_to: str, who: str = "eng_a", expect: int = 200) -> Any:
        response = await self.world.call(
            who, "POST", f"{self.staff_url}/read", json={"up_to": up_to}, expect=expect
        )
        return response.json()

    async def portal(
        self,
        method: str,
        path: str = "",
        expect: int = 200,
        link: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        response = await self.world.client.request(
            method, f"/api/v1/portal/messages{path}", headers=link or self.link, **kwargs
        )
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response.json()

    async def customer_post(self, expect: int = 201, **body: Any) -> Any:
        return await self.portal("POST", expect=expect, json=body)

    async def customer_list(self, **params: Any) -> Any:
        return await self.portal("GET", params=params)

    async def customer_read(self, up_to: str, expect: int = 200) -> Any:
        return await self.portal("POST", "/read", expect=expect, json={"up_to": up_to})

    async def notifications(self) -> list[Notification]:
        db = self.world.client.app.state.services.db
        return await db.fetch(
            NOTIFICATIONS, Notification, tenant=self.world.tenant_id, work_order=uuid.UUID(self.id)
        )


async def conversation(world: World, assignee: str | None = "eng_a") -> Conversation:
    """A work order of team_a for the world's customer, assigned to ``assignee``, and the
    portal link the dispatcher sent."""
    work_order = await world.create_work_order(customer_id=str(world.customer_id))
    if assignee is not None:
        await world.transition(
            "dispatcher", work_order["id"], "assigned", assignee_id=str(world.users[assignee])
        )
    return Conversation(world, work_order, await world.portal_link(work_order["id"]))


def photo_declaration(data: bytes | None = None) -> dict[str, Any]:
    data = data or sample_image("JPEG")
    return {
        "client_key": f"k-{uuid.uuid4().hex}",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


async def customer_upload(chat: Conversation, link: dict[str, str] | None = None) -> Any:
    """A photo the customer declared through ``link`` (pending: its bytes not sent)."""
    response = await chat.world.client.post(
        "/api/v1/portal/uploads", json=photo_declaration(), headers=link or chat.link
    )
    assert response.status_code == 201, response.text
    return response.json()


async def staff_upload(chat: Conversation, who: str = "eng_a") -> Any:
    response = await chat.world.call(
        who, "POST", f"/api/v1/work-orders/{chat.id}/uploads", json=photo_declaration()
    )
    assert response.status_code == 201, response.text
    return response.json()
