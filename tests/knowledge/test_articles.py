"""Articles through the API: versions, publishing, archiving, who may write and who reads
what; the read-only ``kb_articles`` sync collection, the engineer's asset families first."""

import uuid
from typing import Any

from tests.factories import World
from tests.sync.test_pull import pull, pull_all
from tests.sync.test_push import push

ARTICLES = "/api/v1/kb/articles"


def article(title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "body": f"{title}: 检查压缩机和冷凝风机。", **fields}


async def create(world: World, title: str, who: str = "admin", **fields: Any) -> dict[str, Any]:
    response = await world.call(who, "POST", ARTICLES, json=article(title, **fields), expect=201)
    body: dict[str, Any] = response.json()
    return body


async def test_every_save_is_a_version_and_readers_see_the_published_one(world: World) -> None:
    draft = await create(world, "压缩机不启动")
    assert (draft["version"], draft["status"], draft["published_version"]) == (1, "draft", None)
    await world.call("eng_a", "GET", f"{ARTICLES}/{draft['id']}", expect=404)
    published = await world.call(
        "supervisor", "POST", f"{ARTICLES}/{draft['id']}/publish", json={}, expect=200
    )
    assert (published.json()["status"], published.json()["published_version"]) == ("published", 1)
    second = await world.call(
        "admin",
        "PUT",
        f"{ARTICLES}/{draft['id']}",
        json={**article("压缩机不启动 修订版"), "expected_version": 1},
        expect=200,
    )
    assert (second.json()["version"], second.json()["latest_version"]) == (2, 2)
    seen = (await world.call("eng_a", "GET", f"{ARTICLES}/{draft['id']}", expect=200)).json()
    assert (seen["version"], seen["title"]) == (1, "压缩机不启动")
    await world.call("eng_a", "GET", f"{ARTICLES}/{draft['id']}?version=2", expect=404)
    latest = (await world.call("admin", "GET", f"{ARTICLES}/{draft['id']}", expect=200)).json()
    assert latest["title"] == "压缩机不启动 修订版"
    stale = await world.call(
        "admin",
        "PUT",
        f"{ARTICLES}/{draft['id']}",
        json={**article("late"), "expected_version": 1},
        expect=409,
    )
    assert stale.json()["error"]["code"] == "version_conflict"
    versions = (
        await world.call("admin", "GET", f"{ARTICLES}/{draft['id']}/versions", expect=200)
    ).json()["items"]
    assert [(v["version"], v["published"]) for v in versions] == [(2, False), (1, True)]
    readers = (
        await world.call("eng_a", "GET", f"{ARTICLES}/{draft['id']}/versions", expect=200)
    ).json()["items"]
    assert [v["version"] for v in readers] == [1]


async def test_only_admins_and_supervisors_write(world: World) -> None:
    for who in ("dispatcher", "eng_a"):
        refused = await world.call(who, "POST", ARTICLES, json=article("x"), expect=403)
        assert refused.json()["error"]["code"] == "forbidden"
    made = await create(world, "门封条结霜", publish=True)
    await world.call("eng_a", "POST", f"{ARTICLES}/{made['id']}/archive", expect=403)
    await world.call("dispatcher", "PUT", f"{ARTICLES}/{made['id']}", json=article("y"), expect=403)


async def test_the_list_shows_readers_the_published_articles_only(world: World) -> None:
    draft = await create(world, "draft only")
    published = await create(world, "published one", publish=True, kind="reply_template")
    listed = (await world.call("eng_a", "GET", ARTICLES, expect=200)).json()["items"]
    assert [item["id"] for item in listed] == [published["id"]]
    everything = (await world.call("admin", "GET", ARTICLES, expect=200)).json()["items"]
    assert {item["id"] for item in everything} == {draft["id"], published["id"]}
    templates = await world.call(
        "admin", "GET", ARTICLES, params={"kind": "reply_template"}, expect=200
    )
    assert [item["id"] for item in templates.json()["items"]] == [published["id"]]
    refused = await world.call("eng_a", "GET", ARTICLES, params={"status": "draft"}, expect=403)
    assert refused.json()["error"]["code"] == "forbidden"
    first = (await world.call("admin", "GET", ARTICLES, params={"limit": 1}, expect=200)).json()
    rest = await world.call(
        "admin", "GET", ARTICLES, params={"limit": 1, "cursor": first["next_cursor"]}, expect=200
    )
    assert [first["items"][0]["id"], rest.json()["items"][0]["id"]] == [
        published["id"],
        draft["id"],
    ]
    bad = await world.call("admin", "GET", ARTICLES, params={"cursor": "nonsense"}, expect=422)
    assert bad.json()["error"]["details"]["field"] == "cursor"


