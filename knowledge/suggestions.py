"""Articles for a work order: what its asset, its alarm and its words have in common with the
published articles.

Points: the asset's family among the article's asset families 4, one of the article's
device-code prefixes starting the asset's device code 4, the work order's alarm type among the
article's 3, and each of the work order's words the article holds 2 when few articles hold it
(under ``RARE``) and 1 otherwise. Words most articles hold (``search.COMMON`` or more: 的,
机) tell nothing and are left out, and at most ``WORDS`` of the rarest are used: the work is
bounded whatever the description's length. Most points first; among equals the search's
rank order (most recently cited, most recently published, id), the same on both databases.

Families are compared case-folded, as ``knowledge_article_family`` (written on publishing)
holds them. A 64-character device-code prefix is matched on its first 63 characters for the
points (the term column's limit, ``terms.prefix_term``); its reason is given only when it
matches whole.
"""

from uuid import UUID

from directory import services as directory
from kernel.context import Actor
from kernel.db import Database, Reader
from kernel.errors import DomainError
from knowledge import sql
from knowledge.search import COMMON, Finder
from knowledge.terms import (
    MAX_TERM_LENGTH,
    PLACES,
    Texts,
    alarm_term,
    device_code_terms,
    keywords,
    normalise,
    phrases,
)
from mobile_contract import knowledge as contract
from mobile_contract.errors import ErrorCode
from workorders import queries
from workorders.sql import WorkOrderRow

LOOKED_UP = sql.POSTINGS_AT_ONCE  # the work order's first words looked up (one statement)
WORDS = 12  # of those the index holds, the rarest used
RARE = 100  # a word fewer articles than this hold is worth 2 points
TEXT_REASONS = 5


async def suggest(
    *, db: Database, actor: Actor, work_order_id: UUID, limit: int = 10
) -> contract.SuggestionList:
    """The published articles for the work order, best first, with why (``reasons``). The
    caller must be able to see the work order (404 otherwise, as everywhere)."""
    if not 1 <= limit <= contract.MAX_SEARCH_RESULTS:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"limit must be between 1 and {contract.MAX_SEARCH_RESULTS}.",
            {"field": "limit"},
        )
    async with db.snapshot() as reader:
        work_order = await queries.load_row(actor, work_order_id, reader=reader)
        items = await _suggest(reader, actor.tenant_id, work_order, limit)
    return contract.SuggestionList(work_order_id=work_order_id, items=items)


async def _suggest(
    reader: Reader, tenant_id: UUID, work_order: WorkOrderRow, limit: int
) -> list[contract.Suggestion]:
    asset = None
    if work_order.asset_id is not None:
        asset = await directory.asset_by_id(tenant_id, work_order.asset_id, reader=reader)
    family = asset.family if asset is not None else ""
    device_code = asset.device_code if asset is not None else ""
    alarm_type = work_order.alarm_type or ""
    text = f"{work_order.title}\n{work_order.description}"
    finder = Finder(reader, tenant_id)
    looked_up = keywords(text)[:LOOKED_UP]
    counts = await finder.postings(looked_up)
    held = [
        (counts[word], position, word)
        for position, word in enumerate(looked_up)
        if 0 < counts[word] < COMMON
    ]
    chosen = sorted(held)[:WORDS]
    words = [word for _, _, word in chosen]
    if not (family or device_code or alarm_type or words):
        return []
    suggested = await reader.fetch(
        sql.SUGGESTED,
        sql.Suggested,
        tenant=tenant_id,
        family=family.casefold(),  # as knowledge_article_family holds them
        prefixes=_padded(device_code_terms(device_code) if device_code else [], MAX_TERM_LENGTH),
        alarm=alarm_term(alarm_type) if alarm_type else "",
        rare=_padded([word for count, _, word in chosen if count < RARE], WORDS),
        words=_padded(words, WORDS),
        limit=limit,
    )
    if not suggested:
        return []
    ids = [row.id for row in suggested]
    found = await finder.found(ids)
    matched: dict[UUID, set[str]] = {}
    if words:
        for pair in await reader.fetch(
            sql.HELD, sql.Held, tenant=tenant_id, articles=ids, terms=_padded(words, WORDS)
        ):
            matched.setdefault(pair.article, set()).add(pair.term)
    items = []
    for row in suggested:
        article = found.get(row.id)
        if article is None:
            continue
        reasons = _reasons(article, family, device_code, alarm_type)
        texts = Texts.of(article)
        held_in = "\n".join(texts.text(place) for place in PLACES)
        covered = phrases(text, matched.get(row.id, set()), held_in)[:TEXT_REASONS]
        reasons += [f"text: {phrase}" for phrase in covered]
        items.append(
            contract.Suggestion(
                article_id=article.id,
                version=article.version,
                kind=article.kind,
                language=article.language,
                title=article.title,
                score=float(row.points),
                reasons=reasons,
            )
        )
    return items


def _padded(terms: list[str], size: int) -> list[str]:
    """``terms`` and empty ones (no term is empty) up to ``size``: one shape of the statement
    (a text compiled, and on PostgreSQL prepared, per length of each list) for every work
    order."""
    return terms + [""] * (size - len(terms))


def _reasons(article: sql.Found, family: str, device_code: str, alarm_type: str) -> list[str]:
    reasons = []
    if family and family.casefold() in {f.casefold() for f in article.asset_families}:
        reasons.append(f"asset_family: {family}")
    code = normalise(device_code)
    starting = [p for p in article.device_code_prefixes if code and code.startswith(normalise(p))]
    if starting:
        reasons.append(f"device_code_prefix: {max(starting, key=len)}")
    if alarm_type and alarm_type in article.alarm_types:
        reasons.append(f"alarm_type: {alarm_type}")
    return reasons
