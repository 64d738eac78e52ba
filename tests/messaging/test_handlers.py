"""A customer's message reaches its handlers (a push to the assigned engineer and the
dispatchers, never the customer, never another tenant), and a link sends only so many in a
few minutes, counted in the database."""

import uuid
from datetime import timedelta

from kernel.clock import utcnow
from kernel.statements import Statement
from messaging import writing
from tests.factories import World
from tests.messaging.factories import Conversation, Notification, conversation

BACKDATE = Statement(
    "UPDATE messaging_message SET created_at = :at WHERE tenant = :tenant AND client_id = :id"
)


async def customer_messages(chat: Conversation) -> list[Notification]:
    return [n for n in await chat.notifications() if n.kind == "customer_message"]


async def test_a_customer_message_pushes_the_engineer_and_the_dispatchers(
    world: World, other_world: World
) -> None:
    chat = await conversation(world)
    await other_world.create_work_order()  # another tenant's dispatchers hear nothing
    await chat.staff_post(body="Staff messages push nobody")
    assert await customer_messages(chat) == []
    sent = await chat.customer_post(body="The compressor   makes\na loud noise " + "x" * 200)
    customer = await customer_messages(chat)
    assert {n.recipient for n in customer} == {world.users["eng_a"], world.users["dispatcher"]}
    first = customer[0]
    assert first.title == f"Customer message on {chat.work_order['number']}"
    assert first.body.startswith("The compressor makes a loud noise xxx")
    assert len(first.body) == writing.PREVIEW_CHARS
    assert first.collapse_key == f"msg:{chat.id}"
    assert first.data["message_id"] == sent["id"]
    # A replay of the same message pushes nobody again.
    await chat.customer_post(expect=200, id=sent["id"], body=sent["body"])
    assert len(await customer_messages(chat)) == 2


async def test_the_dispatch_roles_of_the_work_orders_team_are_told_when_it_has_them(
    world: World,
) -> None:
    # The supervisor joins team_a: the team's dispatch roles are told instead of every
    # dispatcher of the tenant.
    team = world.teams["team_a"]
    members = [str(world.users[name]) for name in ("eng_a", "eng_a2", "supervisor")]
    await world.call(
        "admin", "PATCH", f"/api/v1/teams/{team}", json={"member_ids": members}, expect=200
    )
    chat = await conversation(world)
    await chat.customer_post(body="Is it the seal?")
    recipients = {n.recipient for n in await customer_messages(chat)}
    assert recipients == {world.users["eng_a"], world.users["supervisor"]}
    # Unassigned, the dispatch roles alone hear of it.
    unassigned = await conversation(world, assignee=None)
    await unassigned.customer_post(body="Hello?")
    pushed = await customer_messages(unassigned)
    assert {n.recipient for n in pushed} == {world.users["supervisor"]}


async def test_a_link_sends_ten_messages_in_five_minutes_and_another_link_is_not_held_back(
    world: World,
) -> None:
    chat = await conversation(world)
    sent = [await chat.customer_post(body=f"message {n}") for n in range(writing.LINK_MESSAGES)]
    response = await world.client.post(
        "/api/v1/portal/messages", json={"body": "one too many"}, headers=chat.link
    )
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= writing.LINK_WINDOW.total_seconds()
    assert error["details"]["retry_after_seconds"] == retry_after
    # A retry of a message already sent is still answered; staff are not limited.
    await chat.customer_post(expect=200, id=sent[0]["id"], body=sent[0]["body"])
    await chat.staff_post(body="Got them all")
    # Another link of the same work order has its own count.
    second = await world.portal_link(chat.id)
    await chat.portal("POST", expect=201, link=second, json={"body": "from the site manager"})
    # Once the oldest message is out of the window, the link may send again.
    db = world.client.app.state.services.db
    await db.execute(
        BACKDATE,
        at=utcnow() - writing.LINK_WINDOW - timedelta(seconds=1),
        tenant=world.tenant_id,
        id=uuid.UUID(sent[0]["id"]),
    )
    await chat.customer_post(body="one more, later")
    listed = await chat.staff_list()
    assert len(listed["items"]) == writing.LINK_MESSAGES + 3
