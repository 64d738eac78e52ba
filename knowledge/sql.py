"""Every SQL statement of ``knowledge``, and the rows they answer."""

# ruff: noqa: S608 - statement texts are joined from constants at import; values are bound

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.rows import json_text
from kernel.statements import Statement
from knowledge.terms import MAX_QUERY_TERMS
from mobile_contract import knowledge as contract
from mobile_contract.knowledge import KbFaultCode

# Search and suggestions ---------------------------------------------------------------------
# (knowledge/index.py, knowledge/search.py, knowledge/suggestions.py)

DELETE_TERMS = Statement("DELETE FROM knowledge_term WHERE tenant = :tenant AND article = :article")
INSERT_TERMS = Statement("INSERT INTO knowledge_term (tenant, term, article, fields) VALUES :rows")


def _postings(terms: int) -> Statement:
    """How many articles hold each of ``:w0`` … (``terms`` of them), each counted up to
    ``:cap``: what the search's plans and the suggestions' words are chosen by."""
    return Statement(
        " UNION ALL ".join(
            "SELECT " + str(i) + " AS slot, COUNT(*) AS postings FROM (SELECT article"
            " FROM knowledge_term WHERE tenant = :tenant AND term = :w" + str(i) + " LIMIT :cap)"
            " AS s" + str(i)
            for i in range(terms)
        )
    )


POSTINGS_AT_ONCE = 24
POSTINGS = {terms: _postings(terms) for terms in range(1, POSTINGS_AT_ONCE + 1)}
# The published articles holding every one of :terms, in rank order: the most recently cited
# first (never cited last), then the most recently published, then by id (uuid order is the
# order of its lowercase text, SQLite's). NULLS LAST is SQLite's own order for DESC, and the
# rank index (knowledge_article_rank) is built for it on both databases.
_PUBLISHED = "a.tenant = :tenant AND a.status = 'published' AND (:any_kind OR a.kind = :kind)"
_HOLDS_ALL = (
    "(SELECT COUNT(*) FROM knowledge_term o"
    " WHERE o.tenant = :tenant AND o.article = a.id AND o.term IN :terms) = :n"
)
_RANK = (
    " ORDER BY a.last_cited_at DESC NULLS LAST, a.published_at DESC NULLS LAST, a.id"
    " LIMIT :limit OFFSET :offset"
)
# Read from the rarest term's postings (:cap is their number, so the limit cuts nothing):
# each article looked up and checked for the other terms. The subquery keeps this order on both
# databases (PostgreSQL would otherwise often walk the rank order and probe the term).
_BY_POSTINGS = (
    "SELECT a.id FROM (SELECT article FROM knowledge_term WHERE tenant = :tenant"
    " AND term = :lead LIMIT :cap) AS t CROSS JOIN knowledge_article a"
    " WHERE a.id = t.article AND " + _PUBLISHED
)
BY_POSTING = Statement(_BY_POSTINGS + _RANK)
BY_POSTINGS = Statement(_BY_POSTINGS + " AND " + _HOLDS_ALL + _RANK)
# Every term common: read the first :walk published articles in rank order, keeping those
# holding the terms. When that finds the page, it is the page (the walk follows the order);
# when the terms rarely meet, it does not, and BY_INTERSECTION reads it instead.
BY_RANK = Statement(
    "SELECT a.id FROM (SELECT id, last_cited_at, published_at FROM knowledge_article a WHERE "
    + _PUBLISHED
    + " ORDER BY a.last_cited_at DESC NULLS LAST, a.published_at DESC NULLS LAST, a.id"
    " LIMIT :walk) AS a WHERE " + _HOLDS_ALL + _RANK
)


def _intersection(terms: int) -> Statement:
    """The articles holding each of ``:t0`` … (``terms`` of them): their postings
    intersected (each read from the index in article order), then each looked up."""
    postings = " INTERSECT ".join(
        "SELECT article FROM knowledge_term WHERE tenant = :tenant AND term = :t" + str(i)
        for i in range(terms)
    )
    return Statement(
        "SELECT a.id FROM (" + postings + ") AS t CROSS JOIN knowledge_article a"
        " WHERE a.id = t.article AND " + _PUBLISHED + _RANK
    )


# Built once, at import: a statement per number of terms (the texts differ only by that).
BY_INTERSECTION = {terms: _intersection(terms) for terms in range(1, MAX_QUERY_TERMS + 1)}
FOUND = Statement(
    "SELECT id, version, kind, language, title, body, brand, model_family, fault_codes, tags,"
    " asset_families, device_code_prefixes, alarm_types, last_cited_at"
    " FROM knowledge_article WHERE tenant = :tenant AND id IN :ids AND status = 'published'"
)

