"""Piccolo app: the alarm intake's table and its migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from alarms.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="alarms",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["device_registry.piccolo_app", "workorders.piccolo_app"],
    commands=[],
)
