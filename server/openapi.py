"""The published API description, finished in one place after Litestar generates it.

Litestar documents only the success answer and, for routes that decode input, a 400 with its
own error body, which is not what this server sends. Here every operation gets the error
statuses it can answer, each with the real envelope (``mobile_contract.errors``) and the codes
that status carries on that route; the codes are derived from what the route declares (a body,
parameters, path ids, its security, rate limiting), plus the small table ``EXTRA_CODES`` for
refusals only a service knows about (conflicts, transitions, upload states). It also labels
server-sent events as ``text/event-stream`` and replaces Litestar's component schemas for the
contract's Structs with msgspec's own (Litestar drops ``ge=0`` and constraints on list items,
so the published limits were looser than the ones msgspec enforces).
"""

from collections import defaultdict
from collections.abc import Iterator
from enum import Enum
from typing import Any, cast, get_args, get_origin

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitMiddleware
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.response import ServerSentEvent
from litestar.routes import HTTPRoute

from mobile_contract.errors import ErrorCode, ErrorEnvelope
from server.errors import STATUS
from web.http import PORTAL_OPT, RAW_BODY_OPT

C = ErrorCode

# Refusals a route's declaration does not show: its service raises them (method, path format).
EXTRA_CODES: dict[str, tuple[ErrorCode, ...]] = {
    "GET /health/ready": (C.SERVICE_UNAVAILABLE,),
    "POST /api/v1/auth/login": (C.INVALID_CREDENTIALS,),
    "POST /api/v1/auth/refresh": (C.REFRESH_TOKEN_INVALID, C.REFRESH_TOKEN_REUSED),
    "POST /api/v1/users": (C.ALREADY_EXISTS, C.INVALID_REFERENCE),
    "PATCH /api/v1/users/{user_id}": (C.ALREADY_EXISTS, C.LAST_ADMIN, C.INVALID_REFERENCE),
    "POST /api/v1/teams": (C.ALREADY_EXISTS, C.INVALID_REFERENCE),
    "PATCH /api/v1/teams/{team_id}": (C.ALREADY_EXISTS, C.INVALID_REFERENCE),
    "POST /api/v1/sites": (C.INVALID_REFERENCE,),
    "PATCH /api/v1/sites/{site_id}": (C.INVALID_REFERENCE,),
    "POST /api/v1/assets": (C.ALREADY_EXISTS, C.INVALID_REFERENCE),
    "PATCH /api/v1/assets/{asset_id}": (C.ALREADY_EXISTS, C.INVALID_REFERENCE),
    "POST /api/v1/work-orders": (C.INVALID_REFERENCE,),
    "PATCH /api/v1/work-orders/{work_order_id}": (
        C.FIELD_NOT_EDITABLE,
        C.VERSION_CONFLICT,
        C.INVALID_REFERENCE,
    ),
    "POST /api/v1/work-orders/{work_order_id}/transitions": (
        C.ILLEGAL_TRANSITION,
        C.VERSION_CONFLICT,
        C.EVIDENCE_MISSING,
        C.INVALID_REFERENCE,
    ),
    "POST /api/v1/work-orders/{work_order_id}/notes": (
        C.ALREADY_EXISTS,
        C.FIELD_NOT_EDITABLE,
        C.INVALID_REFERENCE,
    ),
    "POST /api/v1/work-orders/{work_order_id}/checklist": (
        C.ALREADY_EXISTS,
        C.FIELD_NOT_EDITABLE,
    ),
    "PATCH /api/v1/work-orders/{work_order_id}/checklist/{item_id}": (
        C.VERSION_CONFLICT,
        C.FIELD_NOT_EDITABLE,
    ),
    "PUT /api/v1/priority-rules": (C.VERSION_CONFLICT, C.CONFIG_INVALID),
    "POST /api/v1/priority-rules": (C.VERSION_CONFLICT, C.CONFIG_INVALID),
    "PUT /api/v1/priority-rules/{rule_id}": (C.VERSION_CONFLICT, C.CONFIG_INVALID),
    "DELETE /api/v1/priority-rules/{rule_id}": (C.VERSION_CONFLICT,),
    "POST /api/v1/priority-rules/validate": (C.CONFIG_INVALID,),
    "POST /api/v1/priority-rules/dry-run": (C.CONFIG_INVALID, C.INVALID_REFERENCE),
    "POST /api/v1/zones": (C.CONFIG_INVALID, C.INVALID_REFERENCE),
    "POST /api/v1/shifts": (C.CONFIG_INVALID, C.INVALID_REFERENCE),
    "PUT /api/v1/zones/{zone_id}": (C.CONFIG_INVALID, C.INVALID_REFERENCE),
    "POST /api/v1/sla/calendars": (C.CONFIG_INVALID,),
    "PUT /api/v1/sla/calendars/{calendar_id}": (C.CONFIG_INVALID,),
    "DELETE /api/v1/sla/calendars/{calendar_id}": (C.CONFIG_INVALID,),
    "POST /api/v1/sla/policies": (C.CONFIG_INVALID, C.INVALID_REFERENCE),
    "PUT /api/v1/sla/policies/{policy_id}": (C.CONFIG_INVALID, C.INVALID_REFERENCE),
    "PUT /api/v1/kb/articles/{article_id}": (C.VERSION_CONFLICT,),
    "PUT /api/v1/after-sales/tree": (C.VERSION_CONFLICT, C.CONFIG_INVALID),
    "POST /api/v1/after-sales/tree/validate": (C.CONFIG_INVALID,),
    "POST /api/v1/after-sales/evaluate": (C.INVALID_REFERENCE,),
    "PUT /api/v1/notify/channels/{kind}": (C.CONFIG_INVALID,),
    "PUT /api/v1/notify/customers/{customer_id}/robots/{robot_kind}": (C.CONFIG_INVALID,),
    "PUT /api/v1/notify/templates/{milestone}/{locale}": (C.CONFIG_INVALID,),
    "GET /api/v1/sync/{collection}/pull": (C.UNKNOWN_COLLECTION,),
    "POST /api/v1/sync/{collection}/push": (
        C.UNKNOWN_COLLECTION,
        C.ALREADY_EXISTS,
        C.INVALID_REFERENCE,
    ),
    "POST /api/v1/devices": (C.ALREADY_EXISTS,),
    "POST /api/v1/push/deliveries/{delivery_id}/replay": (C.ILLEGAL_TRANSITION,),
    "POST /api/v1/push/deliveries/{delivery_id}/ack": (C.ILLEGAL_TRANSITION,),
    "POST /api/v1/work-orders/{work_order_id}/uploads": (
        C.ALREADY_EXISTS,
        C.ILLEGAL_TRANSITION,
        C.UNSUPPORTED_MEDIA_TYPE,
    ),
    "POST /api/v1/uploads/{upload_id}/complete": (
        C.ILLEGAL_TRANSITION,
        C.UPLOAD_INCOMPLETE,
        C.UPLOAD_REJECTED,
    ),
    "POST /api/v1/uploads/{upload_id}/abort": (C.ILLEGAL_TRANSITION,),
    "POST /api/v1/evidence/{evidence_id}/download": (C.ILLEGAL_TRANSITION,),
    "POST /api/v1/evidence/{evidence_id}/remove": (C.ILLEGAL_TRANSITION,),
    "POST /api/v1/work-orders/{work_order_id}/readings": (C.ILLEGAL_TRANSITION,),
    "POST /api/v1/portal/uploads": (
        C.ALREADY_EXISTS,
        C.ILLEGAL_TRANSITION,
        C.UNSUPPORTED_MEDIA_TYPE,
        C.QUOTA_EXCEEDED,
    ),
    "POST /api/v1/portal/uploads/{upload_id}/complete": (
        C.ILLEGAL_TRANSITION,
        C.UPLOAD_INCOMPLETE,
        C.UPLOAD_REJECTED,
    ),
    "POST /api/v1/portal/uploads/{upload_id}/abort": (C.ILLEGAL_TRANSITION,),
    # The report is final once the work order is closed; its PDF is not there until ready.
    "PUT /api/v1/work-orders/{work_order_id}/report": (C.ILLEGAL_TRANSITION,),
    "GET /api/v1/portal/report.pdf": (C.NOT_FOUND,),
    "PUT /api/v1/me/photo": (
        C.UNSUPPORTED_MEDIA_TYPE,
        C.PAYLOAD_TOO_LARGE,
        C.VALIDATION_FAILED,
    ),
    "GET /api/v1/users/{user_id}/photo": (C.NOT_FOUND,),
    "POST /api/v1/work-orders/{work_order_id}/messages": (
        C.ALREADY_EXISTS,
        C.ILLEGAL_TRANSITION,
        C.INVALID_REFERENCE,
    ),
    "POST /api/v1/portal/messages": (
        C.ALREADY_EXISTS,
        C.ILLEGAL_TRANSITION,
        C.INVALID_REFERENCE,
    ),
    "POST /api/v1/portal/messages/read": (C.NOT_FOUND,),
    # Signed by a chat channel's secret, checked by the route itself (no security scheme).
    "POST /api/v1/chat/status-query": (
        C.SIGNATURE_INVALID,
        C.TIMESTAMP_OUT_OF_WINDOW,
        C.REQUEST_REPLAYED,
        C.MALFORMED_JSON,
        C.VALIDATION_FAILED,
        C.RATE_LIMITED,
    ),
    "GET /api/v1/chat/status-query": (
        C.SIGNATURE_INVALID,
        C.TIMESTAMP_OUT_OF_WINDOW,
        C.VALIDATION_FAILED,
    ),
    "GET /media/local/{token}": (C.LINK_INVALID, C.LINK_EXPIRED),
    "PUT /media/local/{token}": (
        C.LINK_INVALID,
        C.LINK_EXPIRED,
        C.PAYLOAD_TOO_LARGE,
        C.UPLOAD_INCOMPLETE,
        C.UPLOAD_REJECTED,
    ),
}

