"""The alert sender's queue index (a raw step: it runs before a migration's tables are
created, so it lives in a migration of its own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T18:46:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "alert queue index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="push", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(["CREATE INDEX push_alert_due ON push_alert (status, next_attempt_at)"])
    )
    return manager
