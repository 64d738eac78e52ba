"""The delivery idempotency key and the relay's queue index (raw steps run before a
migration's tables are created, so they live in a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T18:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "delivery idempotency key and queue index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="push", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX push_delivery_key ON push_delivery (notification, device)",
                "CREATE INDEX push_delivery_due ON push_delivery (status, next_attempt_at)",
            ]
        )
    )
    return manager
