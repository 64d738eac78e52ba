"""Bearer-token authentication for every route, unless the handler opts out
(``opt={"exclude_from_auth": True}``: login, refresh, health, API docs).

Staff routes take a staff access token (JWT). Customer portal routes (``opt={"portal": True}``)
take a portal link token (``fpt_…``) instead, and only there: neither opens the other's routes.
"""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from accounts import auth
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode
from portal import links
from server.request_meta import capture, header
from server.state import AppServices
from web.http import is_portal_route


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = header(connection, b"authorization").partition(" ")
        token = token.strip()
        portal_route = is_portal_route(connection)
        if scheme.lower() != "bearer" or not token:
            raise DomainError(
                ErrorCode.NOT_AUTHENTICATED,
                "Send the portal link's token as 'Authorization: Bearer <token>'."
                if portal_route
                else "Log in first and send the access token as 'Authorization: Bearer <token>'.",
            )
        services = AppServices.of(connection)
        settings = services.settings
        meta = capture(
            connection,
            trust_forwarded_for=settings.trust_forwarded_for,
            hops=settings.trusted_proxy_hops,
        )
        if links.looks_like_portal_token(token) != portal_route:
            raise DomainError(
                ErrorCode.TOKEN_INVALID,
                "This route takes a customer's portal link token, not a staff token."
                if portal_route
                else "A portal link token opens only the customer portal (/api/v1/portal).",
            )
        if portal_route:
            caller = await links.authenticate(db=services.db, token=token, meta=meta)
            return AuthenticationResult(user=caller, auth=token)
        actor = await auth.authenticate(
            db=services.db,
            config=services.tokens,
            callers=services.callers,
            token=token,
            meta=meta,
        )
        return AuthenticationResult(user=actor, auth=token)
