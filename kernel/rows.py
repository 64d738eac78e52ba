"""Small helpers between Piccolo rows and contract Structs, shared by every package."""

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from piccolo.columns import Column

T = TypeVar("T")


def to_struct(row: Mapping[str, Any], kind: type[T]) -> T:
    """Build a contract Struct from a selected row (aliases already match field names)."""
    return msgspec.convert(dict(row), kind, strict=False)


def uuid_of(value: Any) -> UUID:
    """A UUID column's value as a UUID (raw SQL on SQLite may hand back its text)."""
    return value if isinstance(value, UUID) else UUID(str(value))


def as_uuid(value: Any) -> UUID | None:
    return None if value is None else uuid_of(value)


def json_value(value: Any) -> Any:
    """A JSON column's value as Python (raw SQL hands back its text on both drivers)."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def json_object(value: Any) -> dict[str, Any]:
    """A JSON object column's value as a dict (anything else: empty)."""
    decoded = json_value(value)
    return dict(decoded) if isinstance(decoded, dict) else {}


def column_value(value: Any) -> Any:
    """A contract value as a column takes it: enums by value, lists/Structs as JSON builtins."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | dict | msgspec.Struct):
        return msgspec.to_builtins(value)
    return value


def set_fields(data: msgspec.Struct, columns: Mapping[str, Column]) -> dict[Column, Any]:
    """The columns a partial update sets: every field of ``data`` that is not UNSET."""
    return {
        column: column_value(getattr(data, name))
        for name, column in columns.items()
        if getattr(data, name, msgspec.UNSET) is not msgspec.UNSET
    }
