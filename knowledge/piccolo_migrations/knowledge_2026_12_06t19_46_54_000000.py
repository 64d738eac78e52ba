"""Versions are numbered once per article; the search index is read by term and rewritten by
article; search reads the published articles by id and in rank order; a note cites at most
once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from kernel.migrations import raw_statements

ID = "2026-12-06T19:46:54:000000"
VERSION = "1.38.0"
DESCRIPTION = "knowledge: version numbers, the term index, one citation per note"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="knowledge", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX knowledge_article_version_number"
                " ON knowledge_article_version (tenant, article, version)",
                "CREATE UNIQUE INDEX knowledge_term_lookup"
                " ON knowledge_term (tenant, term, article)",
                "CREATE INDEX knowledge_term_article ON knowledge_term (tenant, article)",
                # Search: an article found by a term, looked up without reading its row.
                "CREATE INDEX knowledge_article_search"
                " ON knowledge_article (id, tenant, status, kind, last_cited_at, published_at)",
                "CREATE INDEX knowledge_article_family_lookup"
                " ON knowledge_article_family (tenant, family)",
                "CREATE UNIQUE INDEX knowledge_citation_note"
                " ON knowledge_citation (tenant, note) WHERE note IS NOT NULL",
            ]
        )
    )
    manager.add_raw(_rank_index)
    return manager


async def _rank_index() -> None:
    """Search's rank order (``knowledge/sql.py``): the most recently cited first, never cited
    last. A descending index puts NULL last on SQLite, where an index cannot say NULLS LAST;
    on PostgreSQL it must say so (it puts them first)."""
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("Piccolo found no engine (PICCOLO_CONF)")
    nulls = "" if engine.engine_type == "sqlite" else " NULLS LAST"
    await engine.run_ddl(
        "CREATE INDEX knowledge_article_rank ON knowledge_article (tenant, status,"
        f" last_cited_at DESC{nulls}, published_at DESC{nulls}, id, kind)"
    )
