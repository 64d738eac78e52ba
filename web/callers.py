"""Providers of the authenticated caller (``actor`` for staff routes, ``portal`` for the
customer portal), from what the bearer middleware put on the connection."""

from typing import Any

from litestar.connection import ASGIConnection

from kernel.context import Actor, PortalCaller, TerminalCaller
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode
from web.http import DB


def provide_actor(request: ASGIConnection[Any, Actor, Any, Any], db: DB) -> Actor:
    """The authenticated caller, with this request's captured metadata.

    It takes ``db`` only to be resolved after it: Litestar resolves independent dependencies
    concurrently in an anyio task group, which costs more than both providers on the sync
    push path; a chain resolves in sequence.
    """
    del db
    user = request.user
    if not isinstance(user, Actor):  # a portal route asking for a staff caller: never served
        raise DomainError(ErrorCode.TOKEN_INVALID, "This route takes a staff access token.")
    return user


def provide_portal(request: ASGIConnection[Any, Any, Any, Any], db: DB) -> PortalCaller:
    """The customer's portal link (portal routes only; resolved after ``db`` as above)."""
    del db
    user = request.user
    if not isinstance(user, PortalCaller):
        raise DomainError(ErrorCode.TOKEN_INVALID, "This route takes a portal link token.")
    return user


def provide_terminal(request: ASGIConnection[Any, Any, Any, Any], db: DB) -> TerminalCaller:
    """The IoT terminal whose signature the terminal routes' middleware checked."""
    del db
    user = request.user
    if not isinstance(user, TerminalCaller):
        raise DomainError(
            ErrorCode.NOT_AUTHENTICATED, "This route takes a signed terminal request."
        )
    return user
