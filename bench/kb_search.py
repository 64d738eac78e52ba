# ruff: noqa: RUF001  (Chinese punctuation is the point)
"""Search as you type over 10,000 published articles in one tenant.

Articles with mixed Chinese and English titles and bodies (a few hundred characters), one in
ten a fault-code table of 20-50 codes; a quarter of them cited at some time in the last 90
days. Indexed through ``knowledge.index.reindex`` as publishing does. Then queries typed
keystroke by keystroke (压, 压缩, 压缩机 …; P, PL, PLC, PLC E, PLC E0 …) through
``knowledge.search.search`` as the route calls it, each keystroke's query timed on its own
(a read snapshot per search, as a request has), plus a few queries chosen to be hard (one
character in most articles, two common words that rarely meet). Prints p50/p95/p99 per query
and over all, the index size, and the time of ``knowledge.suggestions.suggest`` for three work
orders (asset family, device code, words).

    flock /tmp/bench.lock .venv/bin/python -m bench.kb_search --database sqlite
    flock /tmp/bench.lock .venv/bin/python -m bench.kb_search --database postgres
"""

import argparse
import asyncio
import gc
import random
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

from accounts import services as accounts
from bench.harness import connected, database, percentile
from directory import services as directory
from kernel.context import Actor
from kernel.db import Database
from kernel.rows import json_text
from kernel.statements import Statement
from knowledge import index, search, suggestions
from mobile_contract import auth as auth_contract
from mobile_contract import directory as dir_contract
from mobile_contract import knowledge as contract
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import Role
from mobile_contract.iot import AlarmType
from workorders import services as work_orders

SEED = 23

PARTS_ZH = [
    "压缩机", "冷凝器", "蒸发器", "冷风机", "膨胀阀", "电磁阀", "温控器", "库门", "门封条",
    "加热丝", "油分离器", "储液器", "冷却塔", "水泵", "变频器", "接触器", "继电器", "传感器",
    "控制器", "风扇电机", "排水管", "化霜加热器", "高压开关", "低压开关", "四通阀",
]  # fmt: skip
FAULTS_ZH = [
    "不启动", "异响", "过热", "漏油", "停转", "报警", "结霜", "结冰", "跳闸", "渗水", "卡死",
    "失灵", "松动", "压力过高", "压力过低", "频繁启停", "电流过大", "缺氟", "堵塞", "烧毁",
]  # fmt: skip
ACTIONS_ZH = [
    "先断电，确认{part}无电压后再拆检。",
    "检查{part}的接线端子是否松动，必要时重新紧固。",
    "测量{part}的电流和电压，与铭牌值对比。",
    "若{part}{fault}，更换同型号备件，并记录序列号。",
    "清洁{part}表面的灰尘和油污，保证散热良好。",
    "观察{part}运行十分钟，确认没有{fault}现象。",
    "查看控制面板的报警记录，确认故障代码后再处理。",
    "停机后检查{part}，发现{fault}时通知值班主管。",
    "库温高于-15°C时，先将货物转移到备用冷库。",
    "调整{part}的设定值，化霜周期改为每六小时一次。",
    "用压力表测量吸气压力和排气压力，判断制冷剂是否不足。",
    "检查门封条是否老化开裂，库门关闭后用纸条测试密封。",
    "确认PLC与触摸屏通讯正常，必要时重启控制柜。",
    "3号线停机时，先切换到手动模式，再逐项排查。",
    "库内温度高于设定值两度以上时，检查{part}。",
    "冷库门关不严时，检查门封条和{part}。",
    "排气温度过高，多为{part}{fault}所致。",
]  # fmt: skip
PARTS_EN = [
    "compressor", "condenser", "evaporator", "expansion valve", "solenoid valve", "thermostat",
    "door seal", "heater", "oil separator", "receiver", "cooling tower", "pump", "inverter",
    "contactor", "relay", "sensor", "controller", "fan motor", "drain pipe", "defrost heater",
]  # fmt: skip
FAULTS_EN = [
    "does not start", "makes noise", "overheats", "leaks oil", "stops", "alarms", "frosts up",
    "trips", "drips water", "is stuck", "fails", "is loose", "high pressure", "low pressure",
    "short cycling", "overcurrent", "is blocked", "burnt out",
]  # fmt: skip
ACTIONS_EN = [
    "Isolate power and check that the {part} is dead before opening it.",
    "Check the {part} terminals for loose wires and tighten them.",
    "Measure current and voltage at the {part} and compare with the nameplate.",
    "If the {part} {fault}, replace it with the same model and log the serial number.",
    "Clean dust and oil off the {part} so that it can shed heat.",
    "Run the {part} for ten minutes and confirm it no longer {fault}.",
    "Read the alarm history on the PLC panel and note the fault code first.",
    "Check the door seal for cracks; close the door on a strip of paper to test it.",
    "If the room is warmer than -15°C, move the goods to the standby cold room.",
    "Verify the HMI talks to the PLC; restart the control cabinet if it does not.",
]  # fmt: skip
BRANDS = ["Bitzer", "Copeland", "Danfoss", "Emerson", "Carel", "Dixell", "比泽尔", "谷轮", "汉钟"]
MODELS = ["4NES-14", "ZR108KC", "EKC 202", "XR06CX", "IR33", "RC2-180", "HSK7451", "CSH7561"]
FAMILIES = ["Cold room", "Freezer", "Chiller", "Blast freezer", "Compressor rack", "HVAC"]
PREFIXES = ["CS-FR-", "CS-CH-", "CS-BF-", "PLC-", "HVAC-", "CT-", "PMP-"]
TAGS = ["制冷", "电气", "门体", "化霜", "PLC", "安全", "保养", "refrigeration", "electrical"]
CODE_LETTERS = ["E", "F", "A", "H", "L", "P", "Er"]


