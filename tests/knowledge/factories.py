"""Articles written straight to the table and indexed as publishing indexes them
(``knowledge.index.reindex``), with the state and times a search test needs."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from kernel.db import Database
from kernel.rows import json_text
from kernel.statements import Statement
from knowledge import index
from mobile_contract.knowledge import ArticleIn

INSERT_ARTICLE = Statement(
    "INSERT INTO knowledge_article (id, tenant, status, latest_version, version, kind, language,"
    " title, body, brand, model_family, fault_codes, tags, asset_families, device_code_prefixes,"
    " alarm_types, published_at, citations, last_cited_at, created_at, updated_at)"
    " VALUES (:id, :tenant, :status, 1, 1, :kind, :language, :title, :body, :brand,"
    " :model_family, :fault_codes, :tags, :asset_families, :device_code_prefixes, :alarm_types,"
    " :published_at, :citations, :last_cited_at, :now, :now)"
)
SET_CITED = Statement(
    "UPDATE knowledge_article SET last_cited_at = :at, citations = citations + 1"
    " WHERE tenant = :tenant AND id = :id"
)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


async def add_article(
    db: Database,
    tenant_id: uuid.UUID,
    title: str,
    *,
    status: str = "published",
    published_at: datetime | None = None,
    last_cited_at: datetime | None = None,
    article_id: uuid.UUID | None = None,
    **fields: Any,
) -> uuid.UUID:
    """An article of ``tenant_id`` whose published content is ``title`` and ``fields``
    (``ArticleIn``'s), in the index whatever its ``status`` (so a search that shows a draft or
    an archived article would be caught)."""
    content = msgspec.convert({"title": title, **fields}, ArticleIn)
    article_id = article_id or uuid.uuid4()
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        await tx.execute(
            INSERT_ARTICLE,
            id=article_id,
            tenant=tenant_id,
            status=status,
            kind=content.kind,
            language=content.language,
            title=content.title,
            body=content.body,
            brand=content.brand,
            model_family=content.model_family,
            fault_codes=json_text(content.fault_codes),
            tags=json_text(content.tags),
            asset_families=json_text(content.asset_families),
            device_code_prefixes=json_text(content.device_code_prefixes),
            alarm_types=json_text(content.alarm_types),
            published_at=published_at or now,
            citations=0 if last_cited_at is None else 1,
            last_cited_at=last_cited_at,
            now=now,
        )
        await index.reindex(tx, tenant_id=tenant_id, article_id=article_id, content=content)
    return article_id


async def cite(db: Database, tenant_id: uuid.UUID, article_id: uuid.UUID, at: datetime) -> None:
    """As a citation sets it: the article was last cited ``at``."""
    await db.execute(SET_CITED, tenant=tenant_id, id=article_id, at=at)


def day(n: int) -> datetime:
    """A fixed moment, ``n`` days into 2026."""
    return _EPOCH + timedelta(days=n)
