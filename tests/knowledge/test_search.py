# ruff: noqa: RUF001  (full-width letters are the point)
"""Search as you type, on both databases (``FIELDOPS_TEST_DB=sqlite|postgres``): Chinese from
one character, English words and codes by prefix, mixed queries; the ranking (exact code, then
title, then elsewhere; recently cited first among equals; one order on both databases); only
the caller's tenant's published articles; bad queries refused with a 422 saying what to do."""

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError
from knowledge import search
from knowledge.terms import TITLE, Texts, normalise, parse_query
from mobile_contract.enums import Role
from mobile_contract.knowledge import ArticleIn, FaultCode
from tests.factories import World
from tests.knowledge.factories import add_article, cite, day

SEARCH = "/api/v1/kb/search"
ARTICLES = "/api/v1/kb/articles"


def database(world: World) -> Database:
    db: Database = world.client.app.state.services.db
    return db


async def found(world: World, q: str, who: str = "eng_a", **params: Any) -> list[dict[str, Any]]:
    response = await world.call(who, "GET", SEARCH, params={"q": q, **params}, expect=200)
    body = response.json()
    assert body["query"] == q
    items: list[dict[str, Any]] = body["items"]
    return items


async def library(world: World) -> dict[str, uuid.UUID]:
    """A small knowledge base; a later ``day`` is a later publication (first among equals)."""
    db, tenant = database(world), world.tenant_id
    add = {
        "comp": (
            "压缩机停机处理",
            {"body": "先断电，检查压缩机的电流和电压。PLC 报警 E07 时记录代码。"},
        ),
        "apart": ("缩机和压缩空气", {"body": "压缩空气管路漏气；缩机不是一个词。"}),
        "plc": ("PLC 通讯故障", {"body": "PLC 与触摸屏通讯中断时，先检查网线。"}),
        "fullwidth": ("ＰＬＣ 模块更换", {"body": "更换模块前先备份程序。"}),
        "table": (
            "Bitzer 故障代码表",
            {
                "kind": "fault_codes",
                "brand": "Bitzer",
                "fault_codes": [
                    {"code": "E07", "meaning": "高压报警", "fix": "清洗冷凝器"},
                    {"code": "E-101", "meaning": "低压报警", "likely_cause": "缺氟"},
                ],
            },
        ),
        "door": (
            "Door seal replacement",
            {
                "language": "en",
                "body": "The door seal of the cold room frosts up: replace it. 冷库门封条结霜。",
            },
        ),
        "plc_e07": (
            "Controller alarms",
            {"language": "en", "body": "When the plc shows e07, reset the compressor relay."},
        ),
        "stop": ("3号线停机", {"body": "PLC 停机后手动复位。"}),
        "stop4": ("压缩机停转的原因", {"body": "电源缺相或热保护动作。"}),
    }
    ids = {}
    for n, (name, (title, fields)) in enumerate(add.items(), start=1):
        ids[name] = await add_article(db, tenant, title, published_at=day(n), **fields)
    return ids


SEARCHES = [
    ("压", ["stop4", "apart", "comp", "table"]),
    ("压缩", ["stop4", "apart", "comp"]),
    ("压缩机", ["stop4", "comp"]),  # not "apart": 压缩 and 缩机 apart are not 压缩机
    ("压缩机停", ["stop4", "comp"]),
    ("停机", ["stop", "comp"]),
    ("PLC", ["fullwidth", "plc", "stop", "plc_e07", "comp"]),
    ("ＰＬＣ", ["fullwidth", "plc", "stop", "plc_e07", "comp"]),
    ("plc", ["fullwidth", "plc", "stop", "plc_e07", "comp"]),
    ("P", ["fullwidth", "plc", "stop", "plc_e07", "comp"]),
    ("plc e0", ["plc_e07", "comp"]),
    ("PLC 停机", ["stop", "comp"]),
    ("E07", ["table", "plc_e07", "comp"]),
    ("e0", ["plc_e07", "table", "comp"]),
    ("E-1", ["table"]),
    ("E07压缩", ["comp"]),
    ("door seal", ["door"]),
    ("door s", ["door"]),
    ("冷库门", ["door"]),
    ("缺氟", ["table"]),
    ("bitz", ["table"]),
    ("%压缩%", ["stop4", "apart", "comp"]),  # % is an ordinary character
    ("compressor", ["plc_e07"]),
    ("nothing like this", []),
]


