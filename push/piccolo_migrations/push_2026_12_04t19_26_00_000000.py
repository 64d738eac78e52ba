"""Indexes of the acknowledgement watch (only P0 notifications still waiting for an answer)
and of the push metrics (a tenant's deliveries in a time window)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T19:26:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "acknowledgement and metrics indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="push", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE INDEX push_notification_awaiting_ack ON push_notification (created_at)"
                " WHERE needs_ack AND acknowledged_at IS NULL AND ack_alerted_at IS NULL",
                "CREATE INDEX push_delivery_tenant_created ON push_delivery (tenant, created_at)",
            ]
        )
    )
    return manager
