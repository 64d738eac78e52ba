"""Helpers for hand-written parts of Piccolo migrations (constraints Piccolo cannot express)."""

from collections.abc import Awaitable, Callable, Sequence

from piccolo.engine import engine_finder


def raw_statements(statements: Sequence[str]) -> Callable[[], Awaitable[None]]:
    """A ``MigrationManager.add_raw`` step running SQL valid on both SQLite and PostgreSQL."""

    async def run() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("Piccolo found no engine (PICCOLO_CONF)")
        for statement in statements:
            await engine.run_ddl(statement)

    return run
