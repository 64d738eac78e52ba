"""The one place mapping errors to HTTP answers: every 4xx/5xx carries the error envelope."""

import logging
import re
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.serialization import decode_json, decode_msgpack

from kernel.errors import DomainError
from mobile_contract.errors import ErrorBody, ErrorCode, ErrorEnvelope
from mobile_contract.types import readable
from server.request_meta import trace_id_of

log = logging.getLogger("fieldops.errors")

#: The HTTP status of every error code: the one table (OpenAPI documents it, tests check that
#: every code is in it). Litestar's generic 4xx keep their own status (see ``classify``).
STATUS: dict[ErrorCode, int] = {
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.REFRESH_TOKEN_INVALID: 401,
    ErrorCode.REFRESH_TOKEN_REUSED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.FIELD_NOT_EDITABLE: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ROUTE_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.ILLEGAL_TRANSITION: 409,
    ErrorCode.LAST_ADMIN: 409,
    ErrorCode.VERSION_CONFLICT: 409,
    ErrorCode.INVALID_REFERENCE: 422,
    ErrorCode.UNKNOWN_COLLECTION: 404,
    ErrorCode.UPGRADE_REQUIRED: 426,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.LINK_INVALID: 403,
    ErrorCode.LINK_EXPIRED: 403,
    ErrorCode.UPLOAD_INCOMPLETE: 409,
    ErrorCode.UPLOAD_REJECTED: 422,
    ErrorCode.EVIDENCE_MISSING: 409,
    ErrorCode.QUOTA_EXCEEDED: 403,
    ErrorCode.SIGNATURE_INVALID: 401,
    ErrorCode.TIMESTAMP_OUT_OF_WINDOW: 401,
    ErrorCode.REQUEST_REPLAYED: 401,
    ErrorCode.TERMINAL_UNKNOWN: 401,
    ErrorCode.TERMINAL_REVOKED: 401,
    ErrorCode.ALARMS_INVALID: 422,
    ErrorCode.CONFIG_INVALID: 422,
}

# Field names come from msgspec's "... - at `$.path`" and "missing required field `name`"
# wording: the details name the field; they never choose the error code.
_AT_PATH = re.compile(r"^(?P<message>.*?) - at `\$(?P<path>[^`]*)`$")
_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    """One field error, named by its path in the body (``priority``, ``tags[1]``,
    ``contacts[0].name``) rather than Litestar's parameter name (``data``)."""
    field, message = str(item.get("key", "")), str(item.get("message", ""))
    source = item.get("source", "")
    source = str(getattr(source, "value", source))  # Litestar gives ParamType members
    located = _AT_PATH.match(message)
    path = ""
    if located:
        message, path = located["message"], located["path"].lstrip(".")
    missing = _MISSING.search(message)
    if missing:
        path = f"{path}.{missing['name']}" if path else missing["name"]
    if path and (field in ("", "data") or source == "body"):
        field = path
    return {"field": field, "source": source, "message": readable(message)}


def _validation(exc: ValidationException) -> ErrorBody:
    """Litestar's ValidationException: the JSON was read, its values do not fit the signature
    (body, query, path or header; its ``__cause__`` is a ``msgspec.ValidationError``)."""
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in items if isinstance(item, dict)]
    fields = ", ".join(e["field"] or e["message"] for e in errors) or "the request"
    return ErrorBody(
        code=ErrorCode.VALIDATION_FAILED,
        message=f"The request is not valid: check {fields}.",
        details={"errors": errors},
    )


