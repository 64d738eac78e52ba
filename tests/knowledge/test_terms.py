# ruff: noqa: RUF001  (full-width letters are the point)
"""The search index's terms as pure functions: what an article is found by, what a query asks
for, and that no term is ever longer than the column."""

import pytest

from knowledge import terms
from knowledge.terms import (
    BODY,
    CODE,
    META,
    TITLE,
    Part,
    Texts,
    article_terms,
    device_code_terms,
    keywords,
    normalise,
    only_wildcards,
    parse_query,
    phrases,
    text_terms,
)
from mobile_contract.iot import AlarmType
from mobile_contract.knowledge import ArticleIn, FaultCode


def test_width_and_case_do_not_matter() -> None:
    assert normalise("ＰＬＣ Ｅ０７") == "plc e07"
    assert normalise("Straße") == "strasse"
    assert text_terms(normalise("ＰＬＣ")) == text_terms("plc") == {"p", "pl", "plc"}


def test_han_runs_give_characters_pairs_and_triples() -> None:
    assert text_terms("压缩机停机") == {
        "压", "缩", "机", "停",
        "压缩", "缩机", "机停", "停机",
        "压缩机", "缩机停", "机停机",
    }  # fmt: skip
    # A pair never spans punctuation, a space or a Latin word.
    assert "机停" not in text_terms("压缩机，停机")
    assert "机停" not in text_terms("压缩机 E07 停机")


def test_tokens_give_every_prefix_from_each_word_start() -> None:
    assert text_terms("plc-01") == {"p", "pl", "plc", "plc-0", "plc-01", "0", "01"}
    assert text_terms("e-101") == {"e", "e-1", "e-10", "e-101", "1", "10", "101"}
    assert {"3", "3.5", "3.5k", "3.5kw", "5", "5k", "5kw"} <= text_terms("3.5kw")
    # Latin next to Han, no space: both found.
    assert {"e07", "压缩"} <= text_terms("e07压缩")
    long = "x" * 30
    assert max(len(term) for term in text_terms(long)) == terms.PREFIX_LENGTH


def test_an_articles_terms_say_where_they_occur() -> None:
    content = ArticleIn(
        title="压缩机 PLC",
        body="停机时检查 plc",
        brand="Bitzer",
        fault_codes=[FaultCode(code="E-07", meaning="高压", likely_cause="缺氟", fix="补氟")],
        tags=["制冷"],
        alarm_types=[AlarmType.DOOR_OPEN],
        device_code_prefixes=["CS-FR-"],
    )
    found = article_terms(content)
    assert found["压缩"] == TITLE
    assert found["^压缩"] == TITLE  # the title's own copy
    assert found["plc"] == TITLE | BODY
    assert found["停机"] == BODY
    assert found["bitzer"] == META
    assert found["高压"] == META  # a code's meaning
    assert found["缺氟"] == BODY  # its likely cause
    assert found["e-07"] == META
    assert found["=e-07"] == CODE  # the code whole
    assert found["!door_open"] == META
    assert found["@cs-fr-"] == META
    assert "^停机" not in found
    assert found["压缩机"] == TITLE
    assert "压缩机p" not in found


def test_no_term_is_longer_than_the_column() -> None:
    """Whatever the content, within the contract's limits."""
    content = ArticleIn(
        title="a" * 200,
        body=("b" * 5000) + " " + "压" * 3000 + " " + "-".join(["c" * 19] * 50),
        brand="d" * 200,
        model_family="e" * 200,
        fault_codes=[FaultCode(code="F" * 40, meaning="m" * 500, fix="g" * 2000)],
        tags=["t" * 60] * 30,
        asset_families=["h" * 200],
        device_code_prefixes=["P" * 64, "Q-" * 32],
        alarm_types=list(AlarmType),
    )
    found = article_terms(content)
    assert max(len(term) for term in found) <= terms.MAX_TERM_LENGTH
    assert "=" + "f" * 40 in found
    assert max(len(term) for term in device_code_terms("X" * 64)) <= terms.MAX_TERM_LENGTH


