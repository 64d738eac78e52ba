"""Normalised usernames for the rows that exist, and the unique indexes of the new columns.

Hand-written and kept apart from the column migration, because Piccolo runs a migration's raw
steps before its other steps. Existing rows get ``username_key`` = NFKC + case-folded username,
oldest first per tenant; a row whose normalised name an older row of its tenant already holds
(``ADMIN`` beside ``admin``) keeps its username and no key: both rows stay, the later one cannot
log in until an admin deactivates it or an operator renames it, and the migration names it.
"""

import sys

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

from accounts.usernames import normalize_username
from kernel.migrations import raw_statements

ID = "2026-12-06T04:02:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "normalise existing usernames; unique (tenant, username_key) and login throttle"


async def normalise_existing_usernames() -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("Piccolo found no engine (PICCOLO_CONF)")
    rows = await engine.run_querystring(
        QueryString(
            "SELECT u.id, u.tenant, u.username, t.slug FROM accounts_user u "
            "JOIN accounts_tenant t ON t.id = u.tenant ORDER BY t.slug, u.created_at, u.id"
        )
    )
    holders: dict[tuple[str, str], str] = {}
    for row in rows:
        key = normalize_username(row["username"])
        holder = holders.setdefault((row["slug"], key), row["username"])
        if holder != row["username"]:
            print(
                f"fieldops: WARNING: tenant {row['slug']}: user {row['username']!r} "
                f"({row['id']}) has the same normalised name as the older {holder!r}; both "
                "are kept, but it cannot log in until it is deactivated or renamed",
                file=sys.stderr,
            )
            continue
        await engine.run_querystring(
            QueryString("UPDATE accounts_user SET username_key = {} WHERE id = {}", key, row["id"])
        )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_raw(normalise_existing_usernames)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX accounts_user_tenant_username_key "
                "ON accounts_user (tenant, username_key)",
                "CREATE UNIQUE INDEX accounts_login_throttle_account "
                "ON accounts_login_throttle (tenant_slug, username_key)",
            ]
        )
    )
    return manager
