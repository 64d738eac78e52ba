"""The existing notes and checklist items keep their ids as their ``client_id``, which is then
unique per tenant (the server's ``id`` stays the primary key).

Hand-written and kept apart from the column migration, because Piccolo runs a migration's raw
steps before its other steps.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T04:55:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "client_id = id for existing notes and checklist items; unique (tenant, client_id)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "UPDATE workorders_note SET client_id = id WHERE client_id IS NULL",
                "UPDATE workorders_checklist_item SET client_id = id WHERE client_id IS NULL",
                "CREATE UNIQUE INDEX workorders_note_tenant_client_id "
                "ON workorders_note (tenant, client_id)",
                "CREATE UNIQUE INDEX workorders_checklist_item_tenant_client_id "
                "ON workorders_checklist_item (tenant, client_id)",
            ]
        )
    )
    return manager