@dataclass
class Seeded:
    content: contract.ArticleIn
    published_at: datetime
    last_cited_at: datetime | None


def _sentence_zh(rng: random.Random) -> str:
    part, fault = rng.choice(PARTS_ZH), rng.choice(FAULTS_ZH)
    return rng.choice(ACTIONS_ZH).format(part=part, fault=fault)


def _sentence_en(rng: random.Random) -> str:
    part, fault = rng.choice(PARTS_EN), rng.choice(FAULTS_EN)
    return rng.choice(ACTIONS_EN).format(part=part, fault=fault) + " "


def _body(rng: random.Random, chinese: bool, length: int) -> str:
    out = ""
    while len(out) < length:
        if chinese and rng.random() < 0.8:
            out += _sentence_zh(rng)
        else:
            out += _sentence_en(rng)
        if rng.random() < 0.15:
            out += f" 代码 {rng.choice(CODE_LETTERS)}{rng.randrange(1, 99):02d}。"
    return out


def _codes(rng: random.Random) -> list[contract.FaultCode]:
    letter = rng.choice(CODE_LETTERS)
    dash = "-" if rng.random() < 0.3 else ""
    start = rng.randrange(0, 50)
    return [
        contract.FaultCode(
            code=f"{letter}{dash}{n:02d}",
            meaning=f"{rng.choice(PARTS_ZH)}{rng.choice(FAULTS_ZH)}",
            likely_cause=_sentence_zh(rng),
            fix=_sentence_zh(rng) if rng.random() < 0.7 else _sentence_en(rng),
        )
        for n in range(start, start + rng.randint(20, 50))
    ]


def build_articles(count: int, rng: random.Random) -> list[Seeded]:
    now = datetime.now(UTC)
    articles = []
    for _ in range(count):
        chinese = rng.random() < 0.7
        table = rng.random() < 0.1
        if chinese:
            title = f"{rng.choice(PARTS_ZH)}{rng.choice(FAULTS_ZH)}的处理"
            if rng.random() < 0.3:
                title = f"{rng.choice(BRANDS)} {rng.choice(MODELS)} {title}"
        else:
            title = f"{rng.choice(PARTS_EN).capitalize()} {rng.choice(FAULTS_EN)}: what to do"
        if table:
            title = f"{rng.choice(BRANDS)} {rng.choice(MODELS)} 故障代码表"
        content = contract.ArticleIn(
            kind="fault_codes" if table else "article",
            language="zh-CN" if chinese else "en",
            title=title,
            body=_body(rng, chinese, rng.randint(150, 600)),
            brand=rng.choice(BRANDS) if table or rng.random() < 0.3 else "",
            model_family=rng.choice(MODELS) if table else "",
            fault_codes=_codes(rng) if table else [],
            tags=rng.sample(TAGS, rng.randint(0, 3)),
            asset_families=rng.sample(FAMILIES, rng.randint(0, 2)),
            device_code_prefixes=rng.sample(PREFIXES, rng.randint(0, 2)),
            alarm_types=rng.sample(list(AlarmType), rng.randint(0, 2)),
        )
        published = now - timedelta(days=rng.uniform(1, 720))
        cited = now - timedelta(days=rng.uniform(0, 90)) if rng.random() < 0.25 else None
        articles.append(Seeded(content, published, cited))
    return articles


INSERT_ARTICLES = Statement(
    "INSERT INTO knowledge_article (id, tenant, status, latest_version, version, kind, language,"
    " title, body, brand, model_family, fault_codes, tags, asset_families, device_code_prefixes,"
    " alarm_types, published_at, citations, last_cited_at, created_at, updated_at) VALUES :rows"
)
# As publishing writes them (knowledge/articles.py): the families devices and suggestions read.
INSERT_FAMILIES = Statement(
    "INSERT INTO knowledge_article_family (id, tenant, article, family) VALUES :rows"
)
COUNT_TERMS = Statement("SELECT COUNT(*) AS n FROM knowledge_term WHERE tenant = :tenant")


