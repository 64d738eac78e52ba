from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T19:49:06:284414"
VERSION = "1.38.0"
DESCRIPTION = "notes name the knowledge-base article they inserted"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Note",
        tablename="workorders_note",
        column_name="kb_article",
        db_column_name="kb_article",
        column_class_name="UUID",
        column_class=UUID,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Note",
        tablename="workorders_note",
        column_name="kb_article_version",
        db_column_name="kb_article_version",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
