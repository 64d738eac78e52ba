"""Search as you type: the tenant's published articles holding every part of the query
(``knowledge/terms.py``), ranked

1. ``code``: the whole query is one of the article's fault codes;
2. ``title``: every part of the query is in the title;
3. ``body``: every part occurs somewhere (body, brand, model, tags, codes and their text);

and within each, the most recently cited first (never cited last), then the most recently
published, then by id: one order, the same on SQLite and PostgreSQL.

Each rank is read a page at a time, in rank order, by one of three plans that return the same
rows (``Finder.page``; ``COMMON``, ``COMMON_ALONE`` and ``WALK`` tune them, and the tests run
all three):

- one term is rare (held by fewer than ``COMMON`` articles, or ``COMMON_ALONE`` when it is the
  only one; counted up to that first): read its postings, look each article up, check it
  holds the other terms;
- every term is common: check the first ``WALK`` published articles in rank order; when the
  terms meet often, the page is among them;
- every term is common and they rarely meet (的 and what): intersect their postings.

A query whose parts the terms alone cannot decide (``Query.checked``: a Han run of four
characters or more, a very long word) has each candidate's text checked, page by page, until
the page is full; a candidate whose title holds the terms but not the run falls to the next
rank, where it comes again in its place.
"""

from collections.abc import Sequence
from typing import get_args
from uuid import UUID

from kernel.context import Actor
from kernel.db import Database, Reader
from kernel.errors import DomainError
from kernel.statements import Statement
from knowledge import sql
from knowledge.terms import (
    CODE_MARK,
    TITLE,
    Query,
    Texts,
    normalise,
    only_wildcards,
    parse_query,
    weight,
)
from mobile_contract import knowledge as contract
from mobile_contract.errors import ErrorCode

# A term held by fewer articles than COMMON is read from its postings (COMMON_ALONE when it
# is the query's only term: then nothing else is checked, and reading a few hundred articles
# down the rank order is quicker than looking up more than that); when every term is held by
# at least as many, the page is looked for in the first WALK articles of the rank order.
COMMON = 1000
COMMON_ALONE = 400
WALK = 250
SNIPPET_LENGTH = 60
_KINDS: tuple[str, ...] = get_args(contract.ArticleKind)


def parse(q: str) -> Query:
    """The query, or a 422 saying what to type instead."""
    if not q.strip():
        raise _refused("Type a word, a code or a few Chinese characters to search for.", "empty")
    if len(q) > contract.MAX_QUERY_LENGTH:
        raise _refused(
            f"A search is at most {contract.MAX_QUERY_LENGTH} characters; "
            f"this one has {len(q)}. Shorten it.",
            "too_long",
            max_length=contract.MAX_QUERY_LENGTH,
        )
    if only_wildcards(q):
        raise _refused(
            "Wildcards (% _ *) are not needed and match nothing here: every word is already "
            "found by its beginning and Chinese anywhere. Type the start of a word or a code.",
            "wildcards_only",
        )
    query = parse_query(q)
    if not query.parts:
        raise _refused(
            "Nothing to search for: type letters, digits or Chinese characters "
            "(punctuation alone is ignored).",
            "nothing_searchable",
        )
    return query


def _refused(message: str, reason: str, **details: object) -> DomainError:
    return DomainError(
        ErrorCode.VALIDATION_FAILED, message, {"field": "q", "reason": reason, **details}
    )


def _check(limit: int, kind: str | None) -> None:
    if not 1 <= limit <= contract.MAX_SEARCH_RESULTS:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"limit must be between 1 and {contract.MAX_SEARCH_RESULTS}.",
            {"field": "limit"},
        )
    if kind is not None and kind not in _KINDS:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"kind must be one of {', '.join(_KINDS)}.",
            {"field": "kind"},
        )


