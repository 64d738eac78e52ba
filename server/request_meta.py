"""Machine-captured request metadata: app version, device id, client IP, trace id."""

import re
import uuid
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from kernel.context import RequestMeta

_TRACE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def trace_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's trace id (``X-Trace-Id`` or W3C ``traceparent``), else one made here;
    kept in the connection state so every log line and error of a request shares it."""
    state = connection.scope.setdefault("state", {})
    if "trace_id" not in state:
        given = connection.headers.get("x-trace-id", "")
        parent = _TRACEPARENT.match(connection.headers.get("traceparent", ""))
        if _TRACE_ID.match(given):
            state["trace_id"] = given
        elif parent:
            state["trace_id"] = parent.group(1)
        else:
            state["trace_id"] = uuid.uuid4().hex
    trace_id: str = state["trace_id"]
    return trace_id


def client_ip(
    connection: ASGIConnection[Any, Any, Any, Any], *, trust_forwarded_for: bool, hops: int = 1
) -> str:
    """The client's address: what the audit records and what the rate limits count, one
    answer for both. Behind ``hops`` proxies of ours (``FIELDOPS_TRUST_FORWARDED_FOR``), the
    entry of ``X-Forwarded-For`` that many from the right: each proxy appends the address it
    saw, so the entries left of it are whatever the client sent (taking the first one would let
    a client pick its own address and slip past the limits). Else the socket's peer."""
    peer = connection.client.host if connection.client else ""
    if trust_forwarded_for:
        entries = [
            entry.strip()
            for header in connection.headers.getall("x-forwarded-for", [])
            for entry in header.split(",")
            if entry.strip()
        ]
        if entries:
            return entries[-min(hops, len(entries))][:64]
    return peer[:64]


def capture(
    connection: ASGIConnection[Any, Any, Any, Any], *, trust_forwarded_for: bool, hops: int = 1
) -> RequestMeta:
    ip = client_ip(connection, trust_forwarded_for=trust_forwarded_for, hops=hops)
    headers = connection.headers
    return RequestMeta(
        app_version=headers.get("x-app-version", "")[:40],
        device_id=headers.get("x-device-id", "")[:200],
        ip=ip,
        trace_id=trace_id_of(connection),
        user_agent=headers.get("user-agent", "")[:300],
    )


def rate_limit_key(request: Request[Any, Any, Any]) -> str:
    """The rate limits' key: the client's address as ``client_ip`` resolves it."""
    settings = request.app.state.services.settings
    return client_ip(
        request,
        trust_forwarded_for=settings.trust_forwarded_for,
        hops=settings.trusted_proxy_hops,
    )


async def send_trace_id(message: Message, scope: Scope) -> None:
    """Echo the request's trace id on every response, so a user can quote it in a report."""
    trace_id = scope.get("state", {}).get("trace_id")
    if message["type"] == "http.response.start" and trace_id:
        headers = MutableScopeHeaders.from_message(message)
        if "x-trace-id" not in headers:
            headers["X-Trace-Id"] = trace_id
