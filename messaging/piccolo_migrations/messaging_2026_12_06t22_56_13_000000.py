"""A client-made id names one message of a tenant; a work order's messages are numbered once
each; a portal link's recent messages are counted (its rate limit) without reading the others."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T22:56:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "messaging: client ids, the conversation's order, the rate limit per link"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="messaging", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX messaging_message_client_id"
                " ON messaging_message (tenant, client_id)",
                "CREATE UNIQUE INDEX messaging_message_seq"
                " ON messaging_message (tenant, work_order, seq)",
                "CREATE INDEX messaging_message_link_recent"
                " ON messaging_message (tenant, author_link, created_at)"
                " WHERE author_link IS NOT NULL",
            ]
        )
    )
    return manager
