"""Pooled PostgreSQL connections go back to the pool without asyncpg's reset query (a round
trip per statement or transaction): safe only while no statement of ours leaves session state
behind, which the first test checks for every statement in the project."""

import gc
import importlib
import pkgutil
import re
import tomllib
from pathlib import Path

import pytest

from kernel.engines import TunedPostgresEngine
from kernel.statements import Statement
from tests.conftest import backend

# The project's packages, as the layer contract (import-linter, pyproject.toml) lists them.
PYPROJECT = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
PACKAGES = PYPROJECT["tool"]["importlinter"]["root_packages"]
# What asyncpg's reset would undo: session settings, session advisory locks, cursors, LISTEN.
SESSION_STATE = re.compile(
    r"^\s*SET\s+(?!LOCAL\b)|\bset_config\s*\(|\bpg_(try_)?advisory_lock(_shared)?\s*\("
    r"|\bLISTEN\b|\bDECLARE\b",
    re.IGNORECASE,
)


def every_statement() -> list[Statement]:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".piccolo_migrations" not in info.name:
                importlib.import_module(info.name)
    return [o for o in gc.get_objects() if isinstance(o, Statement)]


def test_no_statement_leaves_session_state_on_a_pooled_connection() -> None:
    statements = every_statement()
    assert len(statements) > 100  # the walk found the project's SQL modules
    offending = [s.text for s in statements if SESSION_STATE.search(s.text)]
    assert offending == []


def test_the_session_state_check_catches_what_it_must() -> None:
    caught = ["SET statement_timeout = 0", "LISTEN tenant", "SELECT pg_advisory_lock(1)"]
    allowed = ["SET LOCAL lock_timeout = '1s'", "UPDATE t SET a = 1", "SELECT 1"]
    assert all(SESSION_STATE.search(text) for text in caught)
    assert not any(SESSION_STATE.search(text) for text in allowed)


@pytest.mark.skipif(backend() != "postgres", reason="asyncpg's pool: PostgreSQL only")
async def test_a_returned_connection_is_not_reset_but_its_transaction_is_rolled_back(
    database_url: str,
) -> None:
    engine = TunedPostgresEngine(config={"dsn": database_url})
    await engine.start_connection_pool(min_size=1, max_size=1)
    try:
        assert engine.pool is not None
        async with engine.pool.acquire() as connection:
            await connection.execute("SELECT set_config('application_name', 'probe', false)")
            await connection.execute("BEGIN")
            assert connection.is_in_transaction()
        async with engine.pool.acquire() as connection:  # the same one: the pool holds one
            assert not connection.is_in_transaction()
            # No "RESET ALL" ran: the session setting is still there.
            assert await connection.fetchval("SHOW application_name") == "probe"
    finally:
        await engine.close_connection_pool()
