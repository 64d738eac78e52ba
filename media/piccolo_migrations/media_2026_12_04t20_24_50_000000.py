"""One ledger position per work order (the chain cannot fork)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-04T20:24:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "evidence ledger order"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="media", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            ["CREATE UNIQUE INDEX media_evidence_chain ON media_evidence (work_order, seq)"]
        )
    )
    return manager
