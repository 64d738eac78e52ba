"""``breaking_changes`` on tiny synthetic contracts: each rule is shown to fire or stay quiet."""

from enum import StrEnum
from typing import Annotated, Any

import msgspec
import pytest
from msgspec import Meta

from mobile_contract.compat import breaking_changes, version_tuple


def _export(*types: type) -> dict[str, Any]:
    _, components = msgspec.json.schema_components(types, ref_template="#/components/{name}")
    return {"contract_version": "1.0", "components": components}


class A(msgspec.Struct):
    x: int
    y: str = ""


V1 = _export(A)


def test_identical_contracts_have_no_breaking_changes() -> None:
    assert breaking_changes(V1, _export(A)) == []


def test_field_removed_is_breaking() -> None:
    class A(msgspec.Struct):
        x: int

    assert breaking_changes(V1, _export(A)) == ["A.y: field removed"]


def test_type_changed_is_breaking() -> None:
    class A(msgspec.Struct):
        x: str
        y: str = ""

    assert breaking_changes(V1, _export(A)) == ["A.x: type changed from integer to string"]


def test_widening_to_nullable_is_breaking_conservatively() -> None:
    class A(msgspec.Struct):
        x: int
        y: str | None = ""

    assert breaking_changes(V1, _export(A)) == ["A.y: type changed from string to string | null"]


def test_required_field_added_is_breaking() -> None:
    class A(msgspec.Struct):
        x: int
        z: int
        y: str = ""

    assert breaking_changes(V1, _export(A)) == ["A.z: required field added"]


def test_optional_field_becoming_required_is_breaking() -> None:
    class A(msgspec.Struct):
        x: int
        y: str

    assert breaking_changes(V1, _export(A)) == ["A.y: optional field became required"]


def test_optional_field_added_is_not_breaking() -> None:
    class A(msgspec.Struct):
        x: int
        y: str = ""
        z: int | None = None

    assert breaking_changes(V1, _export(A)) == []


def test_struct_removed_is_breaking() -> None:
    class B(msgspec.Struct):
        x: int

    assert breaking_changes(_export(A, B), V1) == ["B: component removed"]


class Color(StrEnum):
    RED = "red"
    GREEN = "green"


class Paint(msgspec.Struct):
    color: Color


def test_enum_value_added_is_not_breaking() -> None:
    class Color(StrEnum):
        RED = "red"
        GREEN = "green"
        BLUE = "blue"

    class Paint(msgspec.Struct):
        color: Color

    assert breaking_changes(_export(globals()["Paint"]), _export(Paint)) == []


def test_enum_value_removed_is_breaking() -> None:
    class Color(StrEnum):
        RED = "red"

    class Paint(msgspec.Struct):
        color: Color

    assert breaking_changes(_export(globals()["Paint"]), _export(Paint)) == [
        'Color: enum values removed: ["green"]'
    ]


class Named(msgspec.Struct):
    name: Annotated[str, Meta(max_length=200)]
    tags: list[Annotated[str, Meta(max_length=60)]] = []


def test_max_length_tightened_is_breaking() -> None:
    class Named(msgspec.Struct):
        name: Annotated[str, Meta(max_length=100)]
        tags: list[Annotated[str, Meta(max_length=30)]] = []

    assert breaking_changes(_export(globals()["Named"]), _export(Named)) == [
        "Named.name: maxLength tightened from 200 to 100",
        "Named.tags[]: maxLength tightened from 60 to 30",
    ]


def test_max_length_loosened_is_not_breaking() -> None:
    class Named(msgspec.Struct):
        name: Annotated[str, Meta(max_length=300)]
        tags: list[str] = []

    assert breaking_changes(_export(globals()["Named"]), _export(Named)) == []


def test_new_min_constraint_and_pattern_are_breaking() -> None:
    class Named(msgspec.Struct):
        name: Annotated[str, Meta(max_length=200, min_length=1, pattern="^[a-z]+$")]
        tags: list[Annotated[str, Meta(max_length=60)]] = []

    assert breaking_changes(_export(globals()["Named"]), _export(Named)) == [
        "Named.name: minLength added (1)",
        "Named.name: pattern added ('^[a-z]+$')",
    ]


@pytest.mark.parametrize(("text", "expected"), [("1.0", (1, 0)), ("1.10", (1, 10))])
def test_version_tuple_is_numeric(text: str, expected: tuple[int, int]) -> None:
    assert version_tuple(text) == expected


@pytest.mark.parametrize("text", ["1", "1.x", "v1.0", "1.0.0", ""])
def test_version_tuple_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR"):
        version_tuple(text)
