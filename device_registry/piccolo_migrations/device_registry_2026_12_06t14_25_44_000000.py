"""A terminal's device code is unique within its tenant, and a nonce within its terminal
(a second use is a replay)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T14:25:44:000000"
VERSION = "1.38.0"
DESCRIPTION = "terminal device code and nonce unique"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="device_registry", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX device_registry_terminal_code "
                "ON device_registry_terminal (tenant, device_code)",
                "CREATE UNIQUE INDEX device_registry_terminal_nonce_once "
                "ON device_registry_terminal_nonce (terminal, nonce)",
            ]
        )
    )
    return manager
