# ruff: noqa: RUF001  (Chinese punctuation is the point of the zh-CN texts)
"""The texts' pure parts: the ETA as a sentence in each language, placeholders filled in,
tokens and addresses masked."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from mobile_contract.eta import Eta
from notify.texts import DEFAULTS, eta_words, mask_address, mask_token, render

SHANGHAI = ZoneInfo("Asia/Shanghai")


def eta(p50: datetime, p80: datetime, explanation: str = "") -> Eta:
    return Eta(
        p50_at=p50,
        p80_at=p80,
        p50_seconds=3600,
        p80_seconds=7200,
        samples=37,
        window_days=90,
        explanation=explanation,
    )


def test_the_eta_reads_as_a_range_in_the_sites_time() -> None:
    same_day = eta(
        datetime(2026, 12, 7, 6, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 8, 30, tzinfo=UTC),
        "根据近 90 天 37 次类似维修",
    )
    assert eta_words(same_day, "zh-CN", SHANGHAI) == (
        "预计 12月7日 14:00–16:30 完成（根据近 90 天 37 次类似维修）。"
    )
    english = eta(same_day.p50_at, same_day.p80_at, "based on 37 similar repairs")
    assert eta_words(english, "en", SHANGHAI) == (
        "Expected to be done on Dec 7, 14:00–16:30 (based on 37 similar repairs). "
    )
    overnight = eta(
        datetime(2026, 12, 7, 14, 0, tzinfo=UTC), datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    )
    assert eta_words(overnight, "zh-CN", SHANGHAI) == "预计 12月7日 22:00 至 12月8日 09:00 完成。"
    assert eta_words(overnight, "en", SHANGHAI) == (
        "Expected to be done between Dec 7, 22:00 and Dec 8, 09:00. "
    )
    assert eta_words(None, "zh-CN", SHANGHAI) == ""


def test_every_built_in_text_renders_with_its_links() -> None:
    values = {"number": "WO-1", "portal_link": "P", "report_link": "R", "company": "C"}
    for language, texts in DEFAULTS.items():
        for milestone, text in texts.items():
            rendered = render(text, values)
            assert "{" not in rendered, (language, milestone)
            assert ("R" if milestone == "closed" else "P") in rendered
    assert render("{number} {unknown}", {"number": "WO-1"}) == "WO-1 "
    assert render("a { brace", {}) == ""


def test_tokens_and_addresses_are_masked() -> None:
    assert mask_token("fpt_abcdefghijklmnopqrstuvwxyz0123") == "fpt_…0123"
    assert mask_address("sms", "+86 139 1234 5678") == "…5678"
    assert mask_address("wechat", "oXyZ_0123456789abcdef") == "oXyZ…cdef"
    assert mask_address("log", "") == ""
    assert mask_address("dingtalk", "") == "dingtalk group robot"
