"""The explicit transaction handle: typed rows on both databases, and the misuses it refuses."""

from datetime import datetime
from uuid import UUID, uuid4

import msgspec
import pytest

from kernel.db import Database, Transaction, TransactionMisuse
from kernel.events import Unwired
from kernel.statements import Statement
from tests.factories import Client

_PROBE = Statement(
    "SELECT CAST(:id AS TEXT) AS id, CAST(:tags AS TEXT) AS tags, 1 AS flag, "
    "CAST(:at AS TEXT) AS at"
)


class ProbeRow(msgspec.Struct):
    id: UUID
    tags: list[str]
    flag: bool
    at: datetime


def database(client: Client) -> Database:
    db: Database = client.app.state.services.db
    return db


async def test_rows_come_back_typed_on_both_databases(client: Client) -> None:
    db, probe_id = database(client), uuid4()
    params = {"id": str(probe_id), "tags": '["a", "b"]', "at": "2026-12-06T05:00:00+00:00"}
    (row,) = await db.fetch(_PROBE, ProbeRow, **params)
    assert row == ProbeRow(
        id=probe_id, tags=["a", "b"], flag=True, at=datetime.fromisoformat(params["at"])
    )
    async with db.transaction() as tx:
        assert await tx.fetch_one(_PROBE, ProbeRow, **params) == row


async def test_a_write_inside_a_read_snapshot_is_refused(client: Client) -> None:
    db = database(client)
    async with db.snapshot():
        with pytest.raises(TransactionMisuse, match="inside a read snapshot"):
            async with db.transaction():
                pass


async def test_a_statement_off_the_open_transaction_is_refused(client: Client) -> None:
    """Inside a transaction a pooled connection would not see its writes (and, on SQLite,
    would wait for the write lock the transaction holds)."""
    db = database(client)
    async with db.transaction():
        with pytest.raises(TransactionMisuse, match="transaction's handle"):
            await db.fetch(_PROBE, ProbeRow, id=str(uuid4()), tags="[]", at="2026-12-06")


async def test_store_io_asserts_it_holds_no_transaction(client: Client) -> None:
    db = database(client)
    Database.assert_outside_transaction("an object store upload")
    async with db.snapshot():
        with pytest.raises(TransactionMisuse, match="object store upload"):
            Database.assert_outside_transaction("an object store upload")


async def test_after_commit_work_runs_only_once_committed(client: Client) -> None:
    db, ran = database(client), list[str]()
    async with db.transaction() as tx:
        tx.after_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]

    async def roll_back() -> None:
        async with db.transaction() as tx:
            tx.after_commit(lambda: ran.append("never"))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await roll_back()
    assert ran == ["committed"]


class NobodyListens(msgspec.Struct):
    pass


async def test_an_event_nothing_reacts_to_is_an_error_not_a_silent_drop(client: Client) -> None:
    db = database(client)
    with pytest.raises(Unwired, match="NobodyListens"):
        async with db.transaction() as tx:
            await tx.publish(NobodyListens())


async def test_a_use_case_inside_another_shares_its_transaction(client: Client) -> None:
    db = database(client)
    async with db.transaction() as outer, db.transaction() as inner:
        assert inner is outer
        assert isinstance(inner, Transaction)


class Count(msgspec.Struct):
    n: int


class ProbeId(msgspec.Struct):
    id: int


async def test_a_bulk_insert_over_the_bound_value_limits_runs_as_several_statements(
    client: Client,
) -> None:
    db = database(client)
    rows = [(n, f"row {n}") for n in range(1, 1202)]  # three statements of at most 500 rows
    async with db.transaction() as tx:
        await tx.execute(Statement("CREATE TEMPORARY TABLE bulk_probe (id INTEGER, label TEXT)"))
        inserted = await tx.fetch(
            Statement("INSERT INTO bulk_probe (id, label) VALUES :rows RETURNING id"),
            ProbeId,
            rows=rows,
        )
        counted = await tx.fetch_one(Statement("SELECT COUNT(*) AS n FROM bulk_probe"), Count)
        await tx.execute(Statement("DROP TABLE bulk_probe"))
    assert [row.id for row in inserted] == list(range(1, 1202))
    assert counted == Count(n=1201)
