"""Piccolo app: the SLA tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from sla.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="sla",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["accounts.piccolo_app", "workorders.piccolo_app"],
    commands=[],
)
