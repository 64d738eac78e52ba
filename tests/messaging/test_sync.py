"""Engineers read and write messages offline: the ``messages`` sync collection holds the
conversations of their assigned work orders (following a reassignment), a pushed message is
written as the REST API writes it, and a read receipt goes up as ``read_at``."""

import uuid
from typing import Any

from tests.factories import World
from tests.messaging.factories import conversation
from tests.sync.test_pull import pull_all
from tests.sync.test_push import conflicts_of, push, row


def new_message(work_order_id: str, body: str, **fields: Any) -> dict[str, Any]:
    """A message as the app makes it offline."""
    return {
        "id": str(uuid.uuid4()),
        "work_order_id": work_order_id,
        "body": body,
        "device_time": "2026-12-06T07:30:00Z",
        **fields,
    }


async def test_the_assigned_engineer_pulls_the_customers_messages_and_no_one_else_does(
    world: World,
) -> None:
    chat = await conversation(world)
    sent = await chat.customer_post(body="Please bring a ladder")
    mine, checkpoint = await pull_all(world, "eng_a", "messages")
    document = mine[sent["id"]]
    assert (document["body"], document["author_side"], document["seq"]) == (
        "Please bring a ladder",
        "customer",
        1,
    )
    assert (document["work_order_id"], document["read_at"], document["_deleted"]) == (
        chat.id,
        None,
        False,
    )
    for other in ("eng_a2", "eng_b"):
        theirs, _ = await pull_all(world, other, "messages")
        assert theirs == {}, other
    # A reply from the dispatcher's desk reaches the device on its next pull.
    reply = await chat.staff_post("dispatcher", body="Eng A has one")
    more, _ = await pull_all(world, "eng_a", "messages", checkpoint)
    assert list(more) == [reply["id"]]

    # Reassigned to eng_a2: the conversation follows the work order.
    await world.transition(
        "dispatcher", chat.id, "assigned", assignee_id=str(world.users["eng_a2"])
    )
    gone, _ = await pull_all(world, "eng_a", "messages", checkpoint)
    assert {doc_id: doc["_deleted"] for doc_id, doc in gone.items()} == {
        sent["id"]: True,
        reply["id"]: True,
    }
    theirs, _ = await pull_all(world, "eng_a2", "messages")
    assert set(theirs) == {sent["id"], reply["id"]}


async def test_a_message_pushed_offline_reaches_the_staff_and_the_customer(world: World) -> None:
    chat = await conversation(world)
    await chat.staff_post(body="first from the API")
    message = new_message(chat.id, "Arrived, checking the compressor")
    answer = await push(world, "eng_a", "messages", [row(None, message)])
    # The server fills in what the device cannot know: the device adopts it.
    (stored,) = answer
    assert (stored["id"], stored["seq"], stored["author_side"]) == (message["id"], 2, "staff")
    assert stored["author_id"] == str(world.users["eng_a"])
    assert stored["device_time"].startswith("2026-12-06T07:30:00")
    staff_view = await chat.staff_list("dispatcher")
    assert [m["body"] for m in staff_view["items"]] == [
        "first from the API",
        "Arrived, checking the compressor",
    ]
    customer_view = await chat.customer_list()
    assert customer_view["items"][1]["author_name"] == "Eng A"
    # A replay (the answer was lost) changes nothing, records no conflict.
    assert await push(world, "eng_a", "messages", [row(None, message)]) == [stored]
    assert await push(world, "eng_a", "messages", [row(stored, stored)]) == []
    assert len((await chat.staff_list())["items"]) == 2
    assert await conflicts_of(world, message["id"]) == []


async def test_a_read_receipt_goes_up_and_edits_are_refused(world: World) -> None:
    chat = await conversation(world)
    sent = await chat.customer_post(body="When will you come?")
    mine, _ = await pull_all(world, "eng_a", "messages")
    document = mine[sent["id"]]
    # A device clock before the message was written: it was read when it came, no earlier.
    read = {**document, "read_at": "2000-01-01T00:00:00Z"}
    (stored,) = await push(world, "eng_a", "messages", [row(document, read)])
    assert stored["read_at"] == document["created_at"]
    assert stored["read_by_id"] == str(world.users["eng_a"])
    shown = (await chat.customer_list())["items"][0]
    assert shown["read_at"] is not None
    assert shown["read_by_name"] == "Eng A"
    # Editing or deleting a message is a conflict: the server's document comes back.
    edited = {**stored, "body": "I changed what the customer said"}
    (back,) = await push(world, "eng_a", "messages", [row(stored, edited)])
    assert back["body"] == "When will you come?"
    deleted = {**stored, "_deleted": True}
    (back,) = await push(world, "eng_a", "messages", [row(stored, deleted)])
    assert back["_deleted"] is False
    fields = sorted(c["field"] for c in await conflicts_of(world, sent["id"]))
    assert fields == ["_deleted", "body"]
    # The engineer's own message is read by the customer, not by the engineer.
    own = new_message(chat.id, "Tomorrow at 9")
    (own_stored,) = await push(world, "eng_a", "messages", [row(None, own)])
    marked = {**own_stored, "read_at": "2026-12-06T08:00:00Z"}
    (back,) = await push(world, "eng_a", "messages", [row(own_stored, marked)])
    assert back["read_at"] is None
    assert [c["field"] for c in await conflicts_of(world, own["id"])] == ["read_at"]


async def test_pushes_the_rules_refuse_are_conflicts_and_bad_input_fails_the_batch(
    world: World,
) -> None:
    chat = await conversation(world)
    others = await conversation(world, assignee="eng_b")
    # Not the engineer's work order: 404 naming the row, as for notes.
    refused = await push(
        world, "eng_a", "messages", [row(None, new_message(others.id, "hi"))], expect=404
    )
    assert refused["error"]["details"]["index"] == 0
    # An attachment that is not the work order's: 422, nothing saved.
    bad = new_message(chat.id, "see photo", attachment_ids=[str(uuid.uuid4())])
    refused = await push(world, "eng_a", "messages", [row(None, bad)], expect=422)
    assert refused["error"]["code"] == "invalid_reference"
    empty = new_message(chat.id, " ")
    refused = await push(world, "eng_a", "messages", [row(None, empty)], expect=422)
    assert refused["error"]["code"] == "validation_failed"
    assert (await chat.staff_list())["items"] == []
    # Written offline after the work order was cancelled: kept as a conflict, dropped.
    await world.transition("dispatcher", chat.id, "cancelled", reason="customer fixed it")
    late = new_message(chat.id, "On my way")
    assert await push(world, "eng_a", "messages", [row(None, late)]) == [
        {"id": late["id"], "_deleted": True}
    ]
    assert [c["client_value"] for c in await conflicts_of(world, late["id"])] == ["On my way"]
    assert (await chat.staff_list())["items"] == []