_HTTP_CODES: tuple[tuple[type[HTTPException], ErrorCode, str], ...] = (
    (RequestEntityTooLarge, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large."),
    (NotAuthorizedException, ErrorCode.NOT_AUTHENTICATED, "Log in: send a bearer token."),
    (PermissionDeniedException, ErrorCode.FORBIDDEN, "You may not do this."),
    (NotFoundException, ErrorCode.ROUTE_NOT_FOUND, "There is no such route."),
    (
        MethodNotAllowedException,
        ErrorCode.METHOD_NOT_ALLOWED,
        "This route does not allow that method.",
    ),
    (TooManyRequestsException, ErrorCode.RATE_LIMITED, "Too many requests; slow down."),
)

# Litestar's readers of a request body (``Request.json()`` / ``.msgpack()``). msgspec raises
# RecursionError and UnicodeDecodeError from inside them unwrapped.
_BODY_DECODERS = frozenset({decode_json.__code__, decode_msgpack.__code__})


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, innermost last."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


def _raised_by_body_decoder(exc: BaseException) -> bool:
    """Whether ``exc`` came out of the C decoder Litestar calls on the request body: the
    innermost Python frame of its traceback is that call."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code in _BODY_DECODERS


def _unreadable_body(exc: HTTPException) -> ErrorBody | None:
    """Litestar wraps a body it cannot decode as ``ClientException`` from
    ``SerializationException`` from ``msgspec.DecodeError`` (routes/http.py). A
    ``msgspec.ValidationError`` (a DecodeError subclass) there means well-formed JSON that a
    typed decode refused: not malformed, so it falls through to the generic 4xx."""
    chain = list(_causes(exc))
    if not any(isinstance(e, SerializationException) for e in chain):
        return None
    if any(isinstance(e, msgspec.ValidationError) for e in chain):
        return None
    return ErrorBody(
        code=ErrorCode.MALFORMED_JSON,
        message=f"The request body is not valid JSON: {exc.detail}",
    )


def classify(exc: Exception) -> tuple[int, ErrorBody]:
    """Turn any exception into (status, error body), by the exception's type and causes."""
    if isinstance(exc, RecursionError) and _raised_by_body_decoder(exc):
        # The type cannot decide here: msgspec reports a document nested deeper than the
        # interpreter's recursion limit lets it decode with a plain RecursionError, the same
        # type as a recursion bug of ours. Where it was raised decides: out of Litestar's body
        # decoder it is the client's document (a 400 it can act on); any other RecursionError
        # stays a 500 (logged), as it would be a bug of ours.
        return STATUS[ErrorCode.MALFORMED_JSON], ErrorBody(
            code=ErrorCode.MALFORMED_JSON,
            message="The request body is not valid JSON for this API: it nests too deeply. "
            "Send documents nested at most a few levels deep.",
        )
    if isinstance(exc, DomainError):
        return STATUS[exc.code], ErrorBody(code=exc.code, message=exc.message, details=exc.details)
    if isinstance(exc, ValidationException):
        return STATUS[ErrorCode.VALIDATION_FAILED], _validation(exc)
    if isinstance(exc, UnicodeDecodeError):
        # msgspec raises this (not a DecodeError) for invalid UTF-8 inside a JSON body, and
        # Litestar lets it through unwrapped.
        return STATUS[ErrorCode.MALFORMED_JSON], ErrorBody(
            code=ErrorCode.MALFORMED_JSON,
            message="The request body is not valid JSON: it is not valid UTF-8.",
        )
    for kind, code, message in _HTTP_CODES:
        if isinstance(exc, kind):
            return exc.status_code, ErrorBody(code=code, message=message)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        if unreadable := _unreadable_body(exc):
            return STATUS[ErrorCode.MALFORMED_JSON], unreadable
        # Any other client error Litestar raises (a bad Content-Length, an invalid multipart
        # body...) keeps Litestar's status; only the status code tells these apart.
        code = (
            ErrorCode.UNSUPPORTED_MEDIA_TYPE
            if exc.status_code == 415
            else ErrorCode.VALIDATION_FAILED
        )
        return exc.status_code, ErrorBody(code=code, message=str(exc.detail))
    if isinstance(exc, HTTPException) and exc.status_code == 503:
        return 503, ErrorBody(code=ErrorCode.SERVICE_UNAVAILABLE, message=str(exc.detail))
    return 500, ErrorBody(
        code=ErrorCode.INTERNAL_ERROR,
        message="Something went wrong on our side; it has been logged. Quote the trace id.",
    )


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorEnvelope]:
    status, body = classify(exc)
    trace_id = trace_id_of(request)
    if status >= 500:
        log.error("unhandled error (trace %s)", trace_id, exc_info=exc)
        body.details = {**body.details, "trace_id": trace_id}
    headers = {"X-Trace-Id": trace_id}
    if isinstance(exc, HTTPException) and exc.headers:
        headers.update(exc.headers)
    if isinstance(exc, DomainError) and exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return Response(ErrorEnvelope(error=body), status_code=status, headers=headers)