class Count(msgspec.Struct):
    n: int


async def seed(db: Database, tenant_id: uuid.UUID, articles: Sequence[Seeded]) -> None:
    """The articles as published ones, with their terms, 200 to a transaction."""
    for start in range(0, len(articles), 200):
        batch = [(uuid.uuid4(), article) for article in articles[start : start + 200]]
        rows = []
        for article_id, article in batch:
            content = article.content
            rows.append(
                (
                    article_id,
                    tenant_id,
                    "published",
                    1,
                    1,
                    content.kind,
                    content.language,
                    content.title,
                    content.body,
                    content.brand,
                    content.model_family,
                    json_text(content.fault_codes),
                    json_text(content.tags),
                    json_text(content.asset_families),
                    json_text(content.device_code_prefixes),
                    json_text(content.alarm_types),
                    article.published_at,
                    0 if article.last_cited_at is None else 1,
                    article.last_cited_at,
                    article.published_at,
                    article.published_at,
                )
            )
        families = [
            (uuid.uuid4(), tenant_id, article_id, family)
            for article_id, article in batch
            for family in sorted({f.casefold() for f in article.content.asset_families})
        ]
        async with db.transaction() as tx:
            await tx.execute(INSERT_ARTICLES, rows=rows)
            if families:
                await tx.execute(INSERT_FAMILIES, rows=families)
            for article_id, article in batch:
                await index.reindex(
                    tx, tenant_id=tenant_id, article_id=article_id, content=article.content
                )


TYPED = [
    "压缩机停机",
    "停机",
    "温度",
    "冷库门",
    "门封条结霜",
    "化霜",
    "PLC E07",
    "plc 停机",
    "E07",
    "door seal",
    "compressor",
    "expansion valve",
    "HSK7451",
    "Bitzer",
    "F-12",
    "故障代码",
    "3号线",
]
# Hard ones: in most articles (机, 的, e); common words that rarely meet (的 what: Chinese
# and English titles); long and checked (压缩机过热); nothing found.
EXTRA = [
    "机", "的", "e", "c", "s", "压缩机过热", "ＰＬＣ", "no such thing", "四通阀漏油", "的 what",
    "压缩机 what", "c d e f g",
]  # fmt: skip
WORK_ORDERS = [
    ("冷库温度过高，压缩机频繁启停", "PLC 显示 E07，库温 -10°C", "Cold room", "CS-FR-0012"),
    (
        "Door seal frosts up",
        "The door of room 3 does not close; ice on the seal.",
        "Freezer",
        "CS-BF-7",
    ),
    ("3号线停机", "变频器报警，电流过大，已切换手动。", "Compressor rack", "PLC-204"),
]


def keystrokes(typed: Sequence[str]) -> list[str]:
    """Every prefix of each query as it is typed (a space alone is not a keystroke sent)."""
    queries = []
    for text in typed:
        for end in range(1, len(text) + 1):
            prefix = text[:end]
            if prefix.strip() and not prefix.endswith(" "):
                queries.append(prefix)
    return queries


