"""Machine-captured request metadata: app version, device id, client IP, trace id."""

import itertools
import re
import uuid
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.types import Message, Scope

from kernel.context import RequestMeta

_TRACE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


_TRACE_PREFIX = uuid.uuid4().hex[:16]  # this process's; a counter makes each id unique in it
_trace_counter = itertools.count(1)


def new_trace_id() -> str:
    """32 hex digits, like a W3C trace id: a random per-process prefix and a counter (a
    random id per request was a measurable share of a small request's time)."""
    return f"{_TRACE_PREFIX}{next(_trace_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


def header(connection: ASGIConnection[Any, Any, Any, Any], name: bytes) -> str:
    """One request header by its lower-case name, the first of repeated ones (as Litestar's
    ``headers.get``). The headers are read into a dict once per request, where Litestar's
    header object was rebuilt from the scope on each access, a measurable share of a small
    request's time."""
    state = connection.scope.setdefault("state", {})
    headers: dict[bytes, bytes] | None = state.get("fieldops_headers")
    if headers is None:
        headers = {}
        for key, value in connection.scope["headers"]:
            headers.setdefault(key.lower(), value)
        state["fieldops_headers"] = headers
    return headers.get(name, b"").decode("latin-1")


def trace_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's trace id (``X-Trace-Id`` or W3C ``traceparent``), else one made here;
    kept in the connection state so every log line and error of a request shares it."""
    state = connection.scope.setdefault("state", {})
    if "trace_id" not in state:
        given = header(connection, b"x-trace-id")
        parent = _TRACEPARENT.match(header(connection, b"traceparent"))
        if _TRACE_ID.match(given):
            state["trace_id"] = given
        elif parent:
            state["trace_id"] = parent.group(1)
        else:
            state["trace_id"] = new_trace_id()
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
    return RequestMeta(
        app_version=header(connection, b"x-app-version")[:40],
        device_id=header(connection, b"x-device-id")[:200],
        ip=client_ip(connection, trust_forwarded_for=trust_forwarded_for, hops=hops),
        trace_id=trace_id_of(connection),
        user_agent=header(connection, b"user-agent")[:300],
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
    """Echo the request's trace id on every response, so a user can quote it in a report
    (unless the answer names one already: the error handler's)."""
    trace_id = scope.get("state", {}).get("trace_id")
    if message["type"] == "http.response.start" and trace_id:
        headers = list(message.get("headers", ()))
        if not any(name.lower() == b"x-trace-id" for name, _ in headers):
            headers.append((b"x-trace-id", trace_id.encode("latin-1")))
            message["headers"] = headers
