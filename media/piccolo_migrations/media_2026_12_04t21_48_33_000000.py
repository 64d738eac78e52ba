"""Portal uploads: one per client idempotency key and portal link (staff uploads have theirs)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T21:48:33:000000"
VERSION = "1.38.0"
DESCRIPTION = "portal upload index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="media", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX media_upload_portal_client_key"
                " ON media_upload (tenant, portal_link, client_key)",
            ]
        )
    )
    return manager
