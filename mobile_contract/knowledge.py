"""The knowledge base: articles, fault-code tables and reply templates, the search that finds
them as an engineer types, the suggestions for a work order, and the citations that record
which ones a repair used.

Articles are edited by admins and supervisors and read by everyone. Every save is a new
version; readers, search and the engineers' devices see the published version only. The input
Structs refuse unknown fields: a misspelt key would otherwise vanish from an article.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.iot import AlarmType
from mobile_contract.types import LINE_PATTERN, TEXT_PATTERN, Name, ShortText, Tags

ArticleKind = Literal["article", "fault_codes", "reply_template"]
ArticleLanguage = Literal["zh-CN", "en"]
ArticleStatus = Literal["draft", "published", "archived"]
MatchedIn = Literal["code", "title", "body"]
CitationPeriod = Literal["day", "week", "month"]

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$(?!\n)"
Code = Annotated[str, Meta(min_length=1, max_length=40, pattern=CODE_PATTERN)]
Family = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
CodePrefix = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$(?!\n)")]
ArticleBody = Annotated[str, Meta(max_length=20_000, pattern=TEXT_PATTERN)]
CodeText = Annotated[str, Meta(max_length=2_000, pattern=TEXT_PATTERN)]
MAX_FAULT_CODES = 500
MAX_QUERY_LENGTH = 100
MAX_SEARCH_RESULTS = 50


class FaultCode(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One row of a fault-code table: what the controller shows and what to do about it."""

    code: Code
    meaning: Annotated[str, Meta(min_length=1, max_length=500, pattern=LINE_PATTERN)]
    likely_cause: CodeText = ""
    fix: CodeText = ""


class ArticleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An article's content. ``fault_codes`` belongs to a fault-code table (``brand`` and
    ``model_family`` say whose); a reply template's ``body`` is the text an engineer inserts.
    ``asset_families``, ``device_code_prefixes`` and ``alarm_types`` tie it to the work
    orders it is suggested for."""

    kind: ArticleKind = "article"
    language: ArticleLanguage = "zh-CN"
    title: Name
    body: ArticleBody = ""
    brand: ShortText = ""
    model_family: ShortText = ""
    fault_codes: Annotated[list[FaultCode], Meta(max_length=MAX_FAULT_CODES)] = []
    tags: Tags = []
    asset_families: Annotated[list[Family], Meta(max_length=30)] = []
    device_code_prefixes: Annotated[list[CodePrefix], Meta(max_length=30)] = []
    alarm_types: Annotated[list[AlarmType], Meta(max_length=20)] = []


class ArticleCreate(ArticleIn, kw_only=True, forbid_unknown_fields=True):
    publish: bool = False


class ArticleUpdate(ArticleIn, kw_only=True, forbid_unknown_fields=True):
    """A new version of the article; ``expected_version`` (the latest one you read) refuses
    the save when someone saved in between. ``publish`` publishes the new version at once."""

    expected_version: Annotated[int, Meta(ge=1, le=2**31 - 1)] | None = None
    publish: bool = False


class PublishRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Publish ``version`` (the latest when absent)."""

    version: Annotated[int, Meta(ge=1, le=2**31 - 1)] | None = None


class Article(ArticleIn, kw_only=True):
    """One version of an article, with the article's state: ``status`` and
    ``published_version`` describe the article, ``version`` this content."""

    id: UUID
    version: int
    status: ArticleStatus
    latest_version: int
    published_version: int | None = None
    published_at: datetime | None = None
    saved_at: datetime
    saved_by_id: UUID | None = None
    citations: int = 0
    last_cited_at: datetime | None = None


class ArticleSummary(msgspec.Struct, kw_only=True):
    id: UUID
    kind: ArticleKind
    language: ArticleLanguage
    title: str
    status: ArticleStatus
    latest_version: int
    published_version: int | None = None
    updated_at: datetime
    citations: int = 0


class ArticleList(msgspec.Struct, kw_only=True):
    items: list[ArticleSummary]
    next_cursor: str | None = None


class ArticleVersionSummary(msgspec.Struct, kw_only=True):
    version: int
    title: str
    saved_at: datetime
    saved_by_id: UUID | None = None
    published: bool = False


class ArticleVersionList(msgspec.Struct, kw_only=True):
    items: list[ArticleVersionSummary]


class SearchHit(msgspec.Struct, kw_only=True):
    """``matched``: where the query was found (``code``: it is one of the table's codes).
    ``fault_code``: the row whose code the query names, for a quick insert of that row.
    ``snippet``: the body around the first match."""

    article_id: UUID
    version: int
    kind: ArticleKind
    language: ArticleLanguage
    title: str
    matched: MatchedIn
    snippet: str = ""
    brand: str = ""
    model_family: str = ""
    fault_code: FaultCode | None = None
    last_cited_at: datetime | None = None


class SearchResults(msgspec.Struct, kw_only=True):
    query: str
    items: list[SearchHit]


class Suggestion(msgspec.Struct, kw_only=True):
    """``reasons``: what tied the article to the work order, e.g.
    ``asset_family: Cold room``, ``device_code_prefix: CS-FR-``, ``alarm_type: temperature``,
    ``text: 压缩机``."""

    article_id: UUID
    version: int
    kind: ArticleKind
    language: ArticleLanguage
    title: str
    score: float
    reasons: list[str]


class SuggestionList(msgspec.Struct, kw_only=True):
    work_order_id: UUID
    items: list[Suggestion]


class Citation(msgspec.Struct, kw_only=True):
    """A work order's use of an article: a note that inserted it (``note_id``)."""

    id: UUID
    work_order_id: UUID
    article_id: UUID
    article_version: int
    article_title: str = ""
    note_id: UUID | None = None
    cited_by_id: UUID | None = None
    cited_at: datetime
    channel: Literal["api", "sync"] = "api"


class CitationList(msgspec.Struct, kw_only=True):
    items: list[Citation]


class CitationRatePeriod(msgspec.Struct, kw_only=True):
    """Work orders created in ``[start, end)`` owned by ``team_id`` (none: no team), and how
    many of them cite the knowledge base at least once."""

    start: datetime
    end: datetime
    team_id: UUID | None = None
    team_name: str = ""
    work_orders: int
    citing: int
    rate: float | None = None


class CitationRate(msgspec.Struct, kw_only=True):
    period: CitationPeriod
    start: datetime
    end: datetime
    target: float = 0.4
    total_work_orders: int
    total_citing: int
    total_rate: float | None = None
    items: list[CitationRatePeriod]


class KbFaultCode(msgspec.Struct, kw_only=True):
    code: str = ""
    meaning: str = ""
    likely_cause: str = ""
    fix: str = ""


class KbArticleDocument(msgspec.Struct, kw_only=True):
    """A published article as engineers' devices sync it (read-only), so the app can search
    offline. A withdrawn article arrives as a tombstone."""

    id: UUID
    version: int = 0
    kind: str = ""
    language: str = ""
    title: str = ""
    body: str = ""
    brand: str = ""
    model_family: str = ""
    fault_codes: list[KbFaultCode] = []
    tags: list[str] = []
    asset_families: list[str] = []
    device_code_prefixes: list[str] = []
    alarm_types: list[str] = []
    published_at: datetime | None = None
    deleted: bool = msgspec.field(default=False, name="_deleted")
