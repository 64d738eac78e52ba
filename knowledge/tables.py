"""Knowledge-base tables.

``knowledge_article`` is the article: its state, and the content of its published version
(what search, suggestions and the engineers' devices read). Every save is a row of
``knowledge_article_version``, never changed afterwards, so a citation names the exact words
an engineer used. ``knowledge_term`` is the search index of the published versions (see
``knowledge/terms.py``). Unique indexes are added by the raw migration.
"""

from piccolo.columns import (
    JSON,
    UUID,
    BigSerial,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Tenant, User


class Article(Table, tablename="knowledge_article"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    status = Varchar(length=20)  # draft, published, archived
    latest_version = Integer()
    # The published version's content (empty while never published).
    version = Integer(default=0)
    kind = Varchar(length=20)
    language = Varchar(length=10)
    title = Varchar(length=200, default="")
    body = Text(default="")
    brand = Varchar(length=200, default="")
    model_family = Varchar(length=200, default="")
    fault_codes = JSON(default="[]")
    tags = JSON(default="[]")
    asset_families = JSON(default="[]")
    device_code_prefixes = JSON(default="[]")
    alarm_types = JSON(default="[]")
    published_at = Timestamptz(null=True, default=None)
    citations = Integer(default=0)
    last_cited_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ArticleVersion(Table, tablename="knowledge_article_version"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    article = ForeignKey(Article, null=False, index=True)
    version = Integer()
    title = Varchar(length=200)
    content = JSON()  # the ArticleIn as saved
    saved_at = Timestamptz()
    saved_by = ForeignKey(User, null=True, default=None)


class Term(Table, tablename="knowledge_term"):
    """One search term of a published article: ``fields`` says where it occurs (a bit per
    place, ``knowledge/terms.py``)."""

    id = BigSerial(primary_key=True)
    tenant = UUID()
    term = Varchar(length=64)
    article = UUID()
    fields = SmallInt()


class ArticleFamily(Table, tablename="knowledge_article_family"):
    """An asset family a published article is for (casefolded): an engineer's devices get the
    articles of the families they repair first."""

    id = UUID(primary_key=True)
    tenant = UUID()
    article = UUID(index=True)
    family = Varchar(length=200)


class Citation(Table, tablename="knowledge_citation"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = UUID(index=True)
    article = ForeignKey(Article, null=False, index=True)
    article_version = Integer()
    note = UUID(null=True, default=None)  # the note's client id
    cited_by = ForeignKey(User, null=True, default=None)
    cited_at = Timestamptz()
    channel = Varchar(length=10)
    detail = Text(default="")


TABLES: tuple[type[Table], ...] = (Article, ArticleVersion, Term, ArticleFamily, Citation)
