"""The one error envelope every 4xx/5xx answer carries, and its stable error codes."""

from enum import StrEnum
from typing import Any

import msgspec


class ErrorCode(StrEnum):
    """Machine-readable error codes. Never renamed or reused: clients branch on them."""

    MALFORMED_JSON = "malformed_json"
    VALIDATION_FAILED = "validation_failed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    NOT_AUTHENTICATED = "not_authenticated"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_INVALID = "token_invalid"
    INVALID_CREDENTIALS = "invalid_credentials"
    REFRESH_TOKEN_INVALID = "refresh_token_invalid"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    FORBIDDEN = "forbidden"
    FIELD_NOT_EDITABLE = "field_not_editable"
    NOT_FOUND = "not_found"
    ROUTE_NOT_FOUND = "route_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    ALREADY_EXISTS = "already_exists"
    ILLEGAL_TRANSITION = "illegal_transition"
    VERSION_CONFLICT = "version_conflict"
    INVALID_REFERENCE = "invalid_reference"
    UNKNOWN_COLLECTION = "unknown_collection"
    UPGRADE_REQUIRED = "upgrade_required"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    LINK_INVALID = "link_invalid"  # a signed media link that was altered or is for another use
    LINK_EXPIRED = "link_expired"  # a signed media link past its expiry: ask for a new one
    UPLOAD_INCOMPLETE = "upload_incomplete"  # parts missing or of the wrong size: send them
    UPLOAD_REJECTED = "upload_rejected"  # what arrived is not what was declared: start over
    EVIDENCE_MISSING = "evidence_missing"  # resolving needs the evidence in details.missing
    LAST_ADMIN = "last_admin"  # the tenant's last active admin: make another admin first
    QUOTA_EXCEEDED = "quota_exceeded"  # a portal link sent all the files it may send
    SIGNATURE_INVALID = "signature_invalid"  # a terminal's request is not signed by its secret
    TIMESTAMP_OUT_OF_WINDOW = "timestamp_out_of_window"  # X-Timestamp off by over 5 minutes
    REQUEST_REPLAYED = "request_replayed"  # this X-Nonce was used within the window: sign anew
    TERMINAL_UNKNOWN = "terminal_unknown"  # no terminal has this X-Device-Id
    TERMINAL_REVOKED = "terminal_revoked"  # an admin revoked the terminal: register it again
    ALARMS_INVALID = "alarms_invalid"  # details.alarms names each refused alarm; none applied
    CONFIG_INVALID = "config_invalid"  # a rule, zone, calendar or policy: details.path says where


class ErrorBody(msgspec.Struct, kw_only=True):
    code: ErrorCode
    message: str
    details: dict[str, Any] = {}


class ErrorEnvelope(msgspec.Struct, kw_only=True):
    """``{"error": {"code": "...", "message": "...", "details": {...}}}``."""

    error: ErrorBody
