"""Upload sessions through the API with the app's local store: single and multipart uploads,
resume, completion checks, limits, idempotent creation, abort, and who may see a session."""

import hashlib
import os
import uuid
from typing import Any

import pytest

from kernel.statements import Statement
from media.sql import UploadRow
from tests.factories import World

MIB = 1 << 20
UPLOAD = Statement(
    "SELECT id, tenant, work_order, created_by, portal_link, client_key, kind, requirement,"
    " content_type, size, sha256, captured_at, latitude, longitude, object_key, store_upload_id,"
    " part_size, part_count, status, rejection_reason, created_at, expires_at, completed_at"
    " FROM media_upload WHERE id = :id"
)
pytestmark = pytest.mark.usefixtures("each_store")


async def engineers_work_order(world: World) -> str:
    wo = await world.create_work_order()
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    return str(wo["id"])


def declaration(data: bytes, **fields: Any) -> dict[str, Any]:
    return {
        "client_key": f"k-{uuid.uuid4().hex}",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **fields,
    }


async def create(world: World, wo: str, body: dict[str, Any], expect: int = 201) -> Any:
    response = await world.call(
        "eng_a", "POST", f"/api/v1/work-orders/{wo}/uploads", json=body, expect=expect
    )
    return response.json()


async def put(world: World, link: dict[str, Any], data: bytes, expect: int = 200) -> None:
    response = await world.send_to_link(link, data)
    assert response.status_code == expect, response.text


async def call(world: World, who: str, upload: str, action: str = "", expect: int = 200) -> Any:
    method = "POST" if action else "GET"
    url = f"/api/v1/uploads/{upload}" + (f"/{action}" if action else "")
    return (await world.call(who, method, url, expect=expect)).json()


async def test_a_photo_goes_up_in_one_put_and_completes(world: World) -> None:
    wo, data = await engineers_work_order(world), os.urandom(200_000)
    body = declaration(data, requirement="photo_before", captured_at="2026-12-04T08:00:00Z")
    session = await create(world, wo, body)
    assert (session["status"], session["part_size"], session["parts"]) == ("pending", 0, [])
    assert session["upload"]["method"] == "PUT"
    await put(world, session["upload"], data)
    done = await call(world, "eng_a", session["id"], "complete")
    assert done["status"] == "uploaded"
    assert done["upload"] is None
    assert (await call(world, "eng_a", session["id"], "complete"))["status"] == "uploaded"
    # The same declaration again (a retry after a lost answer): the same session, 200.
    again = await create(world, wo, body, expect=200)
    assert again["id"] == session["id"]
    # The same key for another file is refused.
    other = {**body, "sha256": "1" * 64}
    assert (await create(world, wo, other, expect=409))["error"]["code"] == "already_exists"


async def test_a_video_goes_up_in_parts_and_resumes(world: World) -> None:
    wo, data = await engineers_work_order(world), os.urandom(17 * MIB)
    session = await create(world, wo, declaration(data, kind="video", content_type="video/mp4"))
    assert session["upload"] is None
    assert session["part_size"] == 8 * MIB
    parts = session["parts"]
    assert [(p["number"], p["size"], p["uploaded"]) for p in parts] == [
        (1, 8 * MIB, False),
        (2, 8 * MIB, False),
        (3, MIB, False),
    ]
    await put(world, parts[0]["url"], data[: 8 * MIB])
    incomplete = await call(world, "eng_a", session["id"], "complete", expect=409)
    assert incomplete["error"]["code"] == "upload_incomplete"
    assert incomplete["error"]["details"]["missing_parts"] == [2, 3]
    # The app comes back: the session says what is held and gives links for the rest.
    resumed = await call(world, "eng_a", session["id"])
    assert [p["uploaded"] for p in resumed["parts"]] == [True, False, False]
    assert resumed["parts"][0]["url"] is None
    await put(world, resumed["parts"][2]["url"], data[16 * MIB :])
    await put(world, resumed["parts"][1]["url"], data[8 * MIB : 16 * MIB])
    done = await call(world, "eng_a", session["id"], "complete")
    assert done["status"] == "uploaded"
    store = world.client.app.state.services.media
    key = f"quarantine/{world.tenant_id}/{wo}/{session['id']}"
    assert (await store.stat(key=key)).size == len(data)


