"""The index of an article: its terms replaced on each publication (in few statement shapes)
and dropped on archiving; on both databases."""

import uuid

import msgspec

from kernel.db import Database
from kernel.statements import Statement
from knowledge import index
from knowledge.index import _batches
from knowledge.terms import article_terms
from mobile_contract.knowledge import ArticleIn
from tests.factories import World

TERMS = Statement(
    "SELECT term, fields FROM knowledge_term WHERE tenant = :tenant AND article = :id"
)


class Row(msgspec.Struct):
    term: str
    fields: int


def test_rows_go_in_a_few_batch_sizes() -> None:
    for count in (0, 1, 3, 499, 500, 523, 1001, 2500):
        sizes = [len(batch) for batch in _batches(list(range(count)))]
        assert sum(sizes) == count
        assert all(size == 500 or size & (size - 1) == 0 for size in sizes)
        assert len(sizes) <= count // 500 + 9


async def test_reindex_replaces_and_drop_removes(world: World) -> None:
    db: Database = world.client.app.state.services.db
    tenant, article = world.tenant_id, uuid.uuid4()
    first = ArticleIn(title="压缩机不启动", body=" ".join(f"z{n:04d}" for n in range(600)))
    second = ArticleIn(title="冷凝风机", body="更换风机电容。")
    async with db.transaction() as tx:
        await index.reindex(tx, tenant_id=tenant, article_id=article, content=first)
    rows = await db.fetch(TERMS, Row, tenant=tenant, id=article)
    assert {row.term: row.fields for row in rows} == article_terms(first)
    assert len(rows) > 500  # more than one statement's worth
    async with db.transaction() as tx:
        await index.reindex(tx, tenant_id=tenant, article_id=article, content=second)
    rows = await db.fetch(TERMS, Row, tenant=tenant, id=article)
    assert {row.term: row.fields for row in rows} == article_terms(second)
    async with db.transaction() as tx:
        await index.drop(tx, tenant_id=tenant, article_id=article)
    assert await db.fetch(TERMS, Row, tenant=tenant, id=article) == []
