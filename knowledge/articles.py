"""Articles: written and versioned by admins and supervisors, read by everyone.

Every save is a new version, never changed afterwards (a citation names the words an engineer
used). Publishing copies a version's content onto the article, which is what search,
suggestions and the engineers' devices read; archiving withdraws it from all three.
"""

from datetime import datetime
from uuid import UUID, uuid4

import msgspec

from kernel.changes import DocumentChanged, Synced
from kernel.clock import utcnow
from kernel.context import Actor, require_role
from kernel.cursors import decode_cursor, encode_cursor
from kernel.db import Database, Reader, Transaction
from kernel.errors import DomainError, NotFound, VersionConflict
from kernel.rows import json_text
from knowledge import index, sql
from mobile_contract import knowledge as contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode

EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
_KINDS = ["article", "fault_codes", "reply_template"]
_STATUSES = ["draft", "published", "archived"]
MAX_PAGE = 200


def is_editor(actor: Actor) -> bool:
    return actor.role in EDITORS


def _content(data: contract.ArticleIn) -> contract.ArticleIn:
    """The article's content without the request's own fields (``publish``, the version)."""
    fields = {name: getattr(data, name) for name in contract.ArticleIn.__struct_fields__}
    return contract.ArticleIn(**fields)


async def create(*, db: Database, actor: Actor, data: contract.ArticleCreate) -> contract.Article:
    require_role(actor, EDITORS, "write knowledge-base articles")
    article_id, now, content = uuid4(), utcnow(), _content(data)
    async with db.transaction() as tx:
        await tx.execute(
            sql.INSERT_HEAD,
            id=article_id,
            tenant=actor.tenant_id,
            kind=content.kind,
            language=content.language,
            now=now,
        )
        await _save_version(tx, actor, article_id, 1, content)
        if data.publish:
            await _publish(tx, actor, article_id, 1, content)
        return await _view(tx, actor, article_id, 1)


async def update(
    *, db: Database, actor: Actor, article_id: UUID, data: contract.ArticleUpdate
) -> contract.Article:
    """Saves the next version; the published one stays what readers see until this one is
    published."""
    require_role(actor, EDITORS, "write knowledge-base articles")
    content = _content(data)
    async with db.transaction() as tx:
        head = await _head(tx, actor, article_id, lock=True)
        if data.expected_version is not None and data.expected_version != head.latest_version:
            raise VersionConflict("article", data.expected_version, head.latest_version)
        version = head.latest_version + 1
        await _save_version(tx, actor, article_id, version, content)
        await tx.execute(
            sql.SET_LATEST, tenant=actor.tenant_id, id=article_id, version=version, now=utcnow()
        )
        if data.publish:
            await _publish(tx, actor, article_id, version, content)
        return await _view(tx, actor, article_id, version)


async def publish(
    *, db: Database, actor: Actor, article_id: UUID, data: contract.PublishRequest
) -> contract.Article:
    """Publishes a version (the latest by default): an older one rolls the article back."""
    require_role(actor, EDITORS, "publish knowledge-base articles")
    async with db.transaction() as tx:
        head = await _head(tx, actor, article_id, lock=True)
        version = data.version or head.latest_version
        stored = await _version(tx, actor, article_id, version)
        await _publish(tx, actor, article_id, version, stored.content)
        return await _view(tx, actor, article_id, version)


async def archive(*, db: Database, actor: Actor, article_id: UUID) -> contract.Article:
    """Withdraws the article from search, suggestions and devices; its versions and the
    citations of them stay."""
    require_role(actor, EDITORS, "archive knowledge-base articles")
    async with db.transaction() as tx:
        head = await _head(tx, actor, article_id, lock=True)
        if head.status != "archived":
            now = utcnow()
            await tx.execute(sql.ARCHIVE, tenant=actor.tenant_id, id=article_id, now=now)
            await index.drop(tx, tenant_id=actor.tenant_id, article_id=article_id)
            await _set_families(tx, actor, article_id, [])
            if head.status == "published":  # devices hold it: a tombstone
                await _announce(tx, actor, article_id, now, deleted=True)
        return await _view(tx, actor, article_id, head.latest_version)


async def get(
    *, db: Database, actor: Actor, article_id: UUID, version: int | None = None
) -> contract.Article:
    """Editors read any version (the latest by default); readers the published article and
    the versions up to it."""
    async with db.snapshot() as reader:
        head = await _head(reader, actor, article_id)
        if version is None:
            version = head.latest_version if is_editor(actor) else head.published_version
        if version > _readable_up_to(actor, head):
            raise NotFound("article version", f"{article_id}/{version}")
        return await _view(reader, actor, article_id, version)


async def versions(*, db: Database, actor: Actor, article_id: UUID) -> contract.ArticleVersionList:
    async with db.snapshot() as reader:
        head = await _head(reader, actor, article_id)
        rows = await reader.fetch(
            sql.VERSIONS,
            sql.StoredVersion,
            tenant=actor.tenant_id,
            article=article_id,
            up_to=_readable_up_to(actor, head),
        )
    published = head.published_version if head.status == "published" else None
    return contract.ArticleVersionList(
        items=[
            contract.ArticleVersionSummary(
                version=row.version,
                title=row.title,
                saved_at=row.saved_at,
                saved_by_id=row.saved_by_id,
                published=row.version == published,
            )
            for row in rows
        ]
    )


