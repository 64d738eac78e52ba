"""Piccolo app: the push outbox tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from push.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="push",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["accounts.piccolo_app", "device_registry.piccolo_app"],
    commands=[],
)
