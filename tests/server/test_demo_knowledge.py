"""The demo tenant's knowledge base is valid content the API would accept, complete in both
languages, and tied to assets the demo actually creates. Pure: no database, no app."""

import ast
import importlib.util
import re
from pathlib import Path

import msgspec
import pytest

from mobile_contract.knowledge import ArticleCreate
from server.demo_knowledge import ARTICLES, PLACEHOLDERS, TOPICS

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _demo_assets() -> list[tuple[str, str]]:
    """(device code, family) of each asset ``server.admin._build_demo`` creates, read from its
    source: the demo lists them inline in a ``for code, site, name, family, ...`` loop."""
    spec = importlib.util.find_spec("server.admin")
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    build = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "_build_demo"
    )
    for node in ast.walk(build):
        if not (isinstance(node, ast.For) and isinstance(node.target, ast.Tuple)):
            continue
        names = [elt.id for elt in node.target.elts if isinstance(elt, ast.Name)]
        if "code" not in names or "family" not in names or not isinstance(node.iter, ast.Tuple):
            continue
        assets = []
        for row in node.iter.elts:
            assert isinstance(row, ast.Tuple)
            code, family = row.elts[names.index("code")], row.elts[names.index("family")]
            assert isinstance(code, ast.Constant)
            assert isinstance(family, ast.Constant)
            assets.append((str(code.value), str(family.value)))
        return assets
    raise AssertionError("no asset loop found in server.admin._build_demo")


def test_the_demo_asset_loop_is_found() -> None:
    assets = _demo_assets()
    assert ("CS-FR-0012", "compressor") in assets
    assert any(family == "plc" for _, family in assets)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.title[:40])
def test_every_article_is_valid_published_content(article: ArticleCreate) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(article), type=ArticleCreate)
    assert decoded == article
    assert article.publish
    assert article.title.strip() == article.title
    assert article.body.strip()


def test_articles_are_the_topics_and_titles_are_unique() -> None:
    assert tuple(a for articles in TOPICS.values() for a in articles) == ARTICLES
    titles = [a.title for a in ARTICLES]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_is_in_chinese_and_english(topic: str) -> None:
    articles = TOPICS[topic]
    assert sorted(a.language for a in articles) == ["en", "zh-CN"]
    assert len({a.kind for a in articles}) == 1
    assert len({tuple(a.asset_families) for a in articles}) == 1
    assert len({tuple(a.device_code_prefixes) for a in articles}) == 1
    assert len({tuple(a.alarm_types) for a in articles}) == 1


def test_the_knowledge_base_has_every_kind() -> None:
    assert {a.kind for a in ARTICLES} == {"article", "fault_codes", "reply_template"}
    assert sum(a.kind == "reply_template" for a in ARTICLES) >= 10


def test_fault_code_tables() -> None:
    tables = [a for a in ARTICLES if a.kind == "fault_codes"]
    assert any(len(a.fault_codes) >= 15 for a in tables)
    for table in tables:
        codes = [row.code for row in table.fault_codes]
        assert len(codes) == len(set(codes)), table.title
        assert table.brand
        assert table.model_family
        assert all(row.meaning and row.likely_cause and row.fix for row in table.fault_codes)
    assert all(not a.fault_codes for a in ARTICLES if a.kind != "fault_codes")


@pytest.mark.parametrize("topic", [t for t, a in TOPICS.items() if a[0].kind == "fault_codes"])
def test_both_languages_of_a_table_list_the_same_codes(topic: str) -> None:
    zh, en = sorted(TOPICS[topic], key=lambda a: a.language != "zh-CN")
    assert [row.code for row in zh.fault_codes] == [row.code for row in en.fault_codes]


def test_families_and_prefixes_name_the_demo_assets() -> None:
    assets = _demo_assets()
    families = {family for _, family in assets}
    for article in ARTICLES:
        assert set(article.asset_families) <= families, article.title
        for prefix in article.device_code_prefixes:
            assert any(code.startswith(prefix) for code, _ in assets), (article.title, prefix)
        if article.kind != "reply_template":
            assert article.asset_families, article.title
            assert article.device_code_prefixes, article.title


def test_every_demo_asset_has_something_to_read() -> None:
    for code, family in _demo_assets():
        assert any(
            family in a.asset_families
            and any(code.startswith(prefix) for prefix in a.device_code_prefixes)
            for a in ARTICLES
        ), code


def test_reply_templates_use_known_placeholders() -> None:
    for article in ARTICLES:
        used = set(_PLACEHOLDER.findall(article.body))
        if article.kind != "reply_template":
            assert not used, article.title
            continue
        assert used <= PLACEHOLDERS, (article.title, used - PLACEHOLDERS)
        assert "customer" in used, article.title
    acknowledgements = TOPICS["reply_acknowledge"]
    assert all({"engineer", "eta"} <= set(_PLACEHOLDER.findall(a.body)) for a in acknowledgements)


@pytest.mark.parametrize("term", ["压缩", "停机", "门封", "探头", "除霜", "冷凝风机", "PLC"])
def test_chinese_searches_find_something(term: str) -> None:
    assert any(
        term in a.title or term in a.body or any(term in tag for tag in a.tags)
        for a in ARTICLES
        if a.language == "zh-CN"
    )
