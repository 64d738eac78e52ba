"""Attachments are upload sessions of the same work order: the customer's own (sent through
the same link), any of the work order's for staff, never a refused, aborted or expired one.
A refused attachment refuses the whole message: nothing is saved."""

import uuid

from tests.factories import World, sample_image
from tests.media.test_verification import verify_all
from tests.messaging.factories import conversation, customer_upload, staff_upload


async def test_the_customer_attaches_its_uploads_and_sees_what_became_of_them(
    world: World,
) -> None:
    chat = await conversation(world)
    data = sample_image("JPEG")
    upload = await customer_upload(chat)
    sent = await chat.customer_post(body="", attachment_ids=[upload["id"], upload["id"]])
    (attached,) = sent["attachments"]  # once, however often it was named
    assert attached == {
        "id": upload["id"],
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": upload["size"],
        "status": "pending",
    }
    # The bytes arrive and pass verification: the message shows it as it is now.
    put = await world.send_to_link(upload["upload"], data)
    assert put.status_code == 200, put.text
    response = await world.client.post(
        f"/api/v1/portal/uploads/{upload['id']}/complete", headers=chat.link
    )
    assert response.status_code == 200, response.text
    await verify_all(world)
    (shown,) = (await chat.staff_list())["items"]
    assert [a["status"] for a in shown["attachments"]] == ["verified"]
    # Staff attach any upload of the work order, the customer's too.
    mine = await staff_upload(chat)
    reply = await chat.staff_post(body="Photo of the new seal", attachment_ids=[mine["id"]])
    assert [a["id"] for a in reply["attachments"]] == [mine["id"]]
    both = await chat.staff_post("dispatcher", body="both", attachment_ids=[upload["id"]])
    assert both["attachments"][0]["status"] == "verified"
    customer_view = await chat.customer_list()
    assert [len(m["attachments"]) for m in customer_view["items"]] == [1, 1, 1]


async def test_what_may_not_be_attached_is_refused_and_nothing_is_saved(
    world: World, other_world: World
) -> None:
    chat = await conversation(world)
    other_link = await world.portal_link(chat.id)
    elsewhere = await conversation(world)
    foreign = await conversation(other_world)
    aborted = await customer_upload(chat)
    response = await world.client.post(
        f"/api/v1/portal/uploads/{aborted['id']}/abort", headers=chat.link
    )
    assert response.status_code == 200, response.text
    refused = {
        "another link's upload": (await customer_upload(chat, other_link))["id"],
        "another work order's upload": (await customer_upload(elsewhere))["id"],
        "a member of staff's upload": (await staff_upload(chat))["id"],
        "another tenant's upload": (await customer_upload(foreign))["id"],
        "an unknown id": str(uuid.uuid4()),
    }
    good = (await customer_upload(chat))["id"]
    for what, upload_id in refused.items():
        answer = await chat.customer_post(expect=422, body=what, attachment_ids=[good, upload_id])
        error = answer["error"]
        assert error["code"] == "invalid_reference", what
        assert error["details"] == {"field": "attachment_ids", "id": upload_id}, what
    answer = await chat.customer_post(expect=422, body="aborted", attachment_ids=[aborted["id"]])
    assert answer["error"]["code"] == "invalid_reference"
    assert answer["error"]["details"]["status"] == "aborted"
    # Staff may attach the work order's uploads, not another work order's or tenant's.
    for upload_id in (refused["another work order's upload"], refused["another tenant's upload"]):
        answer = await chat.staff_post(expect=422, body="x", attachment_ids=[upload_id])
        assert answer["error"]["details"]["id"] == upload_id
    assert (await chat.staff_list())["items"] == []
    assert [n for n in await chat.notifications() if n.kind == "customer_message"] == []
