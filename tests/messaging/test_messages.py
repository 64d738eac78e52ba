"""Messages between the customer (portal link) and staff: both sides write and read, retries
never send twice, read receipts go both ways, closed work orders take no more, and who may
write is the work order's engineer and the dispatch roles."""

import uuid
from datetime import UTC, datetime

from tests.factories import World
from tests.messaging.factories import conversation


async def test_the_customer_and_staff_write_and_both_read_the_conversation(world: World) -> None:
    chat = await conversation(world)
    first = await chat.customer_post(body="The freezer beeps again, 冷库报警")
    assert (first["seq"], first["author_side"], first["author_id"]) == (1, "customer", None)
    assert first["author_name"] == "Cold Chain Co"  # the work order's customer
    assert first["read_at"] is None
    reply = await chat.staff_post(body="On my way, there in 30 minutes.")
    assert (reply["seq"], reply["author_side"]) == (2, "staff")
    assert (reply["author_id"], reply["author_name"]) == (str(world.users["eng_a"]), "Eng A")
    again = await chat.staff_post("dispatcher", body="Ms. Chen, the engineer is Eng A.")

    staff_view = await chat.staff_list("supervisor")
    assert [m["id"] for m in staff_view["items"]] == [first["id"], reply["id"], again["id"]]
    assert [m["seq"] for m in staff_view["items"]] == [1, 2, 3]
    assert (staff_view["has_more"], staff_view["unread"]) == (False, 1)
    assert staff_view["items"][0]["portal_link_id"] is not None  # which link wrote it

    customer_view = await chat.customer_list()
    assert [m["body"] for m in customer_view["items"]] == [
        "The freezer beeps again, 冷库报警",
        "On my way, there in 30 minutes.",
        "Ms. Chen, the engineer is Eng A.",
    ]
    assert customer_view["unread"] == 2
    # The customer sees names, never staff ids or the link's id.
    shown = customer_view["items"][1]
    assert (shown["author_name"], shown["author_id"], shown["portal_link_id"]) == (
        "Eng A",
        None,
        None,
    )
    # Pages, oldest first, by the last seq held; a poll with the last seq is empty.
    page = await chat.customer_list(limit=2)
    assert ([m["seq"] for m in page["items"]], page["has_more"]) == ([1, 2], True)
    rest = await chat.customer_list(after=2, limit=2)
    assert ([m["seq"] for m in rest["items"]], rest["has_more"]) == ([3], False)
    assert (await chat.customer_list(after=3))["items"] == []


async def test_a_retried_post_is_the_same_message_and_other_content_is_a_conflict(
    world: World,
) -> None:
    chat = await conversation(world)
    message_id = str(uuid.uuid4())
    sent = await chat.customer_post(id=message_id, body="Door seal is torn")
    assert sent["id"] == message_id
    replayed = await chat.customer_post(expect=200, id=message_id, body="Door seal is torn")
    assert replayed == sent
    refused = await chat.customer_post(expect=409, id=message_id, body="Something else")
    assert refused["error"]["code"] == "already_exists"
    # A member of staff using the customer's id: a clash of ids, not the same message.
    clash = await chat.staff_post(expect=409, id=message_id, body="Door seal is torn")
    assert clash["error"]["code"] == "already_exists"

    staff_id = str(uuid.uuid4())
    written = await chat.staff_post(
        id=staff_id,
        body="Bringing a new seal",
        occurred_at=(datetime(2026, 12, 6, 8, 0, tzinfo=UTC).isoformat()),
    )
    assert written["device_time"].startswith("2026-12-06T08:00:00")
    again = await chat.staff_post(expect=200, id=staff_id, body="Bringing a new seal")
    assert again["id"] == staff_id
    assert [m["id"] for m in (await chat.staff_list())["items"]] == [message_id, staff_id]


async def test_read_receipts_go_both_ways_and_repeating_one_changes_nothing(world: World) -> None:
    chat = await conversation(world)
    first = await chat.customer_post(body="Is anyone coming?")
    second = await chat.customer_post(body="It is at -5 °C now")
    answer = await chat.staff_post(body="Yes, at 10:00")

    # The engineer read up to the customer's second message: both are read, by them.
    receipt = await chat.staff_read(second["id"])
    assert (receipt["marked"], receipt["unread"], receipt["up_to"]) == (2, 0, second["id"])
    shown = (await chat.customer_list())["items"]
    assert [m["read_at"] is not None for m in shown] == [True, True, False]
    assert shown[0]["read_by_name"] == "Eng A"
    assert shown[0]["read_by_id"] is None  # no staff ids on the portal
    staff_shown = (await chat.staff_list("dispatcher"))["items"]
    assert staff_shown[0]["read_by_id"] == str(world.users["eng_a"])
    read_at = staff_shown[0]["read_at"]
    # Again (by the dispatcher): nothing more is marked, the first reading stays.
    repeat = await chat.staff_read(second["id"], who="dispatcher")
    assert (repeat["marked"], repeat["unread"]) == (0, 0)
    assert (await chat.staff_list())["items"][0]["read_at"] == read_at

    # The customer reads the staff's answer (naming their own message: up to the newest).
    assert (await chat.customer_list())["unread"] == 1
    receipt = await chat.customer_read(answer["id"])
    assert (receipt["marked"], receipt["unread"]) == (1, 0)
    staff_view = await chat.staff_list()
    assert staff_view["items"][2]["read_at"] is not None  # the writer sees it was read
    assert staff_view["items"][2]["read_by_id"] is None  # read by the customer
    assert staff_view["unread"] == 0
    missing = await chat.customer_read(str(uuid.uuid4()), expect=404)
    assert missing["error"]["code"] == "not_found"
    assert first["id"] in {m["id"] for m in staff_view["items"]}


