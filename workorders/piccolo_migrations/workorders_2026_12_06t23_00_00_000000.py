"""ETA (``eta/sql.py``) reads a tenant's repairs resolved in a recent window, those of the
work order's type first (``workorders_work_order_resolved`` serves that), then, when too few
are alike, all of them: without this index that read scans the tenant's whole history."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "workorders: resolved repairs by tenant and time"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE INDEX workorders_work_order_resolved_at"
                " ON workorders_work_order (tenant, resolved_at)"
            ]
        )
    )
    return manager
