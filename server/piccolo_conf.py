"""Piccolo's configuration module (``PICCOLO_CONF=server.piccolo_conf``), used by migrations.

Piccolo imports it only when a migration command runs; the engine comes from DATABASE_URL.
"""

import os

from piccolo.conf.apps import AppRegistry

from kernel.engines import create_engine
from server.settings import Settings

PICCOLO_APPS = [
    "accounts.piccolo_app",
    "directory.piccolo_app",
    "workorders.piccolo_app",
    "sync.piccolo_app",
    "device_registry.piccolo_app",
    "push.piccolo_app",
    "portal.piccolo_app",
    "media.piccolo_app",
    "alarms.piccolo_app",
    "triage.piccolo_app",
    "sla.piccolo_app",
    "feed.piccolo_app",
    "knowledge.piccolo_app",
    "aftersales.piccolo_app",
    "messaging.piccolo_app",
    "reports.piccolo_app",
    "notify.piccolo_app",
    "chat.piccolo_app",
]

DB = create_engine(os.environ.get("DATABASE_URL", Settings().database_url))
APP_REGISTRY = AppRegistry(apps=PICCOLO_APPS)