# Staff routes whose services never check the caller's role (every other staff route may
# answer 403 ``forbidden``).
NO_ROLE_CHECK = frozenset({"GET /api/v1/me", "POST /api/v1/auth/logout", "GET /api/v1/sync/stream"})

TOKEN_REFUSALS = (C.NOT_AUTHENTICATED, C.TOKEN_INVALID, C.TOKEN_EXPIRED)
# A 404 for a path id that is not found, or belongs to another tenant (never told apart).
PATH_ID_MISSING = C.NOT_FOUND

MESSAGES: dict[ErrorCode, str] = {
    C.MALFORMED_JSON: "the body is not valid JSON (or not UTF-8)",
    C.VALIDATION_FAILED: "a field or parameter breaks the contract (details.errors)",
    C.PAYLOAD_TOO_LARGE: "the request (or the declared upload) is too large",
    C.NOT_AUTHENTICATED: "no bearer token",
    C.TOKEN_INVALID: "the token is not valid here (or revoked)",
    C.TOKEN_EXPIRED: "the token expired: refresh it",
    C.FORBIDDEN: "the caller's role may not do this (details.required_roles)",
    C.NOT_FOUND: "no such id in the caller's tenant",
    C.UPGRADE_REQUIRED: "the client's contract or app version is no longer served",
    C.RATE_LIMITED: "too many requests from this address (or messages from this portal link); "
    "see Retry-After",
}


