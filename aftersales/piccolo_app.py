"""Piccolo app: the after-sales tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from aftersales.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="aftersales",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["accounts.piccolo_app", "directory.piccolo_app"],
    commands=[],
)
