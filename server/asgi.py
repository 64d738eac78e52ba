"""ASGI entry point for uvicorn (``server.asgi:app_factory``, factory mode)."""

from litestar import Litestar

from server.app import create_app
from server.settings import Settings


def app_factory() -> Litestar:
    return create_app(Settings.from_env())
