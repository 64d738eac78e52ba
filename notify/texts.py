# ruff: noqa: RUF001, RUF002  (Chinese punctuation is the point of the zh-CN texts)
"""What a milestone notification says: the built-in texts in zh-CN and English, a tenant's own
checked when saved, and the values filled in when the message is sent. Pure functions.

A text is plain words with placeholders in braces. Only the names in ``PLACEHOLDERS`` may
appear, bare (no ``{title!r}``, no ``{title:>10}``, no ``{title.upper}``): a text is typed by
a tenant's admin and filled in by the server, so it must not reach anything but the values
given. The created text must carry the portal link, the closed text the report link; the
report link only exists once the work order is closed, so no other text may use it.
"""

import string
from collections.abc import Mapping
from datetime import datetime, tzinfo

from kernel.errors import ConfigInvalid
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.eta import Eta
from mobile_contract.notify import Milestone, TemplateLocale
from portal import texts as portal_texts

CHINESE: TemplateLocale = "zh-CN"
ENGLISH: TemplateLocale = "en"
LOCALES: tuple[TemplateLocale, ...] = (CHINESE, ENGLISH)
MILESTONES: tuple[Milestone, ...] = ("created", "assigned", "resolved", "verified", "closed")
RANK = {milestone: place for place, milestone in enumerate(MILESTONES, start=1)}
PLACEHOLDERS = (
    "number",
    "title",
    "status",
    "handler_name",
    "handler_phone",
    "eta",
    "portal_link",
    "report_link",
    "company",
)
REQUIRED = {"created": ("portal_link",), "closed": ("report_link",)}
ONLY_IN = {"report_link": "closed"}

DEFAULTS: dict[str, dict[str, str]] = {
    CHINESE: {
        "created": "【{company}】您的报修已受理，工单号 {number}（{title}）。"
        "查看进度、上传照片或给我们留言：{portal_link}",
        "assigned": "【{company}】工单 {number} 已安排工程师 {handler_name}（电话 {handler_phone}）"
        "为您服务。{eta}查看进度：{portal_link}",
        "resolved": "【{company}】工单 {number} 的维修已完成，请确认设备运行正常；"
        "如有问题请留言：{portal_link}",
        "verified": "【{company}】工单 {number} 的维修结果已核验确认。详情：{portal_link}",
        "closed": "【{company}】工单 {number} 已关闭，感谢您的耐心。维修报告：{report_link}",
    },
    ENGLISH: {
        "created": "{company}: we received your repair request {number} ({title}). Follow it, "
        "add photos or write to us: {portal_link}",
        "assigned": "{company}: {handler_name} (phone {handler_phone}) will handle {number}. "
        "{eta}Follow it: {portal_link}",
        "resolved": "{company}: the repair {number} is done; please check that the equipment "
        "runs normally. Anything wrong? Tell us: {portal_link}",
        "verified": "{company}: the repair {number} was checked and confirmed. Details: "
        "{portal_link}",
        "closed": "{company}: {number} is closed. Thank you for your patience. The repair "
        "report: {report_link}",
    },
}

# A robot's message title (and a WeChat message's first line): "WO-… received".
HEADLINES: dict[str, dict[str, str]] = {
    CHINESE: {
        "created": "工单 {number} 已受理",
        "assigned": "工单 {number} 已安排工程师",
        "resolved": "工单 {number} 维修完成",
        "verified": "工单 {number} 已核验",
        "closed": "工单 {number} 已关闭",
    },
    ENGLISH: {
        "created": "{number} received",
        "assigned": "{number}: engineer assigned",
        "resolved": "{number} repaired",
        "verified": "{number} checked",
        "closed": "{number} closed",
    },
}
_PHONE_CHARACTERS = frozenset("0123456789+() -")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def language_of(locale: str | None, *, default: TemplateLocale = CHINESE) -> TemplateLocale:
    """zh-CN or en for a contact's or a tenant's locale (Chinese unless it says English)."""
    value = (locale or "").strip().lower()
    if value.startswith("en"):
        return ENGLISH
    return CHINESE if value.startswith("zh") else default


def check(milestone: str, text: str) -> None:
    """Refuse a tenant's text that could not be filled in (``ConfigInvalid`` naming ``text``)."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ConfigInvalid("text", f"{error}; write a brace as {{{{ or }}}}") from None
    used = set()
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            shown = "{" + name + "}"
            raise ConfigInvalid("text", f"unknown placeholder {shown}; use {allowed}")
        if spec or conversion:
            raise ConfigInvalid("text", f"write the placeholder {{{name}}} bare, without ! or :")
        only = ONLY_IN.get(name)
        if only is not None and only != milestone:
            raise ConfigInvalid(
                "text", f"{{{name}}} exists only once the work order is {only}; use it there"
            )
        used.add(name)
    missing = [name for name in REQUIRED.get(milestone, ()) if name not in used]
    if missing:
        raise ConfigInvalid("text", f"the {milestone} text must contain {{{missing[0]}}}")


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` filled in; a name without a value is left out. A text that no longer parses
    (saved before a rule changed) renders as "" so the caller falls back to the built-in."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return ""
    return "".join(
        literal + (values.get(name, "") if name is not None else "")
        for literal, name, _, _ in fields
    )


def status_words(status: str, language: TemplateLocale) -> str:
    """The status as the portal page names the customer's step (one vocabulary for the page
    and the messages, never an internal state)."""
    step = portal_texts.STEP_OF_STATUS[WorkOrderStatus(status)]
    return portal_texts.texts(language)[f"step.{step}"]


def headline(milestone: str, number: str, language: str) -> str:
    return HEADLINES[language][milestone].format(number=number)


def eta_words(eta: Eta | None, language: str, zone: tzinfo) -> str:
    """The ETA as a sentence ending the way the next one can follow: "预计 12月7日
    14:00–16:30 完成（根据…）。" (the P50 to the P80); "" when there is none."""
    if eta is None:
        return ""
    start, end = eta.p50_at.astimezone(zone), eta.p80_at.astimezone(zone)
    same_day = end.date() == start.date()
    if language == CHINESE:
        until = f"–{end:%H:%M}" if same_day else f" 至 {_day_zh(end)} {end:%H:%M}"
        why = f"（{eta.explanation}）" if eta.explanation else ""
        return f"预计 {_day_zh(start)} {start:%H:%M}{until} 完成{why}。"
    if same_day:
        when = f"on {_day_en(start)}, {start:%H:%M}–{end:%H:%M}"
    else:
        when = f"between {_day_en(start)}, {start:%H:%M} and {_day_en(end)}, {end:%H:%M}"
    why = f" ({eta.explanation})" if eta.explanation else ""
    return f"Expected to be done {when}{why}. "


def _day_zh(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日"


def _day_en(moment: datetime) -> str:
    return f"{_MONTHS[moment.month - 1]} {moment.day}"


def mask_token(token: str) -> str:
    """A portal token as logs may show it: its prefix and last four characters."""
    prefix, _, rest = token.partition("_")
    return f"{prefix}_…{rest[-4:]}" if rest else "…"


def mask_address(channel: str, address: str) -> str:
    """A phone by its last four digits, an open id by its ends, a robot by its kind."""
    if channel in ("wecom", "dingtalk"):
        return f"{channel} group robot"
    if not address:
        return ""
    if set(address) <= _PHONE_CHARACTERS:
        return "…" + "".join(c for c in address if c.isdigit())[-4:]
    return f"{address[:4]}…{address[-4:]}" if len(address) > 8 else "…"