# Suggestions: points per published article from what ties it to a work order (the asset's
# family 4, a device-code prefix its device code starts with 4, the alarm type 3, each of the
# work order's words 2 when rare and 1 otherwise), most first, then in rank order. A branch
# per signal, each read from the index by term (no DISTINCT or GROUP BY in them: SQLite would
# rather read every row of the tenant in article order to save a sort). MATERIALIZED keeps
# PostgreSQL from starting parallel workers for this small aggregate (slower by their start).
SUGGESTED = Statement(
    "WITH signal AS MATERIALIZED ("
    "SELECT article, 1 AS family, 0 AS prefix, 0 AS alarm, 0 AS word"
    " FROM knowledge_article_family WHERE tenant = :tenant AND family = :family"
    " UNION ALL SELECT article, 0, 1, 0, 0 FROM knowledge_term"
    " WHERE tenant = :tenant AND term IN :prefixes"
    " UNION ALL SELECT article, 0, 0, 1, 0 FROM knowledge_term"
    " WHERE tenant = :tenant AND term = :alarm"
    " UNION ALL SELECT article, 0, 0, 0, CASE WHEN term IN :rare THEN 2 ELSE 1 END"
    " FROM knowledge_term WHERE tenant = :tenant AND term IN :words)"
    " SELECT a.id, s.points FROM (SELECT article, 4 * MAX(family) + 4 * MAX(prefix)"
    " + 3 * MAX(alarm) + SUM(word) AS points FROM signal GROUP BY article) AS s"
    " CROSS JOIN knowledge_article a"
    " WHERE a.id = s.article AND a.tenant = :tenant AND a.status = 'published'"
    " ORDER BY s.points DESC, a.last_cited_at DESC NULLS LAST, a.published_at DESC NULLS LAST,"
    " a.id LIMIT :limit"
)
HELD = Statement(
    "SELECT article, term FROM knowledge_term"
    " WHERE tenant = :tenant AND article IN :articles AND term IN :terms"
)


class Postings(msgspec.Struct):
    slot: int
    postings: int


class Ranked(msgspec.Struct):
    id: UUID


class Suggested(msgspec.Struct):
    id: UUID
    points: int


class Held(msgspec.Struct):
    article: UUID
    term: str


class Found(msgspec.Struct, kw_only=True):
    """A published article as search and suggestions show it (``terms.Content``)."""

    id: UUID
    version: int
    kind: contract.ArticleKind
    language: contract.ArticleLanguage
    title: str
    body: str = ""
    brand: str = ""
    model_family: str = ""
    fault_codes: list[KbFaultCode] = []
    tags: list[str] = []
    asset_families: list[str] = []
    device_code_prefixes: list[str] = []
    alarm_types: list[str] = []
    last_cited_at: datetime | None = None


# Articles and citations ---------------------------------------------------------------------