def document_errors(app: Litestar) -> OpenAPI:
    """Finish the app's generated OpenAPI (Litestar caches it; call once, after the routes
    are registered)."""
    openapi = app.openapi_schema
    for key, handler, operation in _operations(app, openapi):
        _document_raw_body(handler, operation)
        _add_error_responses(key, handler, operation)
        if _returns(handler, ServerSentEvent):
            _label_event_stream(operation)
    _use_msgspec_components(app, openapi)
    return openapi


def error_codes(key: str, handler: HTTPRouteHandler, operation: Operation) -> set[ErrorCode]:
    """Every code this operation can answer with, from what it declares plus ``EXTRA_CODES``."""
    codes = {C.UPGRADE_REQUIRED, *EXTRA_CODES.get(key, ())}
    parameters = [p for p in operation.parameters or [] if not isinstance(p, Reference)]
    if operation.request_body is not None:
        codes |= {C.MALFORMED_JSON, C.VALIDATION_FAILED, C.PAYLOAD_TOO_LARGE}
    if parameters:
        codes.add(C.VALIDATION_FAILED)
    if any(p.param_in == "path" for p in parameters):
        codes.add(PATH_ID_MISSING)
    schemes = {name for requirement in operation.security or [] for name in requirement}
    if schemes:
        codes.update(TOKEN_REFUSALS)
    if "BearerToken" in schemes and key not in NO_ROLE_CHECK:
        codes.add(C.FORBIDDEN)
    if _rate_limited(handler):
        codes.add(C.RATE_LIMITED)
    return codes