async def test_what_each_query_finds_in_order(world: World) -> None:
    ids = await library(world)
    names = {str(article): name for name, article in ids.items()}
    for q, expected in SEARCHES:
        items = await found(world, q)
        assert [names[item["article_id"]] for item in items] == expected, q


async def test_where_it_matched_the_code_row_and_the_snippet(world: World) -> None:
    ids = await library(world)
    first, title, body = await found(world, "E07")
    assert (first["matched"], first["article_id"]) == ("code", str(ids["table"]))
    assert first["fault_code"] == {
        "code": "E07",
        "meaning": "高压报警",
        "likely_cause": "",
        "fix": "清洗冷凝器",
    }
    assert first["brand"] == "Bitzer"
    assert first["snippet"] == "E07 高压报警 清洗冷凝器"  # a table without a body: the code's row
    assert (title["matched"], body["matched"]) == ("body", "body")
    assert "E07" in body["snippet"]
    (prefix,) = await found(world, "e-1")
    assert (prefix["matched"], prefix["fault_code"]["code"]) == ("body", "E-101")
    (titled, *_) = await found(world, "压缩机")
    assert titled["matched"] == "title"
    assert titled["fault_code"] is None
    assert titled["version"] == 1
    assert titled["kind"] == "article"


async def test_a_long_chinese_query_is_checked_against_the_text(world: World) -> None:
    """Four characters and more are asked for by their triples, which an article can hold
    apart: it is found only where the whole run is, and ranked where it is."""
    db, tenant = database(world), world.tenant_id
    apart = await add_article(db, tenant, "压缩机保养", body="收缩机停用后再检查。")
    demoted = await add_article(db, tenant, "压缩机与收缩机停用", body="压缩机停转时先断电。")
    titled = await add_article(db, tenant, "压缩机停转的原因", published_at=day(1))
    items = await found(world, "压缩机停")
    assert [(item["article_id"], item["matched"]) for item in items] == [
        (str(titled), "title"),
        (str(demoted), "body"),
    ]
    assert str(apart) not in {item["article_id"] for item in await found(world, "压缩机停转")}
    assert await found(world, "缩机停转时") != []
    assert await found(world, "保养收缩机") == []


async def test_the_snippet_is_the_body_around_the_first_match(world: World) -> None:
    db = database(world)
    body = "前言。" * 40 + "压缩机排气温度过高时，先检查冷凝器风扇。" + "后记。" * 40
    await add_article(db, world.tenant_id, "排气温度", body=body)
    (hit,) = await found(world, "冷凝器风扇")
    assert "冷凝器风扇" in hit["snippet"]
    assert hit["snippet"].startswith("…")
    assert hit["snippet"].endswith("…")
    assert len(hit["snippet"]) <= search.SNIPPET_LENGTH + 2


