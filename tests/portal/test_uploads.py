"""Customers send video and photos of their repair through their portal link: the same upload
sessions as engineers (single PUT or parts, verification, the evidence ledger), held to the
link's one work order and to what a customer may send."""

import asyncio
import hashlib
import uuid
from typing import Any

import pytest

from portal import uploads as portal_uploads
from tests.factories import World, sample_image
from tests.media import samples
from tests.media.test_uploads import declaration as engineers_declaration
from tests.media.test_verification import chain, verify_all

MIB = 1 << 20
pytestmark = pytest.mark.usefixtures("each_store")


def video(size: int) -> bytes:
    """A well-formed MP4 (ftyp, moov, mdat: verification walks its boxes) of random media."""
    return samples.video(size)


def declaration(data: bytes, **fields: Any) -> dict[str, Any]:
    """As an engineer's declaration (tests/media), a video unless told otherwise."""
    return engineers_declaration(data, **{"kind": "video", "content_type": "video/mp4", **fields})


async def portal(
    world: World, link: dict[str, str], method: str, path: str, expect: int, **kwargs: Any
) -> Any:
    response = await world.client.request(method, f"/api/v1/portal{path}", headers=link, **kwargs)
    assert response.status_code == expect, f"{method} {path}: {response.text}"
    return response.json()


async def test_a_customer_sends_a_video_in_parts_and_it_becomes_evidence(world: World) -> None:
    wo = await world.create_work_order()
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    link = await world.portal_link(wo["id"])
    data = video(17 * MIB)
    body = declaration(data, captured_at="2026-12-04T07:45:00Z")
    session = await portal(world, link, "POST", "/uploads", 201, json=body)
    assert (session["work_order_id"], session["part_size"]) == (wo["id"], 8 * MIB)
    first = session["parts"][0]
    assert (await world.send_to_link(first["url"], data[: 8 * MIB])).status_code == 200
    # The connection dropped: the customer's page asks again and sends only what is missing.
    resumed = await portal(world, link, "GET", f"/uploads/{session['id']}", 200)
    assert [p["uploaded"] for p in resumed["parts"]] == [True, False, False]
    for part in resumed["parts"][1:]:
        start = (part["number"] - 1) * 8 * MIB
        chunk = data[start : start + part["size"]]
        assert (await world.send_to_link(part["url"], chunk)).status_code == 200
    done = await portal(world, link, "POST", f"/uploads/{session['id']}/complete", 200)
    assert done["status"] == "uploaded"
    await verify_all(world)

    shown = await portal(world, link, "GET", "/work-order", 200)
    assert [(u["id"], u["status"]) for u in shown["uploads"]] == [(session["id"], "verified")]
    assert shown["uploads_left"] == portal_uploads.PORTAL_MAX_UPLOADS - 1
    # In the ledger, marked as the customer's, and shown to the engineer with the work order.
    entries = await chain(world, wo["id"])
    assert len(entries) == 1
    entry = entries[0]
    assert entry.sha256 == hashlib.sha256(data).hexdigest()
    assert entry.recorded_by is None
    evidence = await world.call("eng_a", "GET", f"/api/v1/work-orders/{wo['id']}/evidence")
    shown_entry = evidence.json()["entries"][0]
    link_id = (
        await world.call("dispatcher", "GET", f"/api/v1/work-orders/{wo['id']}/portal-links")
    ).json()["items"][0]["id"]
    assert shown_entry["details"]["portal_link"] == link_id
    assert shown_entry["upload_id"] == session["id"]


async def test_what_a_customer_may_not_send_is_refused_with_the_reason(world: World) -> None:
    wo = await world.create_work_order()
    link = await world.portal_link(wo["id"])
    photo = sample_image("PNG")
    refused = {
        "requirement": declaration(
            photo, kind="photo", content_type="image/png", requirement="photo_after"
        ),
        "kind": declaration(photo, kind="signature", content_type="image/png"),
    }
    for field, body in refused.items():
        answer = await portal(world, link, "POST", "/uploads", 422, json=body)
        assert answer["error"]["code"] == "validation_failed"
        assert answer["error"]["details"]["field"] == field
    too_big = declaration(b"x", size=1025 * MIB)
    answer = await portal(world, link, "POST", "/uploads", 413, json=too_big)
    assert answer["error"]["code"] == "payload_too_large"
    # Once the repair is closed (here: cancelled), nothing more is added to it.
    await world.transition("dispatcher", wo["id"], "cancelled", reason="duplicate ticket")
    body = declaration(photo, kind="photo", content_type="image/png")
    answer = await portal(world, link, "POST", "/uploads", 409, json=body)
    assert answer["error"]["code"] == "illegal_transition"


