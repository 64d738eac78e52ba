"""The Litestar app factory: composes the packages' controllers with the shared services."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.channels import ChannelsBackend, ChannelsPlugin
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from accounts.callers import Callers
from accounts.controllers import CONTROLLERS as ACCOUNT_ROUTES
from accounts.controllers import AuthController
from accounts.tokens import TokenConfig
from aftersales.controllers import CONTROLLERS as AFTERSALES_ROUTES
from alarms.controllers import CONTROLLERS as ALARM_ROUTES
from alarms.controllers import TERMINAL_CONTROLLERS as TERMINAL_ALARM_ROUTES
from chat.controllers import CONTROLLERS as CHAT_ROUTES
from chat.controllers import WEBHOOK_CONTROLLERS as CHAT_WEBHOOK_ROUTES
from chat.desk import PER_ADDRESS_PER_MINUTE as CHAT_PER_ADDRESS
from chat.desk import ChatDesk, ChatKeys
from device_registry.controllers import CONTROLLERS as DEVICE_ROUTES
from device_registry.controllers import TERMINAL_CONTROLLERS as TERMINAL_DEVICE_ROUTES
from device_registry.secrets import SecretBox
from device_registry.terminals import Authenticator
from directory.controllers import CONTROLLERS as DIRECTORY_ROUTES
from eta.controllers import CONTROLLERS as ETA_ROUTES
from feed import record as feed_wakeup
from feed.controllers import CONTROLLERS as FEED_ROUTES
from knowledge.controllers import CONTROLLERS as KNOWLEDGE_ROUTES
from media.attachments import CATALOG as ATTACHMENTS
from media.controllers import CONTROLLERS as MEDIA_ROUTES
from messaging.controllers import CONTROLLERS as MESSAGE_ROUTES
from messaging.controllers import PORTAL_CONTROLLERS as PORTAL_MESSAGE_ROUTES
from mobile_contract import CONTRACT_VERSION
from notify.controllers import CONTROLLERS as NOTIFY_ROUTES
from notify.relay import NotifyRelay
from notify.secrets import Sealer
from portal.controllers import PortalController, PortalLinkController, PortalPageController
from push.controllers import CONTROLLERS as PUSH_ROUTES
from push.retry import RetryPolicy
from reports.controllers import CONTROLLERS as REPORT_ROUTES
from reports.controllers import PORTAL_CONTROLLERS as PORTAL_REPORT_ROUTES
from reports.worker import ReportWorker
from server import wiring
from server.auth import BearerAuthMiddleware, TerminalSignatureMiddleware
from server.errors import handle_exception
from server.health import HealthController
from server.media import build_store, build_verifier
from server.openapi import document_errors
from server.pages import PORTAL_ASSETS, mask_tokens_in_logs, page_policy, provide_meta
from server.relay import build_relay
from server.request_meta import rate_limit_key, send_trace_id
from server.settings import Settings
from server.state import (
    AppServices,
    constant,
    intake_rules,
    login_policy,
    provide_store,
)
from server.tables import ALL_TABLES
from server.versioning import check_client_versions, send_contract_version
from sla.controllers import CONTROLLERS as SLA_ROUTES
from sla.timers import TimerWorker
from sync.controllers import CONTROLLERS as SYNC_ROUTES
from triage.controllers import CONTROLLERS as TRIAGE_ROUTES
from web.callers import provide_actor, provide_portal, provide_terminal
from workorders.controllers import CONTROLLERS as WORK_ORDER_ROUTES

log = logging.getLogger("fieldops.server")


def feed_channels(settings: Settings) -> ChannelsPlugin:
    """The live feed's wake-ups: PostgreSQL's LISTEN/NOTIFY where the database is PostgreSQL
    (every API process hears every commit), the process's memory on the embedded SQLite."""
    backend: ChannelsBackend
    if settings.database_url.startswith(("postgres://", "postgresql://")):
        backend = AsyncPgChannelsBackend(dsn=settings.database_url)
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)


async def stop_task(task: "asyncio.Task[None]", what: str, grace_seconds: float = 5.0) -> None:
    """Cancel a background task at shutdown; one that does not end in time is logged (with
    where it is stuck) and left behind rather than holding the process up."""
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=grace_seconds)
    if not done:
        where = "".join(str(frame) for frame in task.get_stack(limit=5))
        log.error("shutdown: the %s did not stop within %.0f s: %s", what, grace_seconds, where)
        return
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


