"""``fieldops migrate`` on an empty database creates every table and the composite indexes,
on SQLite and on PostgreSQL in the same run; a second run changes nothing."""

import asyncio
import socket
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from media.store import S3Store
from server.tables import ALL_TABLES
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    run_migrate,
)
from tests.s3 import s3_config

EXPECTED_TABLES = {table._meta.tablename for table in ALL_TABLES}

# name -> (table, columns, unique)
EXPECTED_INDEXES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "accounts_team_tenant_name": ("accounts_team", ("tenant", "name"), True),
    "accounts_user_tenant_username": ("accounts_user", ("tenant", "username"), True),
    "accounts_team_member_team_user": ("accounts_team_member", ("team", "user"), True),
    "directory_asset_tenant_device_code": ("directory_asset", ("tenant", "device_code"), True),
    "workorders_work_order_tenant_number": ("workorders_work_order", ("tenant", "number"), True),
    "workorders_work_order_tenant_created": (
        "workorders_work_order",
        ("tenant", "created_at", "id"),
        False,
    ),
    "workorders_number_counter_tenant_year": (
        "workorders_number_counter",
        ("tenant", "year"),
        True,
    ),
    "workorders_event_work_order_time": ("workorders_event", ("work_order", "server_time"), False),
    "media_upload_client_key": ("media_upload", ("tenant", "created_by", "client_key"), True),
    "media_upload_portal_client_key": (
        "media_upload",
        ("tenant", "portal_link", "client_key"),
        True,
    ),
}

Schema = tuple[set[str], dict[str, tuple[str, tuple[str, ...], bool]], int]


def test_the_expected_tables_are_those_of_every_package() -> None:
    assert {
        "accounts_tenant",
        "accounts_user",
        "accounts_refresh_token",
        "directory_asset",
        "workorders_work_order",
        "workorders_event",
    } <= EXPECTED_TABLES
    assert {table for table, _, _ in EXPECTED_INDEXES.values()} <= EXPECTED_TABLES


def sqlite_schema(path: Path) -> Schema:
    connection = sqlite3.connect(path)
    try:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        indexes = {}
        for name, table in connection.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ):
            columns = tuple(row[2] for row in connection.execute(f'PRAGMA index_info("{name}")'))
            unique = any(
                row[1] == name and row[2] == 1
                for row in connection.execute(f'PRAGMA index_list("{table}")')
            )
            indexes[name] = (table, columns, unique)
        (migrations,) = connection.execute("SELECT count(*) FROM migration").fetchone()
    finally:
        connection.close()
    return tables, indexes, migrations


async def postgres_schema(url: str) -> Schema:
    connection = await asyncpg.connect(url)
    try:
        tables = {
            row["table_name"]
            for row in await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
        rows = await connection.fetch(
            """
            SELECT i.relname AS name, t.relname AS table, ix.indisunique AS unique,
                   array_agg(a.attname ORDER BY k.ord) AS columns
            FROM pg_index ix
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_class t ON t.oid = ix.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
            WHERE n.nspname = 'public'
            GROUP BY i.relname, t.relname, ix.indisunique
            """
        )
        indexes = {
            row["name"]: (row["table"], tuple(row["columns"]), row["unique"]) for row in rows
        }
        migrations = await connection.fetchval("SELECT count(*) FROM migration")
    finally:
        await connection.close()
    return tables, indexes, migrations


def assert_complete(schema: Schema) -> None:
    tables, indexes, migrations = schema
    missing = EXPECTED_TABLES - tables
    assert not missing, f"tables missing after migrate: {sorted(missing)}"
    for name, expected in EXPECTED_INDEXES.items():
        assert indexes.get(name) == expected, f"index {name}: {indexes.get(name)} != {expected}"
    assert migrations >= 6  # two per package: the tables, then the composite indexes


def migrate_ok(url: str, var_dir: Path) -> None:
    result = run_migrate(url, var_dir)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrate_builds_a_fresh_sqlite_database_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "fieldops.db"
    assert not path.exists()
    migrate_ok(f"sqlite:///{path}", tmp_path / "var")
    first = sqlite_schema(path)
    assert_complete(first)

    migrate_ok(f"sqlite:///{path}", tmp_path / "var")
    assert sqlite_schema(path) == first


async def postgres_unreachable_reason() -> str | None:
    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {error!r}"
    await connection.close()
    return None


async def postgres_schema_tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await connection.close()
    return {row["table_name"] for row in rows}


async def test_migrate_builds_a_fresh_postgres_database_and_is_idempotent(
    tmp_path: Path,
) -> None:
    reason = await postgres_unreachable_reason()
    if reason is not None:
        print(reason)
        pytest.skip(reason)
    url = await create_postgres_database()
    try:
        assert await postgres_schema_tables(url) == set()
        migrate_ok(url, tmp_path / "var")
        first = await postgres_schema(url)
        assert_complete(first)

        migrate_ok(url, tmp_path / "var")
        assert await postgres_schema(url) == first
    finally:
        await drop_postgres_database(url)


async def test_the_composite_unique_indexes_are_enforced(tmp_path: Path) -> None:
    """Not only present: a duplicate (tenant, username) is refused by the database."""
    path = tmp_path / "unique.db"
    migrate_ok(f"sqlite:///{path}", tmp_path / "var")
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "INSERT INTO accounts_tenant (id, slug, name, created_at) "
            "VALUES ('t1', 'acme', 'Acme', '2026-01-01')"
        )
        insert_user = (
            "INSERT INTO accounts_user (id, tenant, username, display_name, phone, role, "
            "password_hash, is_active, created_at, updated_at) "
            "VALUES (?, 't1', 'bob', 'Bob', '', 'engineer', 'x', 1, '2026-01-01', '2026-01-01')"
        )
        connection.execute(insert_user, ("u1",))
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            connection.execute(insert_user, ("u2",))
    finally:
        connection.close()


def test_migrate_sets_the_buckets_lifecycle_rules_with_s3(
    tmp_path: Path, moto_endpoint: str
) -> None:
    """With S3, migrate also tells the bucket to drop orphan upload bytes; an unreachable S3
    is reported (the database is migrated all the same)."""
    store = S3Store(s3_config("moto", moto_endpoint))
    asyncio.run(store.ensure_bucket())
    s3 = {
        "FIELDOPS_MEDIA_STORE": "s3",
        "FIELDOPS_S3_ENDPOINT": moto_endpoint,
        "FIELDOPS_S3_ACCESS_KEY": "test",
        "FIELDOPS_S3_SECRET_KEY": "test",
        "FIELDOPS_S3_BUCKET": store.bucket,
    }
    result = run_migrate(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "var", s3)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lifecycle rules fieldops-expire-quarantine, fieldops-expire-staging" in result.stdout
    assert "fieldops-markers-quarantine, fieldops-markers-staging" in result.stdout
    config = store.client.get_bucket_lifecycle(store.bucket)
    assert {rule.rule_filter.prefix for rule in config.rules} == {"quarantine/", "staging/"}

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = {**s3, "FIELDOPS_S3_ENDPOINT": closed}
    result = run_migrate(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "var", unreachable)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING: the lifecycle rules of bucket" in result.stderr
    assert_complete(sqlite_schema(tmp_path / "b.db"))