async def test_a_complete_whose_outcome_was_lost_completes_again(world: World) -> None:
    """The store assembled the parts, then the server died before the session said so: the
    client's retry finds the object and completes, instead of asking for parts for ever."""
    wo, data = await engineers_work_order(world), os.urandom(17 * MIB)
    session = await create(world, wo, declaration(data, kind="video", content_type="video/mp4"))
    for part in session["parts"]:
        start = (part["number"] - 1) * 8 * MIB
        await put(world, part["url"], data[start : start + part["size"]])
    store = world.client.app.state.services.media
    row = await world.client.app.state.services.db.fetch_one(
        UPLOAD, UploadRow, id=uuid.UUID(session["id"])
    )
    assert row is not None
    held = await store.list_parts(key=row.object_key, upload_id=row.store_upload_id)
    await store.complete_multipart(key=row.object_key, upload_id=row.store_upload_id, parts=held)
    done = await call(world, "eng_a", session["id"], "complete")
    assert done["status"] == "uploaded"
    assert (await store.stat(key=row.object_key)).size == len(data)


async def test_limits_are_checked_when_declared_and_when_the_bytes_arrive(
    world: World, each_store: str
) -> None:
    wo = await engineers_work_order(world)
    exe = declaration(b"MZ" * 10, content_type="application/x-msdownload")
    refused = await create(world, wo, exe, expect=415)
    assert refused["error"]["code"] == "unsupported_media_type"
    assert "image/jpeg" in refused["error"]["details"]["allowed"]
    huge = {**declaration(b"x"), "size": 26 * MIB}
    assert (await create(world, wo, huge, expect=413))["error"]["code"] == "payload_too_large"
    # More bytes than declared: the local link refuses them, and S3 too (the declared length
    # is signed into the link; moto alone checks no signature); fewer: completion rejects them.
    data = os.urandom(5000)
    session = await create(world, wo, declaration(data))
    refused = {"local": 413, "moto": 200, "minio": 403}[each_store]
    await put(world, session["upload"], data + b"extra", expect=refused)
    if each_store == "minio":  # fewer bytes than signed for are refused as well
        await put(world, session["upload"], data[:4000], expect=403)
        return
    await put(world, session["upload"], data[:4000])
    rejected = await call(world, "eng_a", session["id"], "complete", expect=422)
    assert rejected["error"]["code"] == "upload_rejected"
    assert "4000 bytes arrived, 5000 were declared" in rejected["error"]["message"]
    shown = await call(world, "eng_a", session["id"])
    assert shown["status"] == "rejected"
    assert shown["upload"] is None


async def test_an_abandoned_upload_is_aborted_and_stays_so(world: World) -> None:
    wo, data = await engineers_work_order(world), os.urandom(1000)
    session = await create(world, wo, declaration(data))
    await put(world, session["upload"], data)
    assert (await call(world, "eng_a", session["id"], "abort"))["status"] == "aborted"
    late = await call(world, "eng_a", session["id"], "complete", expect=409)
    assert late["error"]["code"] == "illegal_transition"


async def test_only_the_uploader_and_dispatch_roles_see_a_session(world: World) -> None:
    wo = await engineers_work_order(world)
    session = await create(world, wo, declaration(b"x" * 100))
    assert (await call(world, "dispatcher", session["id"]))["id"] == session["id"]
    assert (await call(world, "eng_b", session["id"], expect=404))["error"]["code"] == "not_found"
    await call(world, "eng_b", session["id"], "complete", expect=404)
    # An engineer cannot upload to a work order outside their scope.
    foreign = (await world.create_work_order())["id"]
    body = declaration(b"y" * 100)
    response = await world.call(
        "eng_b", "POST", f"/api/v1/work-orders/{foreign}/uploads", json=body, expect=404
    )
    assert response.json()["error"]["code"] == "not_found"
