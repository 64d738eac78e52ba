"""One profile photo per user."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T22:57:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "accounts: one photo per user"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            ['CREATE UNIQUE INDEX accounts_user_photo_user ON accounts_user_photo ("user")']
        )
    )
    return manager