async def test_bad_articles_are_refused_and_nothing_is_saved(world: World) -> None:
    cases = [
        {"title": ""},
        {"title": "two\nlines"},
        {"title": "x", "kind": "novel"},
        {"title": "x", "language": "fr"},
        {"title": "x", "unknown": 1},
        {"title": "x", "fault_codes": [{"code": "E 07", "meaning": "space in code"}]},
        {"title": "x", "fault_codes": [{"code": "E07"}]},
        {"title": "x", "body": "nul \u0000 here"},
        {"title": "x" * 201},
    ]
    for body in cases:
        refused = await world.call("admin", "POST", ARTICLES, json=body, expect=422)
        assert refused.json()["error"]["code"] == "validation_failed", body
    listed = (await world.call("admin", "GET", ARTICLES, expect=200)).json()["items"]
    assert listed == []
    missing = uuid.uuid4()
    await world.call("admin", "POST", f"{ARTICLES}/{missing}/publish", json={}, expect=404)
    made = await create(world, "one version")
    await world.call(
        "admin", "POST", f"{ARTICLES}/{made['id']}/publish", json={"version": 2}, expect=404
    )


async def test_another_tenants_articles_are_out_of_reach(world: World, other_world: World) -> None:
    theirs = await create(other_world, "their secret fix", publish=True)
    for who in ("admin", "eng_a"):
        await world.call(who, "GET", f"{ARTICLES}/{theirs['id']}", expect=404)
        await world.call(who, "GET", f"{ARTICLES}/{theirs['id']}/versions", expect=404)
    await world.call("admin", "PUT", f"{ARTICLES}/{theirs['id']}", json=article("x"), expect=404)
    await world.call("admin", "POST", f"{ARTICLES}/{theirs['id']}/archive", expect=404)
    assert (await world.call("admin", "GET", ARTICLES, expect=200)).json()["items"] == []


async def test_engineers_sync_published_articles_read_only(world: World) -> None:
    draft = await create(world, "not yet")
    live = await create(world, "冷库门封条更换", publish=True, tags=["门封"])
    state, checkpoint = await pull_all(world, "eng_a", "kb_articles")
    assert set(state) == {live["id"]}
    assert state[live["id"]]["title"] == "冷库门封条更换"
    assert state[live["id"]]["tags"] == ["门封"]
    await world.call("admin", "POST", f"{ARTICLES}/{draft['id']}/publish", json={}, expect=200)
    await world.call("admin", "POST", f"{ARTICLES}/{live['id']}/archive", expect=200)
    page = await pull(world, "eng_a", "kb_articles", checkpoint)
    changes = {doc["id"]: doc["_deleted"] for doc in page["documents"]}
    assert changes == {draft["id"]: False, live["id"]: True}
    refused = await push(
        world,
        "eng_a",
        "kb_articles",
        [{"newDocumentState": {**state[live["id"]], "title": "mine now"}}],
        expect=403,
    )
    assert refused["error"]["code"] == "forbidden"


async def test_an_engineers_first_sync_brings_their_asset_families_first(world: World) -> None:
    asset = await world.call(
        "admin",
        "POST",
        "/api/v1/assets",
        json={"site_id": str(world.site_id), "device_code": "CR-7", "family": "Cold Room"},
        expect=201,
    )
    others = [await create(world, f"other {i}", publish=True) for i in range(4)]
    mine = await create(world, "cold room", publish=True, asset_families=["cold room"])
    work_order = await world.create_work_order(asset_id=asset.json()["id"])
    await world.transition(
        "dispatcher", work_order["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    whole = await pull(world, "eng_a", "kb_articles", limit=100)  # both parts in one page
    assert [doc["id"] for doc in whole["documents"]] == [mine["id"]] + [o["id"] for o in others]
    first = await pull(world, "eng_a", "kb_articles", limit=1)
    assert [doc["id"] for doc in first["documents"]] == [mine["id"]]
    state, checkpoint = await pull_all(world, "eng_a", "kb_articles", first["checkpoint"])
    assert set(state) >= {other["id"] for other in others}
    later = await create(world, "later", publish=True)
    page = await pull(world, "eng_a", "kb_articles", checkpoint)
    assert [doc["id"] for doc in page["documents"]] == [later["id"]]
    # Someone without families of their own gets the collection in commit order.
    plain = await pull(world, "eng_b", "kb_articles", limit=2)
    assert [doc["id"] for doc in plain["documents"]] == [others[0]["id"], others[1]["id"]]
