"""One rule list per tenant and work-order type."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T20:34:24:000000"
VERSION = "1.38.0"
DESCRIPTION = "evidence rule per type"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="media", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX media_evidence_rule_type"
                " ON media_evidence_rule (tenant, work_order_type)"
            ]
        )
    )
    return manager
