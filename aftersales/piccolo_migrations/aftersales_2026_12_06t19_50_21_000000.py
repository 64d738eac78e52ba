"""A tree version is saved once per tenant: two editors saving at once cannot both take it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T19:50:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "after-sales tree versions unique per tenant"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="aftersales", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            ["CREATE UNIQUE INDEX aftersales_tree_version ON aftersales_tree (tenant, version)"]
        )
    )
    return manager