async def list_articles(
    *,
    db: Database,
    actor: Actor,
    status: contract.ArticleStatus | None,
    kind: contract.ArticleKind | None,
    cursor: str | None,
    limit: int,
) -> contract.ArticleList:
    """Newest change first. Readers see published articles only, as published; editors see
    every article as last saved."""
    editor = is_editor(actor)
    if not editor and status not in (None, "published"):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only admins and supervisors see draft and archived articles.",
            {"field": "status"},
        )
    params: dict[str, object] = {
        "tenant": actor.tenant_id,
        "statuses": [status] if status else (_STATUSES if editor else ["published"]),
        "kinds": [kind] if kind else _KINDS,
        "limit": limit + 1,
    }
    if cursor is None:
        statement = sql.LIST_LATEST if editor else sql.LIST_PUBLISHED
    else:
        key = decode_cursor(cursor, sql.ListKey)
        params |= {"at": key.at, "id": key.id}
        statement = sql.LIST_LATEST_AFTER if editor else sql.LIST_PUBLISHED_AFTER
    async with db.snapshot() as reader:
        rows = await reader.fetch(statement, sql.Listed, **params)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(sql.ListKey(page[-1].updated_at, page[-1].id))
    return contract.ArticleList(
        items=[
            contract.ArticleSummary(
                id=row.id,
                kind=row.content.kind,
                language=row.content.language,
                title=row.content.title,
                status=row.status,
                latest_version=row.latest_version,
                published_version=row.published_version or None,
                updated_at=row.updated_at,
                citations=row.citations,
            )
            for row in page
        ],
        next_cursor=next_cursor,
    )


def _readable_up_to(actor: Actor, head: sql.Head) -> int:
    if is_editor(actor):
        return head.latest_version
    return head.published_version if head.status == "published" else 0


async def _head(reader: Reader, actor: Actor, article_id: UUID, *, lock: bool = False) -> sql.Head:
    statement = sql.HEAD_FOR_UPDATE if lock else sql.HEAD
    head = await reader.fetch_one(statement, sql.Head, tenant=actor.tenant_id, id=article_id)
    if head is None or (not is_editor(actor) and head.status != "published"):
        raise NotFound("article", article_id)
    return head


async def _version(
    reader: Reader, actor: Actor, article_id: UUID, version: int
) -> sql.StoredVersion:
    stored = await reader.fetch_one(
        sql.VERSION, sql.StoredVersion, tenant=actor.tenant_id, article=article_id, version=version
    )
    if stored is None:
        raise NotFound("article version", f"{article_id}/{version}")
    return stored


async def _save_version(
    tx: Transaction, actor: Actor, article_id: UUID, version: int, content: contract.ArticleIn
) -> None:
    await tx.execute(
        sql.INSERT_VERSION,
        id=uuid4(),
        tenant=actor.tenant_id,
        article=article_id,
        version=version,
        title=content.title,
        content=json_text(content),
        now=utcnow(),
        user=actor.user_id,
    )


async def _publish(
    tx: Transaction, actor: Actor, article_id: UUID, version: int, content: contract.ArticleIn
) -> None:
    now = utcnow()
    await tx.execute(
        sql.PUBLISH,
        tenant=actor.tenant_id,
        id=article_id,
        version=version,
        now=now,
        **sql.content_columns(content),
    )
    await index.reindex(tx, tenant_id=actor.tenant_id, article_id=article_id, content=content)
    await _set_families(tx, actor, article_id, content.asset_families)
    await _announce(tx, actor, article_id, now)


async def _announce(
    tx: Transaction, actor: Actor, article_id: UUID, now: datetime, *, deleted: bool = False
) -> None:
    """The published article changed: the engineers' devices pull it (or its tombstone)."""
    await tx.publish(
        DocumentChanged(
            tenant_id=actor.tenant_id,
            collection=Synced.KB_ARTICLES,
            document_id=article_id,
            now=now,
            deleted=deleted,
        )
    )


async def _set_families(
    tx: Transaction, actor: Actor, article_id: UUID, families: list[str]
) -> None:
    """The families an engineer's devices get the article first for (``sync/pull.py``)."""
    await tx.execute(sql.DELETE_FAMILIES, tenant=actor.tenant_id, article=article_id)
    folded = sorted({family.casefold() for family in families})
    if folded:
        await tx.execute(
            sql.INSERT_FAMILIES,
            rows=[(uuid4(), actor.tenant_id, article_id, family) for family in folded],
        )


async def _view(reader: Reader, actor: Actor, article_id: UUID, version: int) -> contract.Article:
    head = await _head(reader, actor, article_id)
    stored = await _version(reader, actor, article_id, version)
    return contract.Article(
        **msgspec.structs.asdict(stored.content),
        id=article_id,
        version=version,
        status=head.status,
        latest_version=head.latest_version,
        published_version=head.published_version or None,
        published_at=head.published_at,
        saved_at=stored.saved_at,
        saved_by_id=stored.saved_by_id,
        citations=head.citations,
        last_cited_at=head.last_cited_at,
    )
