"""Piccolo app: the device registry's tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from device_registry.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="device_registry",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["accounts.piccolo_app", "directory.piccolo_app"],
    commands=[],
)
