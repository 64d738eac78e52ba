"""Piccolo app: the accounts tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from accounts.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
