"""Bearer-token authentication for every route, unless the handler opts out
(``opt={"exclude_from_auth": True}``: login, refresh, health, API docs)."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from accounts import auth
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode
from server.request_meta import capture
from server.state import AppServices


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise DomainError(
                ErrorCode.NOT_AUTHENTICATED,
                "Log in first and send the access token as 'Authorization: Bearer <token>'.",
            )
        services = AppServices.of(connection)
        actor = await auth.authenticate(
            config=services.tokens,
            token=token.strip(),
            meta=capture(connection, trust_forwarded_for=services.settings.trust_forwarded_for),
        )
        return AuthenticationResult(user=actor, auth=token)
