"""Evidence out: short-lived download links, each issue audited; removal by tombstone."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from kernel.clock import utcnow
from tests.factories import World
from tests.media.test_requirements import evidence, states
from tests.media.test_uploads import engineers_work_order

pytestmark = pytest.mark.usefixtures("each_store")


async def fetch(world: World, url: str) -> httpx.Response:
    return await world.send_to_link({"method": "GET", "url": url, "headers": {}}, b"")


async def link(world: World, who: str, evidence_id: str, expect: int = 200, **params: Any) -> Any:
    url = f"/api/v1/evidence/{evidence_id}/download"
    return (await world.call(who, "POST", url, params=params, expect=expect)).json()


async def test_links_expire_within_15_minutes_and_every_issue_is_audited(world: World) -> None:
    wo = await engineers_work_order(world)
    await world.add_required_evidence(wo)
    photo = next(e for e in (await evidence(world, wo))["entries"] if e["kind"] == "photo")
    given = await link(world, "eng_a", photo["id"])
    expires = datetime.fromisoformat(given["expires_at"])
    assert expires <= utcnow() + timedelta(minutes=15)
    got = await fetch(world, given["url"])
    assert got.status_code == 200
    assert len(got.content) == photo["size"]
    thumb = await link(world, "dispatcher", photo["id"], thumbnail="true")
    assert (await fetch(world, thumb["url"])).status_code == 200
    audit = (
        await world.call("supervisor", "GET", f"/api/v1/work-orders/{wo}/evidence/downloads")
    ).json()["items"]
    assert {(a["issued_to_id"], a["variant"]) for a in audit} == {
        (str(world.users["eng_a"]), "original"),
        (str(world.users["dispatcher"]), "thumbnail"),
    }
    await world.call("eng_a", "GET", f"/api/v1/work-orders/{wo}/evidence/downloads", expect=403)
    # Another engineer, outside the work order's scope, gets nothing.
    await link(world, "eng_b", photo["id"], expect=404)


async def test_removal_is_a_tombstone_by_a_supervisor_with_a_reason(world: World) -> None:
    wo = await engineers_work_order(world)
    await world.add_required_evidence(wo)
    before = (await evidence(world, wo))["entries"]
    photo = next(e for e in before if e["requirement"] == "photo_before")
    url = f"/api/v1/evidence/{photo['id']}/remove"
    body = {"reason": "wrong cold room photographed"}
    await world.call("eng_a", "POST", url, json=body, expect=403)
    tombstone = (await world.call("supervisor", "POST", url, json=body, expect=200)).json()
    assert tombstone["entry"] == "tombstone"
    after = await evidence(world, wo)
    assert [e["id"] for e in after["entries"][: len(before)]] == [e["id"] for e in before]
    assert after["chain_intact"] is True
    assert states(after)["photo_before"] == "missing"  # it no longer counts
    refused = await link(world, "eng_a", photo["id"], expect=409)
    assert refused["error"]["code"] == "illegal_transition"
    await world.call("supervisor", "POST", url, json=body, expect=409)  # once only


async def test_downloads_are_attachments_of_the_verified_type_never_sniffed(
    world: World, each_store: str
) -> None:
    """A browser opening a download link must not sniff a page out of evidence bytes: the
    answer names the verified type, as an attachment, with nosniff (the app's own links)."""
    wo = await engineers_work_order(world)
    await world.add_required_evidence(wo)
    entries = (await evidence(world, wo))["entries"]
    photo = next(e for e in entries if e["kind"] == "photo")
    signature = next(e for e in entries if e["kind"] == "signature")
    for entry, thumbnail, content_type in (
        (photo, False, "image/jpeg"),
        (signature, False, "image/png"),
        (signature, True, "image/jpeg"),
    ):
        params = {"thumbnail": "true"} if thumbnail else {}
        got = await fetch(world, (await link(world, "eng_a", entry["id"], **params))["url"])
        assert got.status_code == 200
        assert got.headers["content-type"].split(";")[0] == content_type
        assert got.headers["content-disposition"].startswith("attachment")
        if each_store == "local":
            assert got.headers["x-content-type-options"] == "nosniff"
