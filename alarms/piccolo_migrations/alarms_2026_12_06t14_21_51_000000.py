"""A terminal's alarm id is unique per terminal: a resent offline buffer is a duplicate."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T14:21:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "alarm id unique per terminal"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="alarms", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX alarms_alarm_terminal_id ON alarms_alarm (terminal, alarm_id)",
                "CREATE INDEX alarms_alarm_tenant_occurred ON alarms_alarm (tenant, occurred_at)",
            ]
        )
    )
    return manager
