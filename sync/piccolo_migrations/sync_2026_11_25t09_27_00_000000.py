"""Composite unique constraints and indexes of the change log (Piccolo runs a migration's raw
steps before creating its tables, so these live in a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-11-25T09:27:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "change log constraints and indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sync", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX sync_change_document "
                "ON sync_change (tenant, collection, document_id)",
                "CREATE UNIQUE INDEX sync_change_seq ON sync_change (tenant, collection, seq)",
                "CREATE INDEX sync_change_owner_seq ON sync_change (tenant, collection, owner, seq)",
                "CREATE UNIQUE INDEX sync_scope_exit_document "
                'ON sync_scope_exit (tenant, collection, document_id, "user")',
                'CREATE INDEX sync_scope_exit_user_seq ON sync_scope_exit (tenant, "user", collection, seq)',
            ]
        )
    )
    return manager
