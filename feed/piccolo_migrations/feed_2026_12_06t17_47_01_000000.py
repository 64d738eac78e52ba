"""A feed position is used once per tenant: readers resume after it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T17:47:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "feed events unique per tenant and position"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feed", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(["CREATE UNIQUE INDEX feed_event_seq ON feed_event (tenant, seq)"])
    )
    return manager