@pytest.mark.parametrize(
    ("query", "parts", "asked", "checked"),
    [
        ("压", ["压"], ["压"], False),
        ("压缩", ["压缩"], ["压缩"], False),
        ("压缩机", ["压缩机"], ["压缩机"], False),
        ("压缩机停", ["压缩机停"], ["压缩机", "缩机停"], True),
        ("压缩机停机", ["压缩机停机"], ["压缩机", "缩机停", "机停机"], True),
        ("PLC", ["plc"], ["plc"], False),
        ("ＰＬＣ", ["plc"], ["plc"], False),
        ("plc e0", ["plc", "e0"], ["plc", "e0"], False),
        ("PLC 停机", ["plc", "停机"], ["plc", "停机"], False),
        ("E07压缩", ["e07", "压缩"], ["e07", "压缩"], False),
        ("E-1", ["e-1"], ["e-1"], False),
        ("E-", ["e"], ["e"], False),
        ("plc plc PLC", ["plc"], ["plc"], False),
        ("%压缩%", ["压缩"], ["压缩"], False),
        ("a_b", ["a_b"], ["a_b"], False),
        ("x" * 25, ["x" * 25], ["x" * 20], True),
    ],
)
def test_a_query_asks_for_its_parts(
    query: str, parts: list[str], asked: list[str], checked: bool
) -> None:
    parsed = parse_query(query)
    assert [part.text for part in parsed.parts] == parts
    assert list(parsed.terms) == asked
    assert parsed.checked is checked


def test_a_long_query_asks_for_a_bounded_number_of_terms_and_is_checked() -> None:
    parsed = parse_query("压缩机冷凝器蒸发器膨胀阀电磁阀温控器加热丝油分离器")
    assert len(parsed.terms) == terms.MAX_QUERY_TERMS
    assert parsed.checked


def test_a_query_that_could_be_a_code_says_so() -> None:
    assert parse_query(" E07 ").code == "e07"
    assert parse_query("e-101").code == "e-101"
    assert parse_query("plc e0").code is None
    assert parse_query("压缩").code is None


def test_nothing_to_search_for() -> None:
    for query in ("%", "_", "*", "%%__**", "！！", "——", " "):
        assert parse_query(query).parts == ()
    for query in ("%", "_", "*", "%%__**", "％＿＊"):
        assert only_wildcards(query)
    for query in ("", "！！", "50%", "a_b"):
        assert not only_wildcards(query)


def test_a_part_is_found_as_a_substring_or_at_a_word_start() -> None:
    assert Part("压缩机", han=True).find("检查压缩机") == 2
    assert Part("压缩机", han=True).find("压缩 缩机") == -1
    assert Part("plc", han=False).find("ab-plc-01") == 3
    assert Part("plc-0", han=False).find("ab-plc-01") == 3
    assert Part("01", han=False).find("ab-plc-01") == 7
    assert Part("lc", han=False).find("plc") == -1
    assert Part("e07", han=False).find("代码e07") == 2


def test_a_query_matches_in_the_title_or_elsewhere() -> None:
    content = ArticleIn(title="压缩机不启动", body="PLC 报警 E07", tags=["门封"])
    texts = Texts.of(content)
    assert parse_query("压缩机").matches(texts) == TITLE
    assert parse_query("压缩机 plc").matches(texts) == BODY
    assert parse_query("门封").matches(texts) == BODY
    assert parse_query("缩机不启").matches(texts) == TITLE
    assert parse_query("机不压").matches(texts) == 0


def test_a_work_orders_words_and_what_they_cover() -> None:
    text = "冷库温度过高，压缩机频繁启停\nPLC 显示 E07，3号线 up 10 E7"
    found = keywords(text)
    assert found[:3] == ["冷库", "库温", "温度"]
    assert {"压缩", "缩机", "机频", "plc", "e07", "e7"} <= set(found)
    assert not {"3", "up", "10"} & set(found)  # tell nothing
    article = normalise("压缩机频繁启停的处理：检查 PLC。")
    # A pair grows as far as the article holds the text around it.
    assert phrases(text, {"机频", "启停", "plc"}, article) == ["压缩机频繁启停", "plc"]
    assert phrases(text, {"温度"}, "温度过低") == ["温度过"]
    assert device_code_terms("CS-FR-1")[:3] == ["@c", "@cs", "@cs-"]
