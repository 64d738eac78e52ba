"""Driver rows to typed rows, and contract values to column values, for every package.

The drivers disagree: SQLite hands back JSON as text, booleans as 0/1 and, for computed
columns, UUIDs and timestamps as text; asyncpg hands back JSON as text. ``decode`` settles all
of it in one call, by the row type's own field types, so code past it sees typed values only.
"""

from enum import Enum
from functools import cache
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as inspect

T = TypeVar("T")


_JSON_TYPES = (inspect.ListType, inspect.DictType, inspect.StructType, inspect.TupleType)


def _is_json(kind: inspect.Type) -> bool:
    if isinstance(kind, inspect.UnionType):
        return any(_is_json(member) for member in kind.types)
    return isinstance(kind, _JSON_TYPES)


@cache
def _json_fields(kind: type[msgspec.Struct]) -> tuple[str, ...]:
    """The fields of ``kind`` stored as JSON text: lists, dicts and nested Structs."""
    info = inspect.type_info(kind)
    assert isinstance(info, inspect.StructType)
    return tuple(field.name for field in info.fields if _is_json(field.type))


S = TypeVar("S", bound=msgspec.Struct)


def decode(row: dict[str, Any], kind: type[S]) -> S:
    """One driver row as a ``kind`` (columns selected under the field names)."""
    values = row
    for name in _json_fields(kind):
        value = row.get(name)
        if isinstance(value, str | bytes):
            if values is row:
                values = dict(row)  # the caller's row stays as it was
            values[name] = msgspec.json.decode(value)
    return msgspec.convert(values, kind, strict=False)


@cache
def _list_of(kind: type[S]) -> Any:
    return list[kind]  # type: ignore[valid-type]


def decode_all(rows: list[dict[str, Any]], kind: type[S]) -> list[S]:
    """Driver rows as ``kind``s in one conversion; the rows are the caller's to give away
    (their JSON text is decoded in place)."""
    for name in _json_fields(kind):
        for row in rows:
            value = row.get(name)
            if isinstance(value, str | bytes):
                row[name] = msgspec.json.decode(value)
    decoded: list[S] = msgspec.convert(rows, _list_of(kind), strict=False)
    return decoded


def json_text(value: Any) -> str:
    """A value as a JSON column takes it when bound to a statement."""
    return msgspec.json.encode(value).decode()


def column_value(value: Any) -> Any:
    """A contract value as a column takes it: enums by value, lists/Structs as JSON builtins."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | dict | msgspec.Struct):
        return msgspec.to_builtins(value)
    return value
