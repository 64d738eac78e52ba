"""Page cursors: the last row's sort key as URL-safe base64 JSON, opaque to clients. A cursor
this server did not issue is a 422 naming the field, never a 500."""

import base64
import binascii
from typing import TypeVar

import msgspec

from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode

K = TypeVar("K", bound=msgspec.Struct)


def encode_cursor(key: msgspec.Struct) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type[K]) -> K:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "The cursor is not one this server issued; start again without a cursor.",
            {"field": "cursor"},
        ) from None
