"""What the app factory builds once and handlers reach through dependency injection.

The providers here hand out what the composition root built; the caller's providers
(``actor``, ``portal``) live in the edge package ``web``.
"""

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State

from accounts.throttle import LoginPolicy
from accounts.tokens import TokenConfig
from kernel.db import Database
from media.store import ObjectStore
from server.settings import Settings


@dataclass(frozen=True, slots=True)
class AppServices:
    settings: Settings
    db: Database
    tokens: TokenConfig
    media: ObjectStore
    login_policy: LoginPolicy

    @staticmethod
    def of(connection: ASGIConnection[Any, Any, Any, Any]) -> "AppServices":
        services: AppServices = connection.app.state.services
        return services


def login_policy(settings: Settings) -> LoginPolicy:
    return LoginPolicy(
        free_failures=settings.login_free_failures,
        max_delay_seconds=settings.login_max_delay_seconds,
        window_seconds=settings.login_failure_window_seconds,
        burst_failures=settings.login_burst_failures,
        burst_window_seconds=settings.login_burst_window_seconds,
    )


def provide_db(state: State) -> Database:
    services: AppServices = state.services
    return services.db


def provide_tokens(state: State) -> TokenConfig:
    services: AppServices = state.services
    return services.tokens


def provide_store(state: State) -> ObjectStore:
    services: AppServices = state.services
    return services.media


def provide_login_policy(state: State) -> LoginPolicy:
    services: AppServices = state.services
    return services.login_policy
