"""HTTP routes of the knowledge base: articles, search as you type, suggestions and
citations."""

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter

from knowledge import articles, citations, search, suggestions
from mobile_contract import knowledge as contract
from mobile_contract.types import LINE_PATTERN
from web.http import BEARER, DB, CurrentActor

MAX_VERSION = 2**31 - 1  # the column is an integer


class KnowledgeController(Controller):
    path = "/api/v1/kb"
    tags = ["knowledge"]
    security = BEARER

    @get("/search")
    async def search_articles(
        self,
        db: DB,
        actor: CurrentActor,
        q: Annotated[str, QueryParameter(pattern=LINE_PATTERN)],
        limit: Annotated[int, Parameter(ge=1, le=contract.MAX_SEARCH_RESULTS)] = 10,
        kind: FromQuery[contract.ArticleKind | None] = None,
    ) -> contract.SearchResults:
        """Published articles as the query is typed: Chinese from one character, English
        words and codes by prefix; an exact fault code first, then the title, then the body,
        recently cited first among equals."""
        return await search.search(db=db, actor=actor, q=q, limit=limit, kind=kind)

    @get("/articles")
    async def list_articles(
        self,
        db: DB,
        actor: CurrentActor,
        status: FromQuery[contract.ArticleStatus | None] = None,
        kind: FromQuery[contract.ArticleKind | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200, pattern=LINE_PATTERN)] = None,
        limit: Annotated[int, Parameter(ge=1, le=articles.MAX_PAGE)] = 50,
    ) -> contract.ArticleList:
        return await articles.list_articles(
            db=db, actor=actor, status=status, kind=kind, cursor=cursor, limit=limit
        )

    @post("/articles")
    async def create_article(
        self, data: JSONBody[contract.ArticleCreate], db: DB, actor: CurrentActor
    ) -> contract.Article:
        """Saves version 1 (a draft unless ``publish``)."""
        return await articles.create(db=db, actor=actor, data=data)

    @get("/articles/{article_id:uuid}")
    async def get_article(
        self,
        article_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        version: Annotated[int | None, Parameter(ge=1, le=MAX_VERSION)] = None,
    ) -> contract.Article:
        return await articles.get(db=db, actor=actor, article_id=article_id, version=version)

    @put("/articles/{article_id:uuid}")
    async def update_article(
        self,
        article_id: FromPath[UUID],
        data: JSONBody[contract.ArticleUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Article:
        """Saves the next version; readers keep the published one until it is published."""
        return await articles.update(db=db, actor=actor, article_id=article_id, data=data)

    @post("/articles/{article_id:uuid}/publish", status_code=200)
    async def publish_article(
        self,
        article_id: FromPath[UUID],
        data: JSONBody[contract.PublishRequest],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Article:
        return await articles.publish(db=db, actor=actor, article_id=article_id, data=data)

    @post("/articles/{article_id:uuid}/archive", status_code=200)
    async def archive_article(
        self, article_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.Article:
        return await articles.archive(db=db, actor=actor, article_id=article_id)

    @get("/articles/{article_id:uuid}/versions")
    async def article_versions(
        self, article_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.ArticleVersionList:
        return await articles.versions(db=db, actor=actor, article_id=article_id)

    @get("/citation-rate")
    async def citation_rate(
        self,
        db: DB,
        actor: CurrentActor,
        start: FromQuery[date],
        end: FromQuery[date | None] = None,
        period: FromQuery[contract.CitationPeriod] = "week",
        team_id: FromQuery[UUID | None] = None,
    ) -> contract.CitationRate:
        """New work orders citing the knowledge base, per period and team."""
        return await citations.rate(
            db=db, actor=actor, start=start, end=end, period=period, team_id=team_id
        )


class WorkOrderKnowledgeController(Controller):
    path = "/api/v1/work-orders/{work_order_id:uuid}"
    tags = ["knowledge"]
    security = BEARER

    @get("/kb-suggestions")
    async def suggestions(
        self,
        work_order_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        limit: Annotated[int, Parameter(ge=1, le=contract.MAX_SEARCH_RESULTS)] = 10,
    ) -> contract.SuggestionList:
        """Articles for this repair: its asset's family and device code, its alarm, its
        words."""
        return await suggestions.suggest(
            db=db, actor=actor, work_order_id=work_order_id, limit=limit
        )

    @get("/citations")
    async def list_citations(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.CitationList:
        """The articles this work order's notes inserted."""
        return await citations.of_work_order(db=db, actor=actor, work_order_id=work_order_id)


CONTROLLERS: list[type[Controller]] = [KnowledgeController, WorkOrderKnowledgeController]
