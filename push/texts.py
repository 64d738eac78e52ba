# ruff: noqa: RUF001  (Chinese punctuation is the point of the zh-CN texts)
"""What a push says, in the device's language.

A notification is stored with its kind and the values its text needs (``params``); the relay
renders title and body for each device from its registered locale when it sends, so one
assignment reaches a Chinese and an English phone each in its own words. The stored title and
body (English) are what the API and the board list.
"""

from collections.abc import Mapping

ENGLISH, CHINESE = "en", "zh-CN"

# kind → locale → (title, body), ``str.format`` templates over the notification's params.
_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "assignment": {
        ENGLISH: ("{priority} {number} assigned to you", "{title}"),
        CHINESE: ("{priority} 工单 {number} 已派给您", "{title}"),
    },
    # An SLA escalation stage: ``clock_done`` is "accepted" or "on site", ``clock_done_zh``
    # 接单 or 到场; ``minutes`` how long past the clock's deadline.
    "escalation": {
        ENGLISH: ("Escalation: {priority} {number} not {clock_done} for {minutes} min", "{title}"),
        CHINESE: ("升级：{priority} 工单 {number} 已 {minutes} 分钟未{clock_done_zh}", "{title}"),
    },
    # The customer wrote through the portal: ``preview`` is the start of the text (or a
    # paperclip and how many files it carries).
    "customer_message": {
        ENGLISH: ("Customer message on {number}", "{preview}"),
        CHINESE: ("工单 {number} 客户留言", "{preview}"),
    },
}


def language_of(locale: str | None, *, default: str = ENGLISH) -> str:
    """The catalogue language for a locale: ``zh-CN``, ``zh_Hans_CN``, ``zh-TW`` … read
    Chinese, ``en-GB`` … English, anything else ``default`` (a device's: English)."""
    value = (locale or "").strip().lower().replace("_", "-")
    if value.startswith("zh"):
        return CHINESE
    return ENGLISH if value.startswith("en") else default


def render(kind: str, params: Mapping[str, str], locale: str) -> tuple[str, str] | None:
    """(title, body) of a ``kind`` notification in ``locale``; None when the catalogue has no
    text for it or the params lack a value (the stored text is used then)."""
    templates = _TEMPLATES.get(kind)
    if templates is None:
        return None
    title, body = templates[language_of(locale)]
    try:
        return title.format_map(params), body.format_map(params)
    except (KeyError, IndexError, ValueError):
        return None