def per_address(per_minute: int, *, store: str = "rate_limit") -> DefineMiddleware:
    """A rate limit per client address (the one the audit records, server/request_meta.py)."""
    return RateLimitConfig(
        rate_limit=("minute", per_minute), identifier_for_request=rate_limit_key, store=store
    ).middleware


def create_app(settings: Settings) -> Litestar:
    mask_tokens_in_logs()
    db = wiring.database(settings.database_url, pool_size=settings.db_pool_size)
    terminal_secrets = SecretBox(settings.signing_key())
    services = AppServices(
        settings=settings,
        db=db,
        tokens=TokenConfig(
            signing_key=settings.signing_key(),
            access_ttl_seconds=settings.access_token_ttl_seconds,
            refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        ),
        media=build_store(settings),
        login_policy=login_policy(settings),
        callers=Callers(seconds=settings.caller_cache_seconds),
        terminal_secrets=terminal_secrets,
        terminals=Authenticator(terminal_secrets),
        intake=intake_rules(settings),
    )

    relay = build_relay(db=db, settings=settings)
    notify_secrets = Sealer(settings.signing_key())
    chat_desk = ChatDesk(keys=ChatKeys(settings.signing_key()), public_url=settings.base_url())
    notify_relay = NotifyRelay(
        db=db,
        sealer=notify_secrets,
        public_url=settings.base_url(),
        policy=RetryPolicy(max_retries=settings.push_max_retries),
        timeout_seconds=settings.notify_timeout_seconds,
    )
    verifier = build_verifier(db=db, store=services.media, settings=settings)
    timers = TimerWorker(db=db, poll_seconds=settings.sla_poll_seconds)
    report_worker = ReportWorker(db=db, store=services.media, font=settings.report_font)
    channels = feed_channels(settings)

    def wake_feed(name: str) -> None:
        """SQLite's feed wake-up (a committed event): this process's streams look again."""
        with contextlib.suppress(RuntimeError):  # the channels are not started (yet, or any more)
            channels.publish(b"", [name])

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        db.bind(ALL_TABLES)  # the tables are global: bind them to this app's engine again
        await db.start()
        feed_wakeup.LOCAL.listeners.append(wake_feed)
        workers = (
            [
                asyncio.create_task(relay.run()),
                asyncio.create_task(notify_relay.run()),
                asyncio.create_task(verifier.run()),
                asyncio.create_task(timers.run()),
                asyncio.create_task(report_worker.run()),
            ]
            if settings.push_relay_in_process
            else []
        )
        try:
            yield
        finally:
            names = ("push relay", "notify relay", "media verifier", "sla timers", "report worker")
            for task, what in zip(workers, names, strict=False):
                await stop_task(task, what)
            feed_wakeup.LOCAL.listeners.remove(wake_feed)
            await relay.close()
            await notify_relay.close()
            await db.stop()

    # Login and refresh are the guessable doors: throttle them per client address (the
    # address the audit records, server/request_meta.py); login also per account
    # (accounts/throttle.py), since addresses are cheap.
    auth_routes = Router(
        path="/",
        route_handlers=[AuthController],
        middleware=[per_address(settings.auth_rate_limit_per_minute)],
    )
    other_account_routes = [c for c in ACCOUNT_ROUTES if c is not AuthController]
    # Staff routes take a bearer token (routes opted out, such as login, excepted).
    staff_routes = Router(
        path="/",
        route_handlers=[
            auth_routes,
            *other_account_routes,
            *DIRECTORY_ROUTES,
            *WORK_ORDER_ROUTES,
            *SYNC_ROUTES,
            *DEVICE_ROUTES,
            *ALARM_ROUTES,
            *TRIAGE_ROUTES,
            *SLA_ROUTES,
            *FEED_ROUTES,
            *KNOWLEDGE_ROUTES,
            *ETA_ROUTES,
            *AFTERSALES_ROUTES,
            *PUSH_ROUTES,
            *NOTIFY_ROUTES,
            *CHAT_ROUTES,
            *MEDIA_ROUTES,
            *REPORT_ROUTES,
            *MESSAGE_ROUTES,
            PortalLinkController,
        ],
        middleware=[DefineMiddleware(BearerAuthMiddleware)],
    )
    # The customer portal is reached by anyone holding a link (or guessing one): throttled per
    # client address, before authentication, in a store of its own (not login's budget). Only
    # the portal's routes pay for it (the limiter on every route cost an eighth of a small
    # request).
    portal_routes = Router(
        path="/",
        route_handlers=[PortalController, *PORTAL_MESSAGE_ROUTES, *PORTAL_REPORT_ROUTES],
        middleware=[
            per_address(settings.portal_rate_limit_per_minute, store="portal_rate_limit"),
            DefineMiddleware(BearerAuthMiddleware),
        ],
    )
    # The customer's web page, at the link they were sent: public (the path's token is checked
    # by the page itself, which answers a friendly page for a bad one), throttled as above.
    page_routes = Router(
        path="/",
        route_handlers=[
            PortalPageController,
            create_static_files_router(
                path="/assets/portal",
                directories=[PORTAL_ASSETS],
                include_in_schema=False,
                send_as_attachment=False,
            ),
        ],
        middleware=[per_address(settings.portal_rate_limit_per_minute, store="portal_rate_limit")],
        dependencies={
            "meta": Provide(provide_meta, sync_to_thread=False),
            "page_csp": constant(page_policy(settings)),
        },
    )
    # IoT terminals sign each request with their secret instead of holding a token.
    # Chat platforms pass their users' status queries on: public (each request is signed with
    # its channel's secret, checked by the route), throttled per address before anything is
    # read, in a store of its own.
    chat_routes = Router(
        path="/",
        route_handlers=CHAT_WEBHOOK_ROUTES,
        middleware=[
            per_address(
                max(settings.portal_rate_limit_per_minute, CHAT_PER_ADDRESS),
                store="chat_rate_limit",
            )
        ],
    )
    terminal_routes = Router(
        path="/",
        route_handlers=[*TERMINAL_DEVICE_ROUTES, *TERMINAL_ALARM_ROUTES],
        middleware=[DefineMiddleware(TerminalSignatureMiddleware)],
    )
    app = Litestar(
        route_handlers=[
            HealthController,
            staff_routes,
            portal_routes,
            page_routes,
            terminal_routes,
            chat_routes,
        ],
        lifespan=[lifespan],
        plugins=[channels],
        state=State({"services": services}),
        dependencies={
            "db": constant(services.db),
            "tokens": constant(services.tokens),
            "login_policy": constant(services.login_policy),
            "callers": constant(services.callers),
            "terminal_secrets": constant(services.terminal_secrets),
            "notify_secrets": constant(notify_secrets),
            "chat_desk": constant(chat_desk),
            "intake": constant(services.intake),
            "store": Provide(provide_store, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
            "portal": Provide(provide_portal, sync_to_thread=False),
            "terminal": Provide(provide_terminal, sync_to_thread=False),
            "attachments": constant(ATTACHMENTS),
        },
        exception_handlers={Exception: handle_exception},
        before_send=[send_trace_id, send_contract_version],
        before_request=check_client_versions,
        request_max_body_size=settings.max_request_bytes,
        openapi_config=OpenAPIConfig(
            title="fieldops API",
            version=CONTRACT_VERSION,
            description="Field-service work orders for mobile engineers, dispatchers and "
            "IoT terminals. Errors: {error: {code, message, details}}.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", bearer_format="JWT"
                    ),
                    "TerminalSignature": SecurityScheme(
                        type="apiKey",
                        name="X-Signature",
                        security_scheme_in="header",
                        description="IoT terminals: X-Device-Id, X-Timestamp, X-Nonce and "
                        "X-Signature, the hex HMAC-SHA256 of the request with the terminal's "
                        "secret (README, firmware guide).",
                    ),
                    "PortalToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A customer's portal link token (fpt_…), from "
                        "POST /api/v1/work-orders/{id}/portal-links.",
                    ),
                }
            ),
        ),
        debug=False,
    )
    document_errors(app)  # the error envelope per status, event streams, msgspec's limits
    return app
