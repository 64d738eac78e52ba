"""Piccolo app: the tables of ``reports`` and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from reports.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["accounts.piccolo_app", "workorders.piccolo_app"],
    commands=[],
)