async def run(kind: str, count: int, rounds: int) -> None:
    rng = random.Random(SEED)
    articles = build_articles(count, rng)
    async with database(kind) as url, connected(url) as db:
        tenant = await accounts.create_tenant(
            db=db, slug=f"bench-{uuid.uuid4().hex[:8]}", name="Bench"
        )
        engineer = await accounts.create_user(
            db=db,
            tenant_id=tenant,
            data=auth_contract.UserCreate(
                username="engineer",
                display_name="Engineer",
                password="bench-password-1",
                role=Role.ENGINEER,
            ),
        )
        started = time.perf_counter()
        await seed(db, tenant, articles)
        seeded = time.perf_counter() - started
        del articles  # what a server would not hold: its collection would pause the timings
        gc.collect()
        # Settled, as a server's database is between bursts of publishing: on PostgreSQL
        # vacuumed and analysed (as autovacuum leaves a table: statistics, the visibility
        # map) and checkpointed; on SQLite the write-ahead log checkpointed (no ANALYZE: a
        # server's database has none, and the plans need no statistics).
        if db.is_sqlite:
            await db.engine.run_ddl("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            await db.engine.run_ddl("VACUUM ANALYZE knowledge_term")
            await db.engine.run_ddl("VACUUM ANALYZE knowledge_article")
            await db.engine.run_ddl("CHECKPOINT")
        terms = (await db.fetch(COUNT_TERMS, Count, tenant=tenant))[0].n
        size = await index_size(db)
        actor = Actor(tenant_id=tenant, user_id=engineer.id, role=Role.ENGINEER)
        queries = keystrokes(TYPED) + EXTRA
        for query in queries:  # warm up: statements compiled and cached, pages in memory
            await search.search(db=db, actor=actor, q=query, limit=10)
        spent: dict[str, list[float]] = {query: [] for query in queries}
        found: dict[str, int] = {}
        for _ in range(rounds):
            for query in queries:
                began = time.perf_counter()
                results = await search.search(db=db, actor=actor, q=query, limit=10)
                spent[query].append((time.perf_counter() - began) * 1e3)
                found[query] = len(results.items)
        suggesting = await time_suggestions(db, tenant, rounds)
    everything = [value for values in spent.values() for value in values]
    typed = [value for query in keystrokes(TYPED) for value in spent[query]]
    print(
        f"database {kind}: {count} published articles, {terms} index rows "
        f"({terms / count:.0f} per article; {size}), seeded in {seeded:.0f} s"
    )
    print(f"{'query':>16} {'hits':>5} {'p50':>7} {'p95':>7} {'p99':>7}  (ms, {rounds} runs each)")
    for query, values in spent.items():
        print(
            f"{query:>16} {found[query]:>5} {statistics.median(values):7.2f} "
            f"{percentile(values, 0.95):7.2f} {percentile(values, 0.99):7.2f}"
        )
    print(
        f"typed keystrokes, {len(typed)} searches: p50 {statistics.median(typed):.2f} ms, "
        f"p95 {percentile(typed, 0.95):.2f} ms, p99 {percentile(typed, 0.99):.2f} ms, "
        f"max {max(typed):.2f} ms"
    )
    print(
        f"with the hard ones, {len(everything)} searches: "
        f"p50 {statistics.median(everything):.2f} ms, "
        f"p95 {percentile(everything, 0.95):.2f} ms, p99 {percentile(everything, 0.99):.2f} ms, "
        f"max {max(everything):.2f} ms"
    )
    print(
        f"suggestions ({len(WORK_ORDERS)} work orders x {rounds} runs): p50 "
        f"{statistics.median(suggesting):.2f} ms, p95 {percentile(suggesting, 0.95):.2f} ms, "
        f"p99 {percentile(suggesting, 0.99):.2f} ms"
    )


async def index_size(db: Database) -> str:
    """The term table with its indexes, on disk."""
    if db.is_sqlite:
        rows = await db.fetch(PAGES, Pages)
        return f"database file {rows[0].pages * rows[0].size / 2**20:.0f} MiB in all"
    row = (await db.fetch(TERM_BYTES, Count))[0]
    return f"knowledge_term with its indexes {row.n / 2**20:.0f} MiB"


PAGES = Statement(
    "SELECT page_count AS pages, page_size AS size FROM pragma_page_count, pragma_page_size"
)
TERM_BYTES = Statement("SELECT pg_total_relation_size('knowledge_term') AS n")


class Pages(msgspec.Struct):
    pages: int
    size: int


async def time_suggestions(db: Database, tenant_id: uuid.UUID, rounds: int) -> list[float]:
    """Milliseconds per ``suggest`` for each of WORK_ORDERS (its asset made first)."""
    dispatcher = await accounts.create_user(
        db=db,
        tenant_id=tenant_id,
        data=auth_contract.UserCreate(
            username="dispatcher",
            display_name="Dispatcher",
            password="bench-password-1",
            role=Role.DISPATCHER,
        ),
    )
    admin = Actor(tenant_id=tenant_id, user_id=dispatcher.id, role=Role.ADMIN)
    actor = Actor(tenant_id=tenant_id, user_id=dispatcher.id, role=Role.DISPATCHER)
    customer = await directory.create_customer(
        db=db, actor=admin, data=dir_contract.CustomerCreate(name="Bench customer")
    )
    site = await directory.create_site(
        db=db,
        actor=admin,
        data=dir_contract.SiteCreate(name="Bench cold store", customer_id=customer.id),
    )
    orders = []
    for title, description, family, device_code in WORK_ORDERS:
        asset = await directory.create_asset(
            db=db,
            actor=admin,
            data=dir_contract.AssetCreate(site_id=site.id, device_code=device_code, family=family),
        )
        made = await work_orders.create(
            db=db,
            actor=actor,
            data=wo_contract.WorkOrderCreate(
                title=title, description=description, asset_id=asset.id
            ),
        )
        orders.append(made.work_order.id)
    spent = []
    for run in range(rounds + 1):
        for order in orders:
            began = time.perf_counter()
            await suggestions.suggest(db=db, actor=actor, work_order_id=order, limit=10)
            if run:  # the first round warms up
                spent.append((time.perf_counter() - began) * 1e3)
    return spent


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    await run(args.database, args.articles, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
