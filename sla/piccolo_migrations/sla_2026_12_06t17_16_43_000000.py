"""One clock of each kind per work order, one policy per priority and tier, and the index the
timer worker claims from (unfired timers by due time)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T17:16:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "clock and policy keys unique; unfired timers by due time"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sla", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX sla_clock_work_order_kind ON sla_clock (work_order, kind)",
                "CREATE UNIQUE INDEX sla_policy_match_key ON sla_policy (tenant, match_key)",
                "CREATE INDEX sla_timer_unfired ON sla_timer (due_at) WHERE fired_at IS NULL",
            ]
        )
    )
    return manager
