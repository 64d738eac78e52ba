"""Named parameters, list expansion and dialect fragments, compiled without a database."""

import pytest

from kernel.statements import POSTGRES, ROWS_PER_STATEMENT, SQLITE, Array, Statement, chunks


def test_named_parameters_bind_in_order_on_both_dialects() -> None:
    statement = Statement("SELECT id FROM t WHERE tenant = :tenant AND id = :id AND a = :tenant")
    params = {"id": 7, "tenant": "acme"}
    assert statement.compile(SQLITE, params) == (
        "SELECT id FROM t WHERE tenant = ? AND id = ? AND a = ?",
        ["acme", 7, "acme"],
    )
    assert statement.compile(POSTGRES, params) == (
        "SELECT id FROM t WHERE tenant = $1 AND id = $2 AND a = $3",
        ["acme", 7, "acme"],
    )


def test_casts_and_text_are_not_parameters() -> None:
    statement = Statement("SELECT value::jsonb, '10:30' FROM t WHERE id = :id")
    assert statement.params == ("id",)
    text, values = statement.compile(POSTGRES, {"id": 1})
    assert text == "SELECT value::jsonb, '10:30' FROM t WHERE id = $1"
    assert values == [1]


def test_lists_expand_and_an_empty_list_matches_nothing() -> None:
    statement = Statement("SELECT 1 FROM t WHERE tenant = :tenant AND id IN :ids")
    assert statement.compile(POSTGRES, {"tenant": 1, "ids": [4, 5, 6]}) == (
        "SELECT 1 FROM t WHERE tenant = $1 AND id IN ($2, $3, $4)",
        [1, 4, 5, 6],
    )
    assert statement.compile(SQLITE, {"tenant": 1, "ids": ()}) == (
        "SELECT 1 FROM t WHERE tenant = ? AND id IN (NULL)",
        [1],
    )


def test_rows_expand_for_a_multi_row_insert() -> None:
    statement = Statement("INSERT INTO t (a, b) VALUES :rows RETURNING a")
    text, values = statement.compile(POSTGRES, {"rows": [(1, "x"), (2, "y")]})
    assert text == "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING a"
    assert values == [1, "x", 2, "y"]


def test_fragments_resolve_per_dialect() -> None:
    statement = Statement("SELECT id FROM t WHERE title @ilike :pattern LIMIT 5@skip_locked")
    assert statement.compile(SQLITE, {"pattern": "%a%"})[0] == (
        "SELECT id FROM t WHERE title LIKE ? LIMIT 5"
    )
    assert statement.compile(POSTGRES, {"pattern": "%a%"})[0] == (
        "SELECT id FROM t WHERE title ILIKE $1 LIMIT 5 FOR UPDATE SKIP LOCKED"
    )


def test_an_unknown_fragment_is_refused_when_the_statement_is_declared() -> None:
    with pytest.raises(ValueError, match="@skiplocked"):
        Statement("SELECT 1 @skiplocked")


@pytest.mark.parametrize(
    ("params", "complaint"),
    [({}, "missing parameters \\['id'\\]"), ({"id": 1, "ib": 2}, "unexpected \\['ib'\\]")],
)
def test_a_missing_or_misspelt_parameter_is_refused(params: dict[str, int], complaint: str) -> None:
    with pytest.raises(TypeError, match=complaint):
        Statement("SELECT 1 FROM t WHERE id = :id").compile(SQLITE, params)


def test_a_compiled_text_is_reused_for_the_same_shape() -> None:
    statement = Statement("SELECT 1 FROM t WHERE id IN :ids")
    first, _ = statement.compile(SQLITE, {"ids": [1, 2]})
    second, values = statement.compile(SQLITE, {"ids": [3, 4]})
    assert first is second
    assert values == [3, 4]


def test_long_row_lists_are_split_into_statements_under_the_bound_value_limits() -> None:
    rows = [(n, n) for n in range(ROWS_PER_STATEMENT * 2 + 1)]
    parts = chunks({"rows": rows, "tenant": 1})
    assert [len(part["rows"]) for part in parts] == [ROWS_PER_STATEMENT, ROWS_PER_STATEMENT, 1]
    assert all(part["tenant"] == 1 for part in parts)
    assert [row for part in parts for row in part["rows"]] == rows


def test_an_array_binds_as_one_value() -> None:
    statement = Statement("SELECT * FROM unnest(CAST(:ids AS int[]), CAST(:names AS text[]))")
    text, values = statement.compile(POSTGRES, {"ids": Array([1, 2]), "names": Array(("a", "b"))})
    assert text == "SELECT * FROM unnest(CAST($1 AS int[]), CAST($2 AS text[]))"
    assert values == [[1, 2], ["a", "b"]]
