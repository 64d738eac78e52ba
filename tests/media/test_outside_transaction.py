"""Object-store calls never run inside a database transaction: a slow store would hold the
SQLite write lock or a pooled connection. The stores refuse, so a misplaced call fails in tests."""

from pathlib import Path

import pytest

from kernel.db import TransactionMisuse
from media.local_store import LocalStore
from tests.factories import World


async def test_a_store_call_inside_a_transaction_or_snapshot_is_refused(
    world: World, tmp_path: Path
) -> None:
    db = world.client.app.state.services.db
    store = LocalStore(root=tmp_path, base_url="http://testserver", signing_key=b"k")
    assert await store.stat(key="quarantine/x") is None  # outside: fine
    async with db.transaction():
        with pytest.raises(TransactionMisuse, match=r"LocalStore\.stat"):
            await store.stat(key="quarantine/x")
    async with db.snapshot():
        with pytest.raises(TransactionMisuse, match=r"LocalStore\.delete"):
            await store.delete(key="quarantine/x")
