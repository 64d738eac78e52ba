"""Piccolo app: the tables of ``notify`` and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from notify.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="notify",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[
        "accounts.piccolo_app",
        "directory.piccolo_app",
        "workorders.piccolo_app",
        "portal.piccolo_app",
    ],
    commands=[],
)