async def search(
    *, db: Database, actor: Actor, q: str, limit: int = 10, kind: str | None = None
) -> contract.SearchResults:
    """The first ``limit`` (1-50) published articles of the caller's tenant matching ``q``
    (of ``kind`` when given), best first, read in one snapshot."""
    query = parse(q)
    _check(limit, kind)
    async with db.snapshot() as reader:
        finder = Finder(reader, actor.tenant_id, kind)
        found = await finder.ranked(query, limit)
    return contract.SearchResults(
        query=q, items=[_hit(row, matched, query) for row, matched in found]
    )


class Finder:
    """Reads ranked articles for one caller in one snapshot (search, and suggestions' text)."""

    def __init__(self, reader: Reader, tenant_id: UUID, kind: str | None = None) -> None:
        self.reader, self.tenant_id, self.kind = reader, tenant_id, kind
        self._postings: dict[str, int] = {}

    async def postings(self, terms: Sequence[str]) -> dict[str, int]:
        """How many articles hold each of ``terms``, counted up to ``COMMON`` (one statement
        for up to ``sql.POSTINGS_AT_ONCE`` terms)."""
        missing = list(dict.fromkeys(term for term in terms if term not in self._postings))
        for start in range(0, len(missing), sql.POSTINGS_AT_ONCE):
            asked = missing[start : start + sql.POSTINGS_AT_ONCE]
            named = {f"w{i}": term for i, term in enumerate(asked)}
            for row in await self.reader.fetch(
                sql.POSTINGS[len(asked)],
                sql.Postings,
                tenant=self.tenant_id,
                cap=COMMON,
                **named,
            ):
                self._postings[asked[row.slot]] = row.postings
        return {term: self._postings[term] for term in terms}

    async def page(self, terms: tuple[str, ...], offset: int, count: int) -> list[UUID]:
        """Published articles holding all ``terms``, in rank order, from ``offset``."""
        held = await self.postings(terms)
        lead = min(terms, key=lambda term: held[term])
        if held[lead] == 0:
            return []
        params: dict[str, object] = {
            "tenant": self.tenant_id,
            "any_kind": self.kind is None,
            "kind": self.kind or "",
            "limit": count,
            "offset": offset,
        }
        if held[lead] < (COMMON_ALONE if len(terms) == 1 else COMMON):
            # The count is exact in this snapshot: as a limit it cuts nothing, and tells
            # PostgreSQL's planner how few rows come (it then looks each article up).
            params |= {"lead": lead, "cap": held[lead]}
            statement = sql.BY_POSTING if len(terms) == 1 else sql.BY_POSTINGS
            if len(terms) > 1:
                params |= {"terms": list(terms), "n": len(terms)}
            return await self._ids(statement, params)
        ids = await self._ids(
            sql.BY_RANK, {**params, "terms": list(terms), "n": len(terms), "walk": WALK}
        )
        if len(ids) == count:
            return ids
        # The most telling term first: PostgreSQL hashes the first of an INTERSECT's inputs
        # when it cannot tell which is smaller (the counts stopped at COMMON cannot either).
        ordered = sorted(terms, key=weight, reverse=True)
        named = {f"t{i}": term for i, term in enumerate(ordered)}
        return await self._ids(sql.BY_INTERSECTION[len(terms)], {**params, **named})

    async def _ids(self, statement: Statement, params: dict[str, object]) -> list[UUID]:
        return [row.id for row in await self.reader.fetch(statement, sql.Ranked, **params)]

    async def found(self, ids: list[UUID]) -> dict[UUID, sql.Found]:
        rows = await self.reader.fetch(sql.FOUND, sql.Found, tenant=self.tenant_id, ids=ids)
        return {row.id: row for row in rows}

    async def ranked(self, query: Query, limit: int) -> list[tuple[sql.Found, contract.MatchedIn]]:
        """The first ``limit`` articles matching ``query``, best first, with where each
        matched."""
        ranks: list[tuple[contract.MatchedIn, tuple[str, ...]]] = []
        if query.code is not None:
            ranks.append(("code", (CODE_MARK + query.code,)))
        ranks += [("title", query.title_terms), ("body", query.terms)]
        chosen: list[tuple[UUID, contract.MatchedIn]] = []
        seen: set[UUID] = set()
        rows: dict[UUID, sql.Found] = {}
        for matched, terms in ranks:
            offset = 0
            while len(chosen) < limit:
                # Rows already taken at a better rank come again here: ask for as many more.
                count = limit - len(chosen) + len(seen) + (2 if query.checked else 0)
                ids = await self.page(terms, offset, count)
                offset += len(ids)
                fresh = [article for article in ids if article not in seen]
                if query.checked and matched != "code":
                    rows |= await self.found(fresh)
                    fresh = [a for a in fresh if a in rows and _holds(query, rows[a], matched)]
                for article in fresh[: limit - len(chosen)]:
                    chosen.append((article, matched))
                    seen.add(article)
                if len(ids) < count:
                    break  # this rank has no more
            if len(chosen) >= limit:
                break
        missing = [article for article, _ in chosen if article not in rows]
        if missing:
            rows |= await self.found(missing)
        return [(rows[article], matched) for article, matched in chosen if article in rows]


