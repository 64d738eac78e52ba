"""A channel per kind and tenant, a robot per kind and customer, a text per milestone and
language; each milestone once per work order; one link per recipient of a work order; the
relay's claim reads the due messages in order."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from kernel.migrations import raw_statements

ID = "2026-12-06T22:56:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "notify: unique channels, robots, texts, milestones and links; the outbox's order"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notify", description=DESCRIPTION)
    manager.add_raw(
        raw_statements(
            [
                "CREATE UNIQUE INDEX notify_channel_kind ON notify_channel (tenant, kind)",
                "CREATE UNIQUE INDEX notify_customer_robot_kind"
                " ON notify_customer_robot (tenant, customer, kind)",
                "CREATE UNIQUE INDEX notify_template_text"
                " ON notify_template (tenant, milestone, locale)",
                "CREATE UNIQUE INDEX notify_milestone_once"
                " ON notify_milestone (tenant, work_order, milestone)",
                "CREATE UNIQUE INDEX notify_link_recipient"
                " ON notify_link (tenant, work_order, recipient)",
                "CREATE INDEX notify_message_due ON notify_message (status, next_attempt_at)",
                "CREATE INDEX notify_message_recipient"
                " ON notify_message (tenant, work_order, recipient, channel, rank)",
            ]
        )
    )
    return manager
