"""Piccolo's state only: ``Upload.portal_link`` is declared as a plain UUID column, so that
media does not import portal (the package above it). The database keeps the column as it is:
a UUID with its foreign key to portal_link (ON DELETE SET NULL), on SQLite and PostgreSQL.
Piccolo would otherwise try to re-create the column's type (and cannot: its auto migration
for ForeignKey -> UUID fails), so this migration records the change and runs nothing."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, ForeignKey

ID = "2026-12-06T06:09:24:408428"
VERSION = "1.38.0"
DESCRIPTION = "portal_link declared as a plain UUID column (the foreign key stays)"


class StateOnly(MigrationManager):
    async def run(self, backwards: bool = False) -> None:  # noqa: ARG002 - its signature
        print(f"  - {self.migration_id} [state only: nothing to run]")


async def forwards() -> MigrationManager:
    manager = StateOnly(migration_id=ID, app_name="media", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="Upload",
        tablename="media_upload",
        column_name="portal_link",
        db_column_name="portal_link",
        params={"default": None},
        old_params={"default": None},
        column_class=UUID,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
