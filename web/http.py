"""Explicit parameter markers for controllers (Litestar 3 drops inferred dependencies), and the
OpenAPI security requirements they declare."""

from typing import Any, TypeAlias

from litestar.channels import ChannelsPlugin
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from kernel.context import Actor, PortalCaller, RequestMeta, TerminalCaller
from kernel.db import Database

DB: TypeAlias = NamedDependency[Database]
CurrentActor: TypeAlias = NamedDependency[Actor]
CurrentPortal: TypeAlias = NamedDependency[PortalCaller]
CurrentTerminal: TypeAlias = NamedDependency[TerminalCaller]
CurrentMeta: TypeAlias = NamedDependency[RequestMeta]  # a public route's captured metadata
Channels: TypeAlias = NamedDependency[ChannelsPlugin]  # the live feed's wake-ups (server/app.py)

# OpenAPI security requirement of every route behind the bearer middleware (public routes
# simply do not declare one, since an empty requirement list is dropped from the schema).
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
PORTAL_TOKEN: list[dict[str, list[str]]] = [{"PortalToken": []}]  # a customer's portal link
# Terminal routes are signed (X-Device-Id, X-Timestamp, X-Nonce, X-Signature), no token.
TERMINAL_SIGNATURE: list[dict[str, list[str]]] = [{"TerminalSignature": []}]
# A handler opt naming the Struct of a body the handler decodes itself (to answer per item):
# the OpenAPI document shows it as the request body (server/openapi.py).
RAW_BODY_OPT = "raw_body"
PORTAL_OPT = "portal"  # a handler opt: the route takes a portal link token, not a staff one


def is_portal_route(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return bool(connection.route_handler.opt.get(PORTAL_OPT))
