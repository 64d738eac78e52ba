"""Citations: a note that inserts an article records it, through the API and offline through
sync; refused for an article the tenant does not have (nothing saved); the citation rate."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from kernel.statements import Statement
from tests.factories import World
from tests.knowledge.test_articles import ARTICLES, create
from tests.sync.test_push import push


def notes_url(work_order: dict[str, Any]) -> str:
    return f"/api/v1/work-orders/{work_order['id']}/notes"


async def citations_of(world: World, work_order: dict[str, Any]) -> list[dict[str, Any]]:
    response = await world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{work_order['id']}/citations", expect=200
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_note_inserting_an_article_cites_it_once(world: World) -> None:
    template = await create(world, "回复模板 已安排工程师", publish=True, kind="reply_template")
    work_order = await world.create_work_order()
    note_id = str(uuid.uuid4())
    body = {"id": note_id, "body": "已安排工程师上门", "kb_article_id": template["id"]}
    made = await world.call("dispatcher", "POST", notes_url(work_order), json=body, expect=201)
    assert made.json()["kb_article_id"] == template["id"]
    await world.call("dispatcher", "POST", notes_url(work_order), json=body, expect=201)  # retry
    (citation,) = await citations_of(world, work_order)
    assert citation["article_id"] == template["id"]
    assert citation["article_version"] == 1
    assert citation["article_title"] == "回复模板 已安排工程师"
    assert citation["note_id"] == note_id
    assert citation["channel"] == "api"
    assert citation["cited_by_id"] == str(world.users["dispatcher"])
    read = await world.call("admin", "GET", f"{ARTICLES}/{template['id']}", expect=200)
    assert read.json()["citations"] == 1
    assert read.json()["last_cited_at"] is not None


async def test_a_note_cannot_cite_what_the_tenant_does_not_have(
    world: World, other_world: World
) -> None:
    theirs = await create(other_world, "their article", publish=True)
    draft = await create(world, "our draft")
    published = await create(world, "ours", publish=True)
    work_order = await world.create_work_order()
    for cited, version, field in (
        (theirs["id"], None, "kb_article_id"),
        (str(uuid.uuid4()), None, "kb_article_id"),
        (draft["id"], None, "kb_article_id"),
        (published["id"], 2, "kb_article_version"),
    ):
        note = {"body": "see article", "kb_article_id": cited, "kb_article_version": version}
        refused = await world.call(
            "dispatcher", "POST", notes_url(work_order), json=note, expect=422
        )
        assert refused.json()["error"]["code"] == "invalid_reference"
        assert refused.json()["error"]["details"]["field"] == field
    notes = await world.call("dispatcher", "GET", notes_url(work_order), expect=200)
    assert notes.json()["items"] == []
    assert await citations_of(world, work_order) == []


async def test_an_offline_note_cites_through_sync(world: World, other_world: World) -> None:
    article = await create(world, "冷凝风机不转", publish=True)
    work_order = await world.create_work_order()
    await world.transition(
        "dispatcher", work_order["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    note_id = str(uuid.uuid4())
    document = {
        "id": note_id,
        "work_order_id": work_order["id"],
        "body": "按知识库更换了风机电容",
        "kb_article_id": article["id"],
        "kb_article_version": 1,
        "device_time": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
    }
    for _ in range(2):  # the note, then the device's retry of the same batch
        (stored,) = await push(world, "eng_a", "work_order_notes", [{"newDocumentState": document}])
        assert (stored["kb_article_id"], stored["kb_article_version"]) == (article["id"], 1)
    (citation,) = await citations_of(world, work_order)
    assert (citation["note_id"], citation["channel"]) == (note_id, "sync")
    theirs = await create(other_world, "not yours", publish=True)
    stray = {**document, "id": str(uuid.uuid4()), "kb_article_id": theirs["id"]}
    refused = await push(
        world, "eng_a", "work_order_notes", [{"newDocumentState": stray}], expect=422
    )
    error = refused["error"]
    assert (error["code"], error["details"]["field"], error["details"]["index"]) == (
        "invalid_reference",
        "kb_article_id",
        0,
    )
    notes = await world.call("eng_a", "GET", notes_url(work_order), expect=200)
    assert [note["id"] for note in notes.json()["items"]] == [note_id]


async def test_the_citation_rate_per_period_and_team(world: World) -> None:
    article = await create(world, "PLC 故障代码", publish=True)
    cited = [await world.create_work_order(title=f"cited {i}") for i in range(2)]
    plain = [await world.create_work_order(title=f"plain {i}") for i in range(2)]
    other_team = await world.create_work_order(team_id=str(world.teams["team_b"]))
    for work_order in cited:
        note = {"body": "按代码表处理", "kb_article_id": article["id"]}
        await world.call("dispatcher", "POST", notes_url(work_order), json=note, expect=201)
    db = world.client.app.state.services.db
    async with db.transaction() as tx:  # one of the plain ones was opened last week
        await tx.execute(
            Statement("UPDATE workorders_work_order SET created_at = :at WHERE id = :id"),
            at=datetime.now(UTC) - timedelta(days=7),
            id=uuid.UUID(plain[0]["id"]),
        )
    today = datetime.now(UTC).date()
    response = await world.call(
        "supervisor",
        "GET",
        "/api/v1/kb/citation-rate",
        params={"start": str(today - timedelta(days=7)), "period": "day"},
        expect=200,
    )
    rate = response.json()
    assert (rate["total_work_orders"], rate["total_citing"], rate["total_rate"]) == (5, 2, 0.4)
    by_key = {(item["start"][:10], item["team_id"]): item for item in rate["items"]}
    today_a = by_key[(str(today), str(world.teams["team_a"]))]
    assert (today_a["work_orders"], today_a["citing"], today_a["team_name"]) == (3, 2, "team_a")
    assert by_key[(str(today), str(world.teams["team_b"]))]["citing"] == 0
    assert by_key[(str(today - timedelta(days=7)), str(world.teams["team_a"]))]["work_orders"] == 1
    team_b = await world.call(
        "supervisor",
        "GET",
        "/api/v1/kb/citation-rate",
        params={"start": str(today), "team_id": str(world.teams["team_b"])},
        expect=200,
    )
    assert [item["team_id"] for item in team_b.json()["items"]] == [str(world.teams["team_b"])]
    assert other_team["team_id"] == str(world.teams["team_b"])
    await world.call(
        "eng_a", "GET", "/api/v1/kb/citation-rate", params={"start": str(today)}, expect=403
    )
    for params in (
        {"start": str(today), "end": str(today)},
        {"start": str(today - timedelta(days=500))},
        {"start": "yesterday"},
        {"start": str(today), "period": "year"},
    ):
        bad = await world.call(
            "supervisor", "GET", "/api/v1/kb/citation-rate", params=params, expect=422
        )
        assert bad.json()["error"]["code"] == "validation_failed", params
