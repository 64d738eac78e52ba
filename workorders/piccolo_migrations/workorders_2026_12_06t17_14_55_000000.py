"""How long similar work orders took to resolve (the priority rules' history condition) is
read per new work order: by tenant, type and resolution time, not by a scan."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T17:14:55:000000"
VERSION = "1.38.0"
DESCRIPTION = "work orders by type and resolution time"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE INDEX workorders_work_order_resolved"
                " ON workorders_work_order (tenant, type, resolved_at)"
            ]
        )
    )
    return manager
