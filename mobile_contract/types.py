"""Constrained scalar types reused across the contract, so limits are the same everywhere.

Text that is stored refuses control characters, the same on every database: PostgreSQL cannot
store U+0000 at all (SQLite can), and the other C0 controls and DEL are never typed by a person
but break logs, CSV exports and the apps' text views. Single-line text (names, titles, ids,
tags) refuses tab, CR and LF too; long text (descriptions, notes, reasons, addresses) keeps
them. The patterns are valid in Python's ``re`` and in ECMA-262 (JSON Schema): ``$(?!\\n)``
stops Python's ``$`` from accepting a trailing newline, which ECMA-262's ``$`` never does.
"""

from typing import Annotated

from msgspec import Meta

#: One line of text: no control character at all (C0, DEL; so no tab, CR or LF either).
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$(?!\n)"
#: Long text: no control character except tab, LF and CR.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

#: What a person should be told when a value breaks one of the patterns above.
PATTERN_MESSAGES = {
    LINE_PATTERN: "must be one line of text without control characters (no tab, CR, LF, U+0000)",
    TEXT_PATTERN: "must not contain control characters other than tab, CR and LF (no U+0000)",
}


def readable(message: str) -> str:
    """msgspec's "Expected `str` matching regex '…'" for the text rules, said for people."""
    for pattern, text in PATTERN_MESSAGES.items():
        quoted = f"Expected `str` matching regex {pattern!r}"
        if message.startswith(quoted):
            return text + message[len(quoted) :]
    return message


Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
ShortText = Annotated[str, Meta(max_length=200, pattern=LINE_PATTERN)]
LongText = Annotated[str, Meta(max_length=20_000, pattern=TEXT_PATTERN)]
Username = Annotated[str, Meta(min_length=3, max_length=120, pattern=r"^[A-Za-z0-9._@+-]+$(?!\n)")]
Password = Annotated[str, Meta(min_length=8, max_length=256)]
Slug = Annotated[str, Meta(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$(?!\n)")]
Phone = Annotated[str, Meta(max_length=40, pattern=r"^[0-9+() -]*$(?!\n)")]
DeviceId = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
Tag = Annotated[str, Meta(min_length=1, max_length=60, pattern=LINE_PATTERN)]
Tags = Annotated[list[Tag], Meta(max_length=30)]
DeviceCode = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$(?!\n)")]
TimeZone = Annotated[str, Meta(min_length=1, max_length=64, pattern=LINE_PATTERN)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]

# Text rules without length limits, for sync documents (their limits are the REST ones, checked
# on the fields a push changes) and for query parameters.
LineText = Annotated[str, Meta(pattern=LINE_PATTERN)]
AnyText = Annotated[str, Meta(pattern=TEXT_PATTERN)]
