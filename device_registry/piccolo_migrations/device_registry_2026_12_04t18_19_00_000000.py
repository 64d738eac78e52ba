"""The installation id is unique within a tenant (a raw step: Piccolo runs a migration's raw
steps before creating its tables, so this lives in a migration of its own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T18:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device installation unique per tenant"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="device_registry", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX device_registry_device_installation "
                "ON device_registry_device (tenant, installation)",
            ]
        )
    )
    return manager