def _operations(
    app: Litestar, openapi: OpenAPI
) -> Iterator[tuple[str, HTTPRouteHandler, Operation]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path_item = (openapi.paths or {}).get(route.path_format or "/")
        if path_item is None:
            continue
        for method, (handler, _) in route.route_handler_map.items():
            operation = getattr(path_item, method.lower(), None)
            if isinstance(operation, Operation):
                yield f"{method} {route.path_format}", handler, operation


def _add_error_responses(key: str, handler: HTTPRouteHandler, operation: Operation) -> None:
    by_status: dict[int, list[ErrorCode]] = defaultdict(list)
    for code in sorted(error_codes(key, handler, operation)):
        by_status[STATUS[code]].append(code)
    responses = {
        status: response
        for status, response in (operation.responses or {}).items()
        if int(status) < 400  # Litestar's own 400 does not describe what this server sends
    }
    for status in sorted(by_status):
        codes = by_status[status]
        listed = "; ".join(
            f"`{code}`" + (f": {MESSAGES[code]}" if code in MESSAGES else "") for code in codes
        )
        responses[str(status)] = OpenAPIResponse(
            description=f"Error envelope. Codes: {listed}.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Reference(ref="#/components/schemas/ErrorEnvelope"),
                    examples={
                        code.value: Example(
                            value={"error": {"code": code.value, "message": "…", "details": {}}}
                        )
                        for code in codes
                    },
                )
            },
        )
    operation.responses = responses


def _document_raw_body(handler: HTTPRouteHandler, operation: Operation) -> None:
    """A handler that reads its body itself declares its Struct (``RAW_BODY_OPT``)."""
    body = handler.opt.get(RAW_BODY_OPT)
    if body is not None:
        operation.request_body = RequestBody(
            content={
                "application/json": OpenAPIMediaType(
                    schema=Reference(ref=f"#/components/schemas/{body.__name__}")
                )
            },
            required=True,
        )


def _label_event_stream(operation: Operation) -> None:
    """Litestar labels a ``ServerSentEvent`` answer JSON; it is an event stream."""
    success = (operation.responses or {}).get("200")
    if isinstance(success, OpenAPIResponse):
        success.content = {
            "text/event-stream": OpenAPIMediaType(
                schema=Schema(
                    type=cast(Any, "string"),
                    description="Server-sent events (`event:`/`data:` lines), open until the "
                    "client disconnects.",
                )
            )
        }


def _rate_limited(handler: HTTPRouteHandler) -> bool:
    """Throttled by a router's or controller's rate limit, or the app's portal limit."""
    if handler.opt.get(PORTAL_OPT):
        return True
    for layer in handler.ownership_layers:
        if isinstance(layer, Litestar):
            continue
        for middleware in layer.middleware or []:
            if isinstance(middleware, DefineMiddleware) and middleware.middleware is (
                RateLimitMiddleware
            ):
                return True
    return False


def _returns(handler: HTTPRouteHandler, kind: type) -> bool:
    annotation = handler.parsed_fn_signature.return_type.annotation
    return isinstance(annotation, type) and issubclass(annotation, kind)


def _contract_types(annotation: Any) -> Iterator[type]:
    """The Structs and enums inside a handler annotation (``Response[list[Site]]`` → Site)."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct | Enum):
        yield annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        yield from _contract_types(arg)


def _use_msgspec_components(app: Litestar, openapi: OpenAPI) -> None:
    """Swap in msgspec's schemas (what the server really decodes and encodes) for the
    components Litestar generated from the same Structs and enums."""
    found: set[type] = {ErrorEnvelope}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler, _ in route.route_handler_map.values():
            signature = handler.parsed_fn_signature
            for field in [signature.return_type, *signature.parameters.values()]:
                found.update(_contract_types(field.annotation))
            found.update(_contract_types(handler.opt.get(RAW_BODY_OPT)))
    types = sorted(found, key=lambda kind: f"{kind.__module__}.{kind.__qualname__}")
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    schemas = openapi.components.schemas
    assert schemas is not None
    for name, schema in components.items():
        # Plain JSON Schema dicts render as they are (the spec objects only wrap them).
        schemas[name] = cast(Schema, schema)
