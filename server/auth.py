"""Bearer-token authentication for every route, unless the handler opts out
(``opt={"exclude_from_auth": True}``: login, refresh, health, API docs); IoT terminals sign
their requests instead (``TerminalSignatureMiddleware``, on the terminal routes only).

Staff routes take a staff access token (JWT). Customer portal routes (``opt={"portal": True}``)
take a portal link token (``fpt_…``) instead, and only there: neither opens the other's routes.
"""

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Receive, Scope, Send

from accounts import auth
from device_registry.terminals import Signed
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


SIGNATURE_HEADERS = (b"x-device-id", b"x-timestamp", b"x-nonce", b"x-signature")


class TerminalSignatureMiddleware(AbstractAuthenticationMiddleware):
    """IoT terminal routes: the request is signed with the terminal's secret
    (``device_registry/signing.py``). The body is read here, to check its hash (Litestar's
    authentication middleware hands ``authenticate_request`` a connection without the
    body); Litestar keeps it for the handler."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        result = await self.authenticate_request(Request(scope, receive))
        scope["user"] = result.user
        scope["auth"] = result.auth
        await self.app(scope, receive, send)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        values = [header(connection, name) for name in SIGNATURE_HEADERS]
        missing = [
            name.decode()
            for name, value in zip(SIGNATURE_HEADERS, values, strict=True)
            if not value
        ]
        if missing:
            raise DomainError(
                ErrorCode.NOT_AUTHENTICATED,
                "Sign the request with the terminal's secret: "
                f"{', '.join(missing)} missing (see the README's firmware guide).",
                {"missing_headers": missing},
            )
        services = AppServices.of(connection)
        settings = services.settings
        assert isinstance(connection, Request)
        body = await connection.body()
        query = connection.scope.get("query_string", b"")
        path = connection.scope.get("raw_path") or connection.scope["path"].encode()
        device_id, timestamp, nonce, signature = values
        caller = await services.terminals.request(
            db=services.db,
            signed=Signed(
                device_id=device_id,
                timestamp=timestamp,
                nonce=nonce,
                signature=signature,
                method=str(connection.scope.get("method", "GET")),
                path=(path + (b"?" + query if query else b"")).decode("latin-1"),
                body=body,
            ),
            meta=capture(
                connection,
                trust_forwarded_for=settings.trust_forwarded_for,
                hops=settings.trusted_proxy_hops,
            ),
        )
        return AuthenticationResult(user=caller, auth=None)
