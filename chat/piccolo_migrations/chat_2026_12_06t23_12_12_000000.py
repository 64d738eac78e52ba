"""A nonce is used once per channel (and purged by its time); the limits count a sender's and
a channel's recent queries."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T23:12:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "chat: nonces once per channel, the queries' counts"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="chat", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX chat_nonce_once ON chat_nonce (channel, nonce)",
                "CREATE INDEX chat_nonce_seen ON chat_nonce (channel, seen_at)",
                "CREATE INDEX chat_query_sender ON chat_query (channel, sender_hash, at)",
                "CREATE INDEX chat_query_channel ON chat_query (channel, at)",
            ]
        )
    )
    return manager
