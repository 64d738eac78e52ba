"""Composite unique constraints and indexes that Piccolo's columns cannot express.

Hand-written and kept apart from the table migration, because Piccolo runs a migration's raw
steps before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-11-25T08:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite constraints and indexes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX accounts_team_tenant_name ON accounts_team (tenant, name)",
                "CREATE UNIQUE INDEX accounts_user_tenant_username ON accounts_user (tenant, username)",
                'CREATE UNIQUE INDEX accounts_team_member_team_user ON accounts_team_member (team, "user")',
            ]
        )
    )
    return manager
