"""At most one open work order per (tenant, asset, alarm type): a unique partial index, so
two ingests racing for one fault cannot both open one (the loser runs again and finds it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T14:21:49:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open work order per asset and alarm type"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX workorders_work_order_open_alarm "
                "ON workorders_work_order (tenant, asset, alarm_type) "
                "WHERE alarm_type IS NOT NULL AND status NOT IN ('closed', 'cancelled')",
            ]
        )
    )
    return manager
