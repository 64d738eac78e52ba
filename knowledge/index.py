"""The search index of the published articles (``knowledge_term``, ``knowledge/terms.py``):
written when an article is published, dropped when it is archived, in the caller's
transaction."""

from collections.abc import Iterator, Sequence
from typing import TypeVar
from uuid import UUID

from kernel.db import Transaction
from kernel.statements import ROWS_PER_STATEMENT
from knowledge import sql
from knowledge.terms import Content, article_terms

T = TypeVar("T")


async def reindex(tx: Transaction, *, tenant_id: UUID, article_id: UUID, content: Content) -> None:
    """Replace the article's terms with those of ``content`` (its published version)."""
    await drop(tx, tenant_id=tenant_id, article_id=article_id)
    rows = [
        (tenant_id, term, article_id, fields) for term, fields in article_terms(content).items()
    ]
    for batch in _batches(rows):
        await tx.execute(sql.INSERT_TERMS, rows=batch)


async def drop(tx: Transaction, *, tenant_id: UUID, article_id: UUID) -> None:
    """Remove the article from the index (archived: search and suggestions no longer find it)."""
    await tx.execute(sql.DELETE_TERMS, tenant=tenant_id, article=article_id)


def _batches(rows: Sequence[T]) -> Iterator[Sequence[T]]:
    """``rows`` in batches of ``ROWS_PER_STATEMENT`` and then of powers of two: a statement's
    text is compiled (and, on PostgreSQL, prepared) per number of rows, so a few sizes serve
    every article."""
    start = 0
    while start < len(rows):
        left = len(rows) - start
        size = ROWS_PER_STATEMENT if left >= ROWS_PER_STATEMENT else 1 << (left.bit_length() - 1)
        yield rows[start : start + size]
        start += size