async def test_a_link_reaches_only_its_own_uploads(world: World, other_world: World) -> None:
    wo, other_wo = await world.create_work_order(), await world.create_work_order()
    link, second_link = await world.portal_link(wo["id"]), await world.portal_link(wo["id"])
    other_link = await world.portal_link(other_wo["id"])
    foreign_link = await other_world.portal_link((await other_world.create_work_order())["id"])
    data = video(4096)
    session = await portal(world, link, "POST", "/uploads", 201, json=declaration(data))
    # Another link of the same work order, of another work order, of another tenant: 404,
    # the same answer as for an upload that does not exist.
    for stranger in (second_link, other_link, foreign_link):
        for method, path in [
            ("GET", f"/uploads/{session['id']}"),
            ("POST", f"/uploads/{session['id']}/complete"),
            ("POST", f"/uploads/{session['id']}/abort"),
            ("GET", f"/uploads/{uuid.uuid4()}"),
        ]:
            answer = await portal(world, stranger, method, path, 404)
            assert answer["error"]["code"] == "not_found"
    # An engineer's upload on the same work order is not the customer's either.
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    photo = sample_image("JPEG")
    staff = await world.call(
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{wo['id']}/uploads",
        json=declaration(photo, kind="photo", content_type="image/jpeg"),
        expect=201,
    )
    await portal(world, link, "GET", f"/uploads/{staff.json()['id']}", 404)
    # The dispatcher sees the customer's session; the engineer (not its uploader) does not.
    await world.call("dispatcher", "GET", f"/api/v1/uploads/{session['id']}", expect=200)
    await world.call("eng_a", "GET", f"/api/v1/uploads/{session['id']}", expect=404)
    shown = await portal(world, link, "GET", "/uploads/" + session["id"], 200)
    assert shown["status"] == "pending"


async def test_a_retried_declaration_is_the_same_session_and_the_quota_holds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal_uploads, "PORTAL_MAX_UPLOADS", 2)
    wo = await world.create_work_order()
    link, other_link = await world.portal_link(wo["id"]), await world.portal_link(wo["id"])
    bodies = [declaration(video(2048)) for _ in range(3)]
    first = await portal(world, link, "POST", "/uploads", 201, json=bodies[0])
    again = await portal(world, link, "POST", "/uploads", 200, json=bodies[0])
    assert again["id"] == first["id"]
    # The same client key from another link is another customer's upload, not a replay.
    elsewhere = await portal(world, other_link, "POST", "/uploads", 201, json=bodies[0])
    assert elsewhere["id"] != first["id"]
    second = await portal(world, link, "POST", "/uploads", 201, json=bodies[1])
    full = await portal(world, link, "POST", "/uploads", 403, json=bodies[2])
    assert full["error"]["code"] == "quota_exceeded"
    replayed = await portal(world, link, "POST", "/uploads", 200, json=bodies[1])
    assert replayed["id"] == second["id"]  # a full quota still answers a retry
    # Every file the link declared counts, given up or not: no endless declare-and-abort.
    await portal(world, link, "POST", f"/uploads/{second['id']}/abort", 200)
    await portal(world, link, "POST", "/uploads", 403, json=bodies[2])
    shown = await portal(world, link, "GET", "/work-order", 200)
    assert shown["uploads_left"] == 0
    assert [u["status"] for u in shown["uploads"]] == ["pending", "aborted"]


async def test_parallel_declarations_cannot_pass_the_quota_together(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal_uploads, "PORTAL_MAX_UPLOADS", 3)
    wo = await world.create_work_order()
    link = await world.portal_link(wo["id"])
    answers = await asyncio.gather(
        *(
            world.client.post(
                "/api/v1/portal/uploads", headers=link, json=declaration(video(1024 + n))
            )
            for n in range(12)
        )
    )
    assert sorted(r.status_code for r in answers) == [201] * 3 + [403] * 9
    shown = await portal(world, link, "GET", "/work-order", 200)
    assert len(shown["uploads"]) == 3


async def test_once_the_repair_is_closed_nothing_more_is_added(world: World) -> None:
    wo = await world.create_work_order()
    link = await world.portal_link(wo["id"])
    data = video(4096)
    body = declaration(data)
    session = await portal(world, link, "POST", "/uploads", 201, json=body)
    await world.send_to_link(session["upload"], data)
    await world.transition("dispatcher", wo["id"], "cancelled", reason="solved by phone")
    refused = await portal(world, link, "POST", f"/uploads/{session['id']}/complete", 409)
    assert refused["error"]["code"] == "illegal_transition"
    # A retried declaration (its first answer was lost) still gets its session back.
    again = await portal(world, link, "POST", "/uploads", 200, json=body)
    assert again["id"] == session["id"]
    # The link still shows the repair and what became of the file.
    shown = await portal(world, link, "GET", "/work-order", 200)
    assert (shown["status"], shown["uploads"][0]["status"]) == ("cancelled", "pending")