def _holds(query: Query, row: sql.Found, matched: contract.MatchedIn) -> bool:
    """Whether the article's text holds the query where its rank says (the terms alone do
    not decide a checked query's parts)."""
    title = matched == "title"
    where = query.matches(Texts.of(row), title_only=title)
    return where == TITLE if title else where != 0


def _hit(row: sql.Found, matched: contract.MatchedIn, query: Query) -> contract.SearchHit:
    return contract.SearchHit(
        article_id=row.id,
        version=row.version,
        kind=row.kind,
        language=row.language,
        title=row.title,
        matched=matched,
        snippet=snippet(row, query),
        brand=row.brand,
        model_family=row.model_family,
        fault_code=_fault_code(row, query, exact=matched == "code"),
        last_cited_at=row.last_cited_at,
    )


def _fault_code(row: sql.Found, query: Query, *, exact: bool) -> contract.FaultCode | None:
    """The row the query names: its code (an exact hit), or else, for a query of one word,
    the first code starting with it."""
    if exact:
        chosen = next((c for c in row.fault_codes if normalise(c.code) == query.code), None)
    elif len(query.parts) == 1 and not query.parts[0].han and row.fault_codes:
        word = query.parts[0].text
        chosen = next((c for c in row.fault_codes if normalise(c.code).startswith(word)), None)
    else:
        chosen = None
    if chosen is None:
        return None
    return contract.FaultCode(
        code=chosen.code, meaning=chosen.meaning, likely_cause=chosen.likely_cause, fix=chosen.fix
    )


def snippet(row: sql.Found, query: Query, length: int = SNIPPET_LENGTH) -> str:
    """About ``length`` characters around the first place a part of the query occurs in the
    body or, when it is not there, in a fault code's row (``E07 高压报警 …``); the body's
    beginning when neither holds one. On one line, with … where it was cut."""
    around = _around(row.body, query, length)
    if around is not None:
        return around
    # A line per fault code (its own line breaks made spaces): the first holding the query.
    lines = [
        " ".join(" ".join((c.code, c.meaning, c.likely_cause, c.fix)).split())
        for c in row.fault_codes
    ]
    table = normalise("\n".join(lines))
    found = [at for part in query.parts if (at := part.find(table)) >= 0]
    if found:
        around = _around(lines[table.count("\n", 0, min(found))], query, length)
        if around is not None:
            return around
    return _cut(row.body, 0, length)


def _around(text: str, query: Query, length: int) -> str | None:
    if not text:
        return None
    normalised = normalise(text)
    offsets: list[int] | None = None
    if len(normalised) != len(text):  # normalising changed lengths: map character by character
        pieces = [normalise(character) for character in text]
        offsets = [index for index, piece in enumerate(pieces) for _ in piece]
        normalised = "".join(pieces)
    found = [at for part in query.parts if (at := part.find(normalised)) >= 0]
    if not found:
        return None
    first = min(found)
    start = offsets[first] if offsets is not None else first
    return _cut(text, max(0, start - length // 4), length)


def _cut(text: str, start: int, length: int) -> str:
    end = min(len(text), start + length)
    start = max(0, min(start, end - length))
    piece = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
