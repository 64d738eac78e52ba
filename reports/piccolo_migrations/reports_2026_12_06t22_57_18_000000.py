"""One report per work order (the close's upsert names it), and the worker's claim of the due
pending reports."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T22:57:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "reports: one per work order, claimed by status and due time"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX reports_report_work_order ON reports_report (work_order)",
                "CREATE INDEX reports_report_due ON reports_report (status, next_attempt_at)",
            ]
        )
    )
    return manager
