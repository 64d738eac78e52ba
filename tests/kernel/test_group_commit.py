"""Concurrent write transactions: each commits or fails on its own, and none returns before
its changes are committed. On SQLite the use cases queued behind one another share commits
(group commit); on PostgreSQL each is a transaction of its own."""

import asyncio
import uuid
from typing import Any

import pytest

from accounts import sql
from kernel.clock import utcnow
from kernel.db import Database
from tests.factories import Client
from tests.kernel.test_transactions import database


class Refused(Exception):
    pass


async def add_tenant(db: Database, slug: str, *, fail: bool = False) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            sql.INSERT_TENANT, id=uuid.uuid4(), slug=slug, name=slug, locale="en", now=utcnow()
        )
        await asyncio.sleep(0)  # let the others queue behind this one
        if fail:
            raise Refused(slug)
    # Returned: committed, so a fresh read sees it.
    assert await db.fetch_one(sql.TENANT_BY_SLUG, sql.Id, slug=slug) is not None


async def stored(db: Database, slugs: list[str]) -> list[str]:
    return [s for s in slugs if await db.fetch_one(sql.TENANT_BY_SLUG, sql.Id, slug=s)]


async def test_concurrent_use_cases_all_commit_and_return_only_once_committed(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = database(client)
    commits = 0
    writes = db._writes
    if writes is not None:  # SQLite
        commit = writes._commit

        async def counted(group: Any) -> None:
            nonlocal commits
            commits += 1
            await commit(group)

        monkeypatch.setattr(writes, "_commit", counted)
    slugs = [f"group-{uuid.uuid4().hex[:12]}" for _ in range(40)]
    await asyncio.gather(*(add_tenant(db, slug) for slug in slugs))
    assert await stored(db, slugs) == slugs
    if writes is not None:
        assert 1 <= commits < len(slugs)  # shared commits


async def test_a_failing_use_case_rolls_back_alone(client: Client) -> None:
    db = database(client)
    slugs = [f"group-{uuid.uuid4().hex[:12]}" for _ in range(12)]
    results = await asyncio.gather(
        *(add_tenant(db, slug, fail=index % 4 == 1) for index, slug in enumerate(slugs)),
        return_exceptions=True,
    )
    failed = [slug for slug, result in zip(slugs, results, strict=True) if result is not None]
    assert failed == [slug for index, slug in enumerate(slugs) if index % 4 == 1]
    assert all(isinstance(result, Refused) for result in results if result is not None)
    assert await stored(db, slugs) == [s for s in slugs if s not in failed]


async def test_a_member_cancelled_while_its_group_commits_loses_nothing_for_the_others(
    client: Client,
) -> None:
    db = database(client)
    slugs = [f"group-{uuid.uuid4().hex[:12]}" for _ in range(10)]
    tasks = [asyncio.create_task(add_tenant(db, slug)) for slug in slugs]
    await asyncio.sleep(0)
    for _ in range(3):
        await asyncio.sleep(0)
    tasks[0].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(result is None for result in results[1:]), results
    # The first one was cancelled after or before its changes were made: either way the
    # database holds exactly the others, plus it at most once, and accepts writes again.
    assert set(slugs[1:]) <= set(await stored(db, slugs))
    await add_tenant(db, f"group-{uuid.uuid4().hex[:12]}")


async def test_after_commit_work_of_every_member_runs(
    client: Client,
) -> None:
    db = database(client)
    seen: list[bool] = []

    async def member(slug: str) -> None:
        async with db.transaction() as tx:
            await tx.execute(
                sql.INSERT_TENANT, id=uuid.uuid4(), slug=slug, name=slug, locale="en", now=utcnow()
            )
            tx.after_commit(lambda: seen.append(True))
            await asyncio.sleep(0)

    await asyncio.gather(*(member(f"group-{uuid.uuid4().hex[:12]}") for _ in range(8)))
    assert seen == [True] * 8
