"""What the app factory builds once and handlers reach through dependency injection.

``constant`` hands out what the composition root built; the caller's providers (``actor``,
``portal``) live in the edge package ``web``.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide

from accounts.callers import Callers
from accounts.throttle import LoginPolicy
from accounts.tokens import TokenConfig
from alarms.ingest import IntakeRules
from device_registry.secrets import SecretBox
from device_registry.terminals import Authenticator
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
    callers: Callers
    terminal_secrets: SecretBox
    terminals: Authenticator
    intake: IntakeRules

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


def intake_rules(settings: Settings) -> IntakeRules:
    return IntakeRules(debounce=timedelta(seconds=settings.alarm_debounce_seconds))


def constant(value: object) -> Provide:
    """A dependency that is always ``value`` (what the app factory built once). It takes no
    arguments, so Litestar parses nothing for it per request, and its answer is cached."""

    def provide() -> object:
        return value

    return Provide(provide, sync_to_thread=False, use_cache=True)


def provide_store(state: State) -> ObjectStore:
    """The object store, looked up per request: tests run the media suites against each
    store by swapping it in the app's state."""
    services: AppServices = state.services
    return services.media
