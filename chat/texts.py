# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""The words only a chat answer needs; the repair's own (its state, the handler, the promise,
the estimate) are the portal's (``portal.texts``), so the card says what the page says."""

from collections.abc import Mapping

from portal.texts import EN, ZH

_TEXTS: Mapping[str, Mapping[str, str]] = {
    ZH: {
        "not_found": "没有找到与您关联的工单。请核对单号（例如 WO-2026-000123），或联系客服。",
        "try_later": "查询太频繁了，请几分钟后再试。",
        "heading": "工单 {number}：{title}",
        "line": "{label}：{value}",
        "state": "进度",
        "with_left": "{due}（{left}）",
        "latest": "最新留言（{author}）",
        "attachment": "[附件]",
        "details": "查看详情",
    },
    EN: {
        "not_found": "We found no work order of yours with this number. Please check it (for "
        "example WO-2026-000123) or contact customer service.",
        "try_later": "Too many queries; please try again in a few minutes.",
        "heading": "Work order {number}: {title}",
        "line": "{label}: {value}",
        "state": "Progress",
        "with_left": "{due} ({left})",
        "latest": "Latest message ({author})",
        "attachment": "[attachment]",
        "details": "Details",
    },
}


def words(language: str) -> Mapping[str, str]:
    return _TEXTS[language]