async def test_ranking_exact_code_then_title_then_body_recently_cited_first(world: World) -> None:
    db, tenant = database(world), world.tenant_id
    body_old = await add_article(
        db, tenant, "一般故障", body="代码 F12 出现时复位。", published_at=day(1)
    )
    body_cited = await add_article(
        db, tenant, "另一篇", body="F12: 风机故障。", published_at=day(2)
    )
    body_new = await add_article(db, tenant, "第三篇", body="F12 又出现。", published_at=day(3))
    body_cited_later = await add_article(db, tenant, "第四篇", body="F12 复现", published_at=day(0))
    title = await add_article(
        db, tenant, "F12 风机故障处理", body="检查风机。", published_at=day(4)
    )
    code = await add_article(
        db,
        tenant,
        "Carel 代码表",
        kind="fault_codes",
        fault_codes=[{"code": "F12", "meaning": "风机故障"}],
        published_at=day(0),
    )
    await cite(db, tenant, body_cited, datetime(2026, 3, 1, tzinfo=UTC))
    await cite(db, tenant, body_cited_later, datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    # The body matches: cited, most recent citation first; then never cited, newest first.
    expected = [code, title, body_cited_later, body_cited, body_new, body_old]
    items = await found(world, "F12")
    assert [item["article_id"] for item in items] == [str(a) for a in expected]
    assert [item["matched"] for item in items] == ["code", "title", "body", "body", "body", "body"]
    assert items[2]["last_cited_at"] is not None
    assert items[4]["last_cited_at"] is None
    # A prefix of the code is not the code: the table ranks with the other matches.
    prefix = await found(world, "F1")
    assert [item["article_id"] for item in prefix] == [
        str(a) for a in [title, body_cited_later, body_cited, body_new, body_old, code]
    ]
    limited = await found(world, "F12", limit=2)
    assert [item["article_id"] for item in limited] == [str(code), str(title)]
    paged = await found(world, "F12", limit=3)
    assert [item["article_id"] for item in paged] == [str(a) for a in expected[:3]]


async def test_equals_are_in_id_order_the_same_on_both_databases(world: World) -> None:
    db = database(world)
    same = [
        await add_article(db, world.tenant_id, f"冷风机 {n}", published_at=day(5)) for n in range(4)
    ]
    items = await found(world, "冷风")
    assert [item["article_id"] for item in items] == sorted(str(a) for a in same)


PLANNED = [
    "压", "压缩", "冷库", "冷库 门", "巡检", "温度", "温度 甲", "甲 乙", "乙 甲 冷库", "门封条结霜",
    "plc", "p", "plc e", "e07", "e07 温度", "door", "d s", "甲类", "冷库门封条",
]  # fmt: skip


async def test_every_plan_reads_the_same_ranked_answer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever way the index is read (from a rare term's postings, down the rank order,
    by intersecting postings), the answer is the ranking rule applied to every article."""
    db, tenant = database(world), world.tenant_id
    articles: list[tuple[uuid.UUID, ArticleIn, datetime, datetime | None]] = []
    for n in range(40):
        content = ArticleIn(
            title=["冷库巡检记录", "冷库温度报警", "PLC E07 处理", "Door seal"][n % 4],
            body=f"第 {n} 次。"
            + ["甲类冷库门封条结霜。", "乙类温度探头。", "甲类乙类 plc。"][n % 3],
            fault_codes=[FaultCode(code="E07", meaning="温度")] if n % 7 == 0 else [],
        )
        published, cited = day(n % 9), (day(20 + n % 5) if n % 6 == 0 else None)
        article = await add_article(
            db, tenant, content.title, body=content.body,
            fault_codes=[msgspec.to_builtins(code) for code in content.fault_codes],
            published_at=published, last_cited_at=cited,
        )  # fmt: skip
        articles.append((article, content, published, cited))

    def ruled(q: str, limit: int) -> list[str]:
        query = parse_query(q)
        ranked = []
        for article, content, published, cited in articles:
            where = query.matches(Texts.of(content))
            codes = {normalise(code.code) for code in content.fault_codes}
            tier = 0 if query.code in codes else 1 if where == TITLE else 2 if where else None
            if tier is not None:
                moment = -(cited or day(-1000)).timestamp()
                ranked.append(((tier, moment, -published.timestamp(), str(article)), str(article)))
        return [article for _, article in sorted(ranked)][:limit]

    plans = [
        (search.COMMON, search.COMMON_ALONE, search.WALK),  # from postings
        (3, 3, 1000),  # down the rank order
        (3, 3, 2),  # by intersecting postings, mostly
        (1, 1, 1),
        (1000, 1, 2),  # one term: down the rank order; more: from postings
    ]
    for common, alone, walk in plans:
        monkeypatch.setattr(search, "COMMON", common)
        monkeypatch.setattr(search, "COMMON_ALONE", alone)
        monkeypatch.setattr(search, "WALK", walk)
        for q in PLANNED:
            for limit in (3, 50):
                items = await found(world, q, limit=limit)
                assert [item["article_id"] for item in items] == ruled(q, limit), (q, common)


async def test_drafts_archived_and_other_tenants_articles_are_never_found(
    world: World, other_world: World
) -> None:
    db = database(world)
    await add_article(db, world.tenant_id, "草稿 压缩机", status="draft")
    await add_article(db, world.tenant_id, "已归档 压缩机", status="archived")
    await add_article(db, other_world.tenant_id, "他们的压缩机", body="E07")
    live = await add_article(db, world.tenant_id, "压缩机")
    assert [item["article_id"] for item in await found(world, "压缩机")] == [str(live)]
    assert await found(world, "他们") == []
    assert await found(world, "E07") == []
    ours = await found(other_world, "压缩机")
    assert [item["title"] for item in ours] == ["他们的压缩机"]


async def test_publishing_indexes_and_archiving_withdraws(world: World) -> None:
    """Through the article service: a draft is not found, the published version is, an
    update is found once published, an archived article no more."""
    made = await world.call(
        "admin",
        "POST",
        ARTICLES,
        json={"title": "冷凝风机不转", "body": "检查电容。", "tags": ["风机"]},
        expect=201,
    )
    article = made.json()["id"]
    assert await found(world, "冷凝风机") == []
    await world.call("admin", "POST", f"{ARTICLES}/{article}/publish", json={}, expect=200)
    assert [item["article_id"] for item in await found(world, "冷凝风机")] == [article]
    await world.call(
        "admin",
        "PUT",
        f"{ARTICLES}/{article}",
        json={"title": "冷凝风机电容更换", "body": "更换电容。", "publish": True},
        expect=200,
    )
    (hit,) = await found(world, "电容更换")
    assert (hit["article_id"], hit["version"], hit["matched"]) == (article, 2, "title")
    assert await found(world, "不转") == []  # the old version's words are gone
    await world.call("admin", "POST", f"{ARTICLES}/{article}/archive", expect=200)
    assert await found(world, "电容") == []


async def test_wildcards_are_ordinary_characters(world: World) -> None:
    db = database(world)
    literal = await add_article(db, world.tenant_id, "a_b 参数", body="负载 100% 时报警")
    await add_article(db, world.tenant_id, "axb 参数", body="负载 1000 时报警")
    assert [item["article_id"] for item in await found(world, "a_b")] == [str(literal)]
    assert len(await found(world, "100%")) == 2  # the word 100 starts 1000 too
    assert await found(world, "a%") != []


async def test_a_kind_narrows_the_search(world: World) -> None:
    ids = await library(world)
    tables = await found(world, "压", kind="fault_codes")
    assert [item["article_id"] for item in tables] == [str(ids["table"])]


@pytest.mark.parametrize(
    ("q", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 101, "too_long"),
        ("%", "wildcards_only"),
        ("_", "wildcards_only"),
        ("*", "wildcards_only"),
        ("%%__**", "wildcards_only"),
        ("％＿＊", "wildcards_only"),
        ("！！ ——", "nothing_searchable"),
    ],
)
async def test_bad_queries_are_refused_with_what_to_do(world: World, q: str, reason: str) -> None:
    response = await world.call("eng_a", "GET", SEARCH, params={"q": q}, expect=422)
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert (error["details"]["field"], error["details"]["reason"]) == ("q", reason)
    assert error["message"]


async def test_a_query_of_exactly_the_longest_length_is_fine(world: World) -> None:
    assert await found(world, "压" * 100) == []


async def test_limits_and_kinds_out_of_range_are_refused(world: World) -> None:
    for params in ({"limit": 0}, {"limit": 51}, {"kind": "novel"}):
        response = await world.call("eng_a", "GET", SEARCH, params={"q": "plc", **params})
        assert response.status_code in (400, 422), params
    actor = Actor(tenant_id=world.tenant_id, user_id=world.users["eng_a"], role=Role.ENGINEER)
    for limit, kind in ((0, None), (51, None), (10, "novel")):
        with pytest.raises(DomainError) as refused:
            await search.search(db=database(world), actor=actor, q="plc", limit=limit, kind=kind)
        assert refused.value.details["field"] in ("limit", "kind")