async def test_a_closed_or_cancelled_work_order_takes_no_more_messages(world: World) -> None:
    chat = await conversation(world)
    sent_id = str(uuid.uuid4())
    await chat.customer_post(id=sent_id, body="Thanks!")
    await world.transition("dispatcher", chat.id, "cancelled", reason="duplicate ticket")
    refused = await chat.customer_post(expect=409, body="One more thing")
    assert refused["error"]["code"] == "illegal_transition"
    assert "cancelled" in refused["error"]["message"]
    refused = await chat.staff_post("dispatcher", expect=409, body="Closing this one")
    assert refused["error"]["code"] == "illegal_transition"
    # A retry of what was sent before still answers it; reading stays possible.
    await chat.customer_post(expect=200, id=sent_id, body="Thanks!")
    assert [m["id"] for m in (await chat.customer_list())["items"]] == [sent_id]


async def test_staff_write_on_their_own_work_orders_only(world: World) -> None:
    chat = await conversation(world)
    # eng_b (another team) does not see the work order: 404, as for its notes.
    for method, path in (("GET", ""), ("POST", ""), ("POST", "/read")):
        body = {"body": "hi"} if path == "" else {"up_to": str(uuid.uuid4())}
        response = await world.call(
            "eng_b", method, chat.staff_url + path, json=body if method == "POST" else None
        )
        assert response.status_code == 404, response.text
    # eng_a2 (same team, not assigned) reads the conversation but does not write to it.
    await chat.staff_list("eng_a2")
    refused = await chat.staff_post("eng_a2", expect=403, body="hello")
    assert refused["error"]["code"] == "forbidden"
    sent = await chat.customer_post(body="hello?")
    refused = (
        await world.call(
            "eng_a2", "POST", f"{chat.staff_url}/read", json={"up_to": sent["id"]}, expect=403
        )
    ).json()
    assert refused["error"]["code"] == "forbidden"
    # Admins, dispatchers and supervisors write on any work order of the tenant.
    for who in ("admin", "dispatcher", "supervisor"):
        await chat.staff_post(who, body=f"from {who}")


async def test_an_empty_message_and_bad_input_are_refused(world: World) -> None:
    chat = await conversation(world)
    for body in ({}, {"body": "   \n"}, {"body": "", "attachment_ids": []}):
        refused = await chat.customer_post(expect=422, **body)
        assert refused["error"]["code"] == "validation_failed"
        assert refused["error"]["details"]["field"] == "body"
    too_many = [str(uuid.uuid4()) for _ in range(11)]
    refused = await chat.staff_post(expect=422, body="x", attachment_ids=too_many)
    assert refused["error"]["code"] == "validation_failed"
    refused = await chat.staff_post(expect=422, body="x" * 20_001)
    assert refused["error"]["code"] == "validation_failed"
    assert (await chat.staff_list())["items"] == []


async def test_a_portal_link_and_staff_reach_only_their_own_tenants_messages(
    world: World, other_world: World
) -> None:
    chat = await conversation(world)
    sent = await chat.customer_post(body="Private: the alarm code is 4711")
    other = await conversation(other_world)
    await other.customer_post(body="Someone else's repair")
    # Another tenant's staff: the work order is not found, whoever they are.
    for who in ("admin", "dispatcher", "eng_a"):
        for method, path, body in (
            ("GET", "", None),
            ("POST", "", {"body": "pwned"}),
            ("POST", "/read", {"up_to": sent["id"]}),
        ):
            response = await other_world.call(who, method, chat.staff_url + path, json=body)
            assert response.status_code == 404, response.text
            assert "4711" not in response.text
    # Another tenant's link lists its own conversation only, and cannot read this one's.
    listed = await other.customer_list()
    assert [m["body"] for m in listed["items"]] == ["Someone else's repair"]
    refused = await other.customer_read(sent["id"], expect=404)
    assert refused["error"]["code"] == "not_found"
    # A client id the other tenant used is just another id here (ids are per tenant).
    await chat.customer_post(id=listed["items"][0]["id"], body="same id, other tenant")
    # Nothing of theirs was changed.
    mine = await chat.staff_list()
    assert mine["items"][0]["read_at"] is None
    assert [m["body"] for m in (await other.customer_list())["items"]] == ["Someone else's repair"]


async def test_a_customer_message_is_signed_with_the_links_contact(world: World) -> None:
    """The link's contact name when the dispatcher gave one (the customer's name otherwise, as
    above)."""
    work_order = await world.create_work_order()
    url = f"/api/v1/work-orders/{work_order['id']}/portal-links"
    issued = await world.call(
        "dispatcher", "POST", url, json={"contact_name": "陈女士"}, expect=201
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    posted = await world.client.post(
        "/api/v1/portal/messages", json={"body": "门口结霜"}, headers=headers
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["author_name"] == "陈女士"