_HEAD = (
    "SELECT status, latest_version, version AS published_version, published_at, citations,"
    " last_cited_at FROM knowledge_article WHERE tenant = :tenant AND id = :id"
)
HEAD = Statement(_HEAD)
HEAD_FOR_UPDATE = Statement(_HEAD + " @for_update")
INSERT_HEAD = Statement(
    "INSERT INTO knowledge_article (id, tenant, status, latest_version, version, kind, language,"
    " created_at, updated_at) VALUES (:id, :tenant, 'draft', 1, 0, :kind, :language, :now, :now)"
)
SET_LATEST = Statement(
    "UPDATE knowledge_article SET latest_version = :version, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
PUBLISH = Statement(
    "UPDATE knowledge_article SET status = 'published', version = :version, kind = :kind,"
    " language = :language, title = :title, body = :body, brand = :brand,"
    " model_family = :model_family, fault_codes = :fault_codes, tags = :tags,"
    " asset_families = :asset_families, device_code_prefixes = :device_code_prefixes,"
    " alarm_types = :alarm_types, published_at = :now, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
ARCHIVE = Statement(
    "UPDATE knowledge_article SET status = 'archived', updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
_VERSION = (
    "SELECT version, title, content, saved_at, saved_by AS saved_by_id"
    " FROM knowledge_article_version WHERE tenant = :tenant AND article = :article"
)
VERSION = Statement(_VERSION + " AND version = :version")
VERSIONS = Statement(_VERSION + " AND version <= :up_to ORDER BY version DESC")
INSERT_VERSION = Statement(
    "INSERT INTO knowledge_article_version (id, tenant, article, version, title, content,"
    " saved_at, saved_by) VALUES (:id, :tenant, :article, :version, :title, :content, :now,"
    " :user)"
)
_LIST = (
    "SELECT a.id, a.status, a.latest_version, a.version AS published_version, a.updated_at,"
    " a.citations, v.content FROM knowledge_article a JOIN knowledge_article_version v"
    " ON v.tenant = a.tenant AND v.article = a.id AND v.version = "
)
_LIST_WHERE = " WHERE a.tenant = :tenant AND a.status IN :statuses AND a.kind IN :kinds"
_LIST_AFTER = " AND (a.updated_at < :at OR (a.updated_at = :at AND a.id < :id))"
_LIST_ORDER = " ORDER BY a.updated_at DESC, a.id DESC LIMIT :limit"
LIST_LATEST = Statement(_LIST + "a.latest_version" + _LIST_WHERE + _LIST_ORDER)
LIST_LATEST_AFTER = Statement(_LIST + "a.latest_version" + _LIST_WHERE + _LIST_AFTER + _LIST_ORDER)
LIST_PUBLISHED = Statement(_LIST + "a.version" + _LIST_WHERE + _LIST_ORDER)
LIST_PUBLISHED_AFTER = Statement(_LIST + "a.version" + _LIST_WHERE + _LIST_AFTER + _LIST_ORDER)
DELETE_FAMILIES = Statement(
    "DELETE FROM knowledge_article_family WHERE tenant = :tenant AND article = :article"
)
INSERT_FAMILIES = Statement(
    "INSERT INTO knowledge_article_family (id, tenant, article, family) VALUES :rows"
)

CITED_HEAD = Statement(
    "SELECT version AS published_version FROM knowledge_article WHERE tenant = :tenant AND id = :id"
)
INSERT_CITATION = Statement(
    "INSERT INTO knowledge_citation (id, tenant, work_order, article, article_version, note,"
    " cited_by, cited_at, channel) VALUES (:id, :tenant, :work_order, :article, :version, :note,"
    " :user, :now, :channel)"
)
COUNT_CITATION = Statement(
    "UPDATE knowledge_article SET citations = citations + 1, last_cited_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
CITATIONS_OF = Statement(
    "SELECT c.id, c.work_order AS work_order_id, c.article AS article_id, c.article_version,"
    " COALESCE(v.title, '') AS article_title, c.note AS note_id, c.cited_by AS cited_by_id,"
    " c.cited_at, c.channel FROM knowledge_citation c LEFT JOIN knowledge_article_version v"
    " ON v.tenant = c.tenant AND v.article = c.article AND v.version = c.article_version"
    " WHERE c.tenant = :tenant AND c.work_order = :work_order ORDER BY c.cited_at, c.id"
)
CREATED_AND_CITING = Statement(
    "SELECT w.created_at, w.team AS team_id, CASE WHEN EXISTS (SELECT 1 FROM knowledge_citation c"
    " WHERE c.tenant = w.tenant AND c.work_order = w.id) THEN 1 ELSE 0 END AS citing"
    " FROM workorders_work_order w"
    " WHERE w.tenant = :tenant AND w.created_at >= :start AND w.created_at < :end"
)
TEAM_NAMES = Statement("SELECT id, name FROM accounts_team WHERE tenant = :tenant")


def content_columns(content: contract.ArticleIn) -> dict[str, object]:
    """An article's content as ``PUBLISH`` binds it (the lists as JSON text)."""
    return {
        "kind": content.kind,
        "language": content.language,
        "title": content.title,
        "body": content.body,
        "brand": content.brand,
        "model_family": content.model_family,
        "fault_codes": json_text(content.fault_codes),
        "tags": json_text(content.tags),
        "asset_families": json_text(content.asset_families),
        "device_code_prefixes": json_text(content.device_code_prefixes),
        "alarm_types": json_text(content.alarm_types),
    }


class Head(msgspec.Struct, kw_only=True):
    status: contract.ArticleStatus
    latest_version: int
    published_version: int = 0
    published_at: datetime | None = None
    citations: int = 0
    last_cited_at: datetime | None = None


class StoredVersion(msgspec.Struct, kw_only=True):
    version: int
    title: str
    content: contract.ArticleIn
    saved_at: datetime
    saved_by_id: UUID | None = None


class ListKey(msgspec.Struct):
    at: datetime
    id: UUID


class Listed(msgspec.Struct, kw_only=True):
    id: UUID
    status: contract.ArticleStatus
    latest_version: int
    published_version: int = 0
    updated_at: datetime
    citations: int = 0
    content: contract.ArticleIn


class CitedHead(msgspec.Struct, kw_only=True):
    published_version: int = 0


class Created(msgspec.Struct, kw_only=True):
    created_at: datetime
    team_id: UUID | None = None
    citing: int = 0


class TeamName(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
