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
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX workorders_work_order_tenant_number ON workorders_work_order (tenant, number)",
                "CREATE INDEX workorders_work_order_tenant_created ON workorders_work_order (tenant, created_at, id)",
                "CREATE UNIQUE INDEX workorders_number_counter_tenant_year ON workorders_number_counter (tenant, year)",
                "CREATE INDEX workorders_event_work_order_time ON workorders_event (work_order, server_time)",
            ]
        )
    )
    return manager
