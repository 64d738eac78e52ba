"""Composite unique constraints and indexes that Piccolo's columns cannot express.

Hand-written and kept apart from the table migration, because Piccolo runs a migration's raw
steps before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-11-25T08:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite constraints and indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="directory", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX directory_asset_tenant_device_code ON directory_asset (tenant, device_code)",
            ]
        )
    )
    return manager
