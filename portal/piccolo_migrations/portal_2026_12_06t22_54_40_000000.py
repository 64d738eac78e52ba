"""A link's views are counted once per UTC day (an upsert on this index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T22:54:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "portal: one visit row per link and day"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="portal", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(["CREATE UNIQUE INDEX portal_visit_day ON portal_visit (link, day)"])
    )
    return manager
