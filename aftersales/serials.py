"""A serial number's production date: the range table first, then the tree's pattern. Pure
functions; the checks a tree's serial configuration must pass when it is saved are here too."""

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kernel import patterns
from kernel.errors import ConfigInvalid
from mobile_contract import aftersales as contract

_SHAPE = re.compile(r"^(.*?)([0-9]+)$", re.DOTALL)
_GROUPS = frozenset({"year", "month", "day"})
Source = Literal["serial_range", "serial_pattern"]


def normalise(serial: str) -> str:
    """Serial plates are read by people: the spaces around them and the letters' case do not
    matter."""
    return serial.strip().upper()


@dataclass(frozen=True, slots=True)
class Shape:
    """A serial as a prefix and the number its trailing digits spell (``width`` digits)."""

    prefix: str
    width: int
    number: int


def shape(serial: str) -> Shape | None:
    """None when the serial does not end in a digit (it can be in no range)."""
    found = _SHAPE.match(normalise(serial))
    if found is None:
        return None
    return Shape(found.group(1), len(found.group(2)), int(found.group(2)))


@dataclass(frozen=True, slots=True)
class Produced:
    on: date
    source: Source


def production_date(
    serial: str, ranges: Sequence[contract.SerialRange], pattern: str | None
) -> Produced | None:
    """When the product with ``serial`` was made, or None when neither the table nor the
    pattern knows it. Ranges never overlap (checked at save), so the first one found is the
    only one."""
    found = shape(serial)
    if found is not None:
        for row in ranges:
            low, high = shape(row.from_serial), shape(row.to_serial)
            if (
                low is not None
                and high is not None
                and (low.prefix, low.width) == (found.prefix, found.width)
                and low.number <= found.number <= high.number
            ):
                return Produced(row.production_date, "serial_range")
    if pattern is None:
        return None
    matched = re.fullmatch(pattern, normalise(serial), re.IGNORECASE)
    if matched is None:
        return None
    made = _date_of(matched.groupdict())
    return Produced(made, "serial_pattern") if made is not None else None


def _date_of(groups: dict[str, str | None]) -> date | None:
    """Year (two digits: 2000 on), month, day (absent: the month's last day, the customer's
    benefit of the doubt); None when they spell no date."""
    year_text, month_text, day_text = groups.get("year"), groups.get("month"), groups.get("day")
    if not year_text or not month_text or not (year_text + month_text).isdigit():
        return None
    if len(year_text) not in (2, 4):
        return None
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    month = int(month_text)
    if not 1 <= month <= 12 or year < 1:
        return None
    last = calendar.monthrange(year, month)[1]
    if not day_text:
        return date(year, month, last)
    if not day_text.isdigit() or not 1 <= int(day_text) <= last:
        return None
    return date(year, month, int(day_text))


def check_ranges(ranges: Sequence[contract.SerialRange], path: str = "serial_ranges") -> None:
    """Each range has one shape at both ends, in order, and overlaps no other range: a serial
    must have one production date."""
    seen: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
    for index, row in enumerate(ranges):
        where = f"{path}[{index}]"
        low, high = shape(row.from_serial), shape(row.to_serial)
        if low is None:
            raise ConfigInvalid(f"{where}.from_serial", "a serial range must end in digits")
        if high is None:
            raise ConfigInvalid(f"{where}.to_serial", "a serial range must end in digits")
        if (low.prefix, low.width) != (high.prefix, high.width):
            raise ConfigInvalid(
                f"{where}.to_serial",
                f"{row.to_serial!r} must have the prefix {low.prefix!r} and {low.width} digits "
                f"after it, as {row.from_serial!r} has",
            )
        if high.number < low.number:
            raise ConfigInvalid(f"{where}.to_serial", "comes before from_serial")
        for start, end, other in seen.get((low.prefix, low.width), []):
            if low.number <= end and start <= high.number:
                raise ConfigInvalid(where, f"overlaps {path}[{other}]")
        seen.setdefault((low.prefix, low.width), []).append((low.number, high.number, index))


def check_pattern(pattern: str, path: str = "serial_pattern") -> None:
    """Compiles, names ``year`` and ``month`` (``day`` optional, nothing else), and cannot
    backtrack for ever (no repeat inside a repeat)."""
    trouble = patterns.problem(pattern, what="serials")
    if trouble is not None:
        raise ConfigInvalid(path, trouble)
    groups = set(re.compile(pattern, re.IGNORECASE).groupindex)
    missing = sorted({"year", "month"} - groups)
    if missing:
        raise ConfigInvalid(path, f"needs the named group(s) {', '.join(missing)}: (?P<year>…)")
    extra = sorted(groups - _GROUPS)
    if extra:
        raise ConfigInvalid(path, f"only year, month and day may be named, not {extra[0]}")
