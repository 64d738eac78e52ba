"""Fixed SQL statements with named parameters, compiled once per database dialect.

A package writes its statements once, as module constants in its own ``sql`` module::

    CLAIM = Statement("SELECT id FROM push_delivery WHERE due_at <= :now LIMIT :limit @skip_locked")

- ``:name`` binds a value (``::`` casts are left alone). A list or tuple value expands to a
  parenthesised list (``IN :ids``; an empty one matches nothing), and a list of tuples to rows
  (``VALUES :rows``); an ``Array`` binds as one array value (PostgreSQL).
- ``@fragment`` is the one place dialects differ: ``@skip_locked``, ``@for_update``,
  ``@for_share`` (row locks: nothing on SQLite, which runs one writer at a time) and ``@ilike``
  (case-insensitive match: SQLite's ``LIKE`` already ignores ASCII case).

Values are always bound, never formatted into the text. A compiled text is cached per dialect
and per shape of the list values, so a hot path pays for compiling once.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)|@([a-z_]+)")

ROWS_PER_STATEMENT = 500  # 500 rows of up to 60 values: under both databases' bound-value limits


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    fragments: Mapping[str, str]
    numbered: bool  # ``$1, $2`` (asyncpg) rather than ``?`` (sqlite3)

    def marker(self, position: int) -> str:
        return f"${position}" if self.numbered else "?"


SQLITE = Dialect(
    "sqlite",
    {"skip_locked": "", "for_update": "", "for_share": "", "ilike": "LIKE"},
    numbered=False,
)
POSTGRES = Dialect(
    "postgres",
    {
        "skip_locked": " FOR UPDATE SKIP LOCKED",
        "for_update": " FOR UPDATE",
        "for_share": " FOR SHARE",
        "ilike": "ILIKE",
    },
    numbered=True,
)
DIALECTS = {dialect.name: dialect for dialect in (SQLITE, POSTGRES)}
FRAGMENTS = frozenset(SQLITE.fragments)


@dataclass(frozen=True, slots=True)
class Array:
    """A list bound as ONE value, a PostgreSQL array (``CAST(:ids AS uuid[])``), instead of
    being expanded: a statement that takes whole columns (``unnest``) stays one fixed text."""

    values: Sequence[Any]


@dataclass(frozen=True, slots=True)
class _Param:
    name: str


@dataclass(frozen=True, slots=True)
class _Fragment:
    name: str


Shape = tuple[int | tuple[int, int] | None, ...]


def _shape(value: Any) -> int | tuple[int, int] | None:
    """None for one value, n for a list of n, (n, width) for n rows."""
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], tuple):
            return (len(value), len(value[0]))
        return len(value)
    return None


class Statement:
    """One SQL statement: its text as written, and its compiled forms (see the module)."""

    __slots__ = ("_cache", "_names", "_pieces", "_scalar", "params", "reads", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # A query (a row lock at most), not a change: what a rehearsal may run (kernel.db).
        self.reads = text.lstrip().upper().startswith("SELECT")
        pieces: list[str | _Param | _Fragment] = []
        position = 0
        for match in _TOKEN.finditer(text):
            pieces.append(text[position : match.start()])
            param, fragment = match.groups()
            if param is not None:
                pieces.append(_Param(param))
            else:
                if fragment not in FRAGMENTS:
                    raise ValueError(f"unknown SQL fragment @{fragment} in {text!r}")
                pieces.append(_Fragment(fragment))
            position = match.end()
        pieces.append(text[position:])
        self._pieces = tuple(pieces)
        self.params = tuple(dict.fromkeys(p.name for p in pieces if isinstance(p, _Param)))
        self._names = frozenset(self.params)
        self._cache: dict[tuple[str, Shape], tuple[str, tuple[str, ...]]] = {}
        # Per dialect, the text and bind order when no value is a list (most calls).
        self._scalar: dict[str, tuple[str, tuple[str, ...]]] = {}

    def __repr__(self) -> str:
        return f"Statement({self.text!r})"

    def compile(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
        """The text for ``dialect`` and the values in the order it binds them; None when a list
        of rows is too long for one statement (run each of ``chunks(params)`` instead)."""
        if params.keys() != self._names:
            missing = sorted(self._names - params.keys())
            extra = sorted(params.keys() - self._names)
            raise TypeError(f"{self!r}: missing parameters {missing}, unexpected {extra}")
        for value in params.values():
            if isinstance(value, list | tuple | Array):
                break
        else:  # no list to expand: the common case, kept cheap (hot paths run it per row)
            compiled = self._scalar.get(dialect.name)
            if compiled is None:
                shapes = dict.fromkeys(self.params)
                compiled = self._scalar[dialect.name] = self._build(dialect, shapes)
            text, order = compiled
            return text, [params[name] for name in order]
        shape = tuple(_shape(params[name]) for name in self.params)
        if any(isinstance(s, tuple) and s[0] > ROWS_PER_STATEMENT for s in shape):
            return None
        key = (dialect.name, shape)
        compiled = self._cache.get(key)
        if compiled is None:
            shapes = dict(zip(self.params, shape, strict=True))
            compiled = self._cache[key] = self._build(dialect, shapes)
        text, order = compiled
        values: list[Any] = []
        for name in order:
            value = params[name]
            if isinstance(value, Array):
                values.append(list(value.values))
            elif isinstance(value, list | tuple):
                if value and isinstance(value[0], tuple):
                    values.extend(item for row in value for item in row)
                else:
                    values.extend(value)
            else:
                values.append(value)
        return text, values

    def _build(
        self, dialect: Dialect, shapes: dict[str, int | tuple[int, int] | None]
    ) -> tuple[str, tuple[str, ...]]:
        out: list[str] = []
        order: list[str] = []
        count = 0

        def markers(n: int) -> str:
            nonlocal count
            count += n
            return ", ".join(dialect.marker(count - n + i + 1) for i in range(n))

        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif isinstance(piece, _Fragment):
                out.append(dialect.fragments[piece.name])
            else:
                order.append(piece.name)
                shape = shapes[piece.name]
                if shape is None:
                    out.append(markers(1))
                elif isinstance(shape, tuple):
                    rows, width = shape
                    out.append(", ".join(f"({markers(width)})" for _ in range(rows)))
                else:
                    out.append(f"({markers(shape)})" if shape else "(NULL)")
        return "".join(out), tuple(order)


def chunks(params: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """``params`` split so that no list of rows exceeds ``ROWS_PER_STATEMENT`` (a bulk insert
    becomes a few statements rather than one over the databases' bound-value limits)."""
    long = [
        name
        for name, value in params.items()
        if isinstance(value, list | tuple)
        and len(value) > ROWS_PER_STATEMENT
        and isinstance(value[0], tuple)
    ]
    if not long:
        return (params,)
    if len(long) > 1:
        raise ValueError("at most one list of rows per statement")
    name = long[0]
    rows: Sequence[tuple[Any, ...]] = params[name]
    return [
        {**params, name: list(rows[start : start + ROWS_PER_STATEMENT])}
        for start in range(0, len(rows), ROWS_PER_STATEMENT)
    ]
