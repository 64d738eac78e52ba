"""Upload sessions: one per client idempotency key and uploader; the workers' queue index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T20:15:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "upload session indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="media", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX media_upload_client_key"
                " ON media_upload (tenant, created_by, client_key)",
                "CREATE INDEX media_upload_due ON media_upload (status, expires_at)",
            ]
        )
    )
    return manager
