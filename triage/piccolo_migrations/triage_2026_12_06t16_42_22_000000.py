"""A rule-set version is saved once per tenant; two zones with the same keys are refused."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T16:42:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "rule-set versions and zone keys unique per tenant"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="triage", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX triage_rule_set_version ON triage_rule_set (tenant, version)",
                "CREATE UNIQUE INDEX triage_zone_match_key ON triage_zone (tenant, match_key)",
            ]
        )
    )
    return manager
