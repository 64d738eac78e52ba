"""Regular expressions that tenants save as data (priority-rule patterns, serial-number
patterns): parsed once when saved, and refused when they could backtrack for ever."""

import re
from collections.abc import Iterable
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any


def problem(pattern: str, *, what: str = "text") -> str | None:
    """Why ``pattern`` cannot be saved (case-insensitive, as it is used), or None."""
    try:
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as error:
        return f"not a valid regular expression: {error}"
    if _nested_repeat(parsed, inside=False):
        return (
            f"a repeat inside a repeat, such as (a+)+, can take for ever on some {what}; "
            "write the pattern without nesting them"
        )
    return None


def _nested_repeat(items: Iterable[tuple[Any, Any]], *, inside: bool) -> bool:
    """Whether an unbounded (or more-than-once) repeat stands inside another: the shape of
    catastrophic backtracking. Walks ``re``'s own parse tree (private, pinned by
    tests/kernel/test_private_internals.py) so every syntax Python accepts is understood."""
    repeats = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
    for op, value in items:
        if op in repeats:
            _, high, sub = value
            unbounded = high is sre_constants.MAXREPEAT or high > 1
            if (unbounded and inside) or _nested_repeat(sub, inside=inside or unbounded):
                return True
            continue
        if op is sre_constants.SUBPATTERN:
            children = [value[-1]]
        elif op is sre_constants.BRANCH:
            children = list(value[1])
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            children = [value[1]]
        else:
            continue
        if any(_nested_repeat(child, inside=inside) for child in children):
            return True
    return False
