# ruff: noqa: RUF001, RUF002  (Chinese punctuation is the point of the zh-CN texts)
"""On-call texts in the tenant's language (zh-CN, en), rendered when an alert is sent.

Alerts store their facts (``kind`` and ``details``) and an English ``message``; the text is
made at send time, so a tenant switching language, or a better template, reaches alerts still
pending. Details missing what a template needs fall back to the stored message. Pure functions:
no I/O, unit-tested on their own.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from push.texts import CHINESE, language_of

DEAD_LETTER = "dead_letter"
PROVIDER_AUTH = "provider_auth"  # a provider refused our credentials: every push stopped
PROVIDER_OUTAGE = "provider_outage"  # a provider keeps failing: pushes are piling up
UNACKNOWLEDGED = "unacknowledged"  # a P0 assignment no device acknowledged in time
ESCALATION = "escalation"  # an SLA escalation stage: not accepted / not on site in time
LOGIN_BURST = "login_burst"  # many failed logins across a tenant's accounts (accounts/throttle)
REPORT_FAILED = "report_failed"  # a closed work order's PDF report could not be made (reports)

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = CHINESE
MAX_ITEMS = 10  # listed per group; the rest are counted ("and N more")

# Whatever stops every push first: on-call reads the top of a digest. An escalation (a work
# order, often a P0, nobody answered in time) comes before single pushes that failed.
_RANK = {PROVIDER_AUTH: 0, PROVIDER_OUTAGE: 1, ESCALATION: 2, DEAD_LETTER: 3, UNACKNOWLEDGED: 4}
_PROVIDERS = {"apns": "APNs", "fcm": "FCM"}
_PLATFORMS = {"ios": "iOS", "android": "Android"}


@dataclass(frozen=True, slots=True)
class Texts:
    header: str
    header_one: str
    dead_letter: str
    dead_letter_one: str
    provider_auth: str
    held_until: str
    provider_outage: str
    unacknowledged: str
    unacknowledged_nobody: str
    no_device: str
    state: str
    named: str
    more: str  # after a list of items
    more_lines: str  # after a list of lines
    repeated: str
    list_sep: str
    state_sep: str
    no_answer: str
    push: str  # a push without a work order: "{kind}"
    delivery: str
    statuses: Mapping[str, str]
    kinds: Mapping[str, str]
    login_burst: str = ""
    escalation: str = ""  # "{what}" is the work order, then how far the clock is overdue
    escalation_titled: str = ""  # "{what}" with the work order's title
    escalation_untitled: str = ""
    escalation_pushed: str = ""  # who was pushed to, after the line
    escalation_pushed_one: str = ""
    escalation_pushed_nobody: str = ""
    clock_undone: Mapping[str, str] = field(default_factory=dict)  # the clock → what is not done
    report_failed: str = ""  # "{number}", "{attempts}", "{error}"


TEXTS: dict[str, Texts] = {
    "zh-CN": Texts(
        header="【fieldops】{tenant}：{count} 条告警",
        header_one="【fieldops】{tenant}：1 条告警",
        dead_letter="{provider} 推送失败 {count} 条（{answers}）：{items}",
        dead_letter_one="{provider} 推送失败 1 条（{answers}）：{items}",
        provider_auth=(
            "{provider} 拒绝了服务器凭证（{answer}），经 {provider} 的推送已全部暂停{until}；"
            "请检查密钥、Team ID / 项目 ID 及有效期"
        ),
        held_until="，{time} 再试",
        provider_outage="{provider} 服务异常（{answer}），自 {since} 起 {held} 条推送等待发送",
        unacknowledged="P0 工单 {number} 已派给 {engineer}，{minutes} 分钟内无人确认（{reach}）",
        unacknowledged_nobody="P0 工单 {number}，{minutes} 分钟内无人确认（{reach}）",
        no_device="工程师未登记推送设备",
        state="{platform}：{status}",
        named="{what}（{who}）",
        more="……另有 {count} 条",
        more_lines="……另有 {count} 条",
        repeated="（共 {count} 次）",
        list_sep="、",
        state_sep="；",
        no_answer="无应答",
        push="{kind}推送",
        delivery="推送 {id}",
        statuses={
            "pending": "待发送",
            "retrying": "重试中",
            "delivered": "已送达",
            "logged": "仅记录日志",
            "dead": "发送失败",
            "token_disabled": "令牌失效",
        },
        kinds={"assignment": "派工", "customer_message": "客户留言"},
        login_burst=(
            "{minutes} 分钟内登录失败 {failures} 次，涉及 {accounts} 个账户名，可能有人在猜密码；"
            "失败多次的账户已逐次延迟登录"
        ),
        escalation="升级（第 {stage} 级）：{what}，已 {minutes} 分钟{undone}",
        escalation_titled="{priority} 工单 {number}「{title}」",
        escalation_untitled="{priority} 工单 {number}",
        escalation_pushed="，已推送 {count} 人",
        escalation_pushed_one="，已推送 1 人",
        escalation_pushed_nobody="，未推送任何人",
        clock_undone={"response": "无人接单", "arrival": "未到场", "resolution": "未解决"},
        report_failed=(
            "工单 {number} 的维修报告 PDF 生成失败（已尝试 {attempts} 次），客户尚未收到：{error}"
        ),
    ),
    "en": Texts(
        header="[fieldops] {tenant}: {count} alerts",
        header_one="[fieldops] {tenant}: 1 alert",
        dead_letter="{provider}: {count} pushes not delivered ({answers}): {items}",
        dead_letter_one="{provider}: 1 push not delivered ({answers}): {items}",
        provider_auth=(
            "{provider} refused the server's credentials ({answer}): every push through "
            "{provider} is held{until}; check the key, team/project id and its expiry"
        ),
        held_until=", next try at {time}",
        provider_outage="{provider} outage since {since} ({answer}): {held} pushes waiting",
        unacknowledged=(
            "P0 work order {number} assigned to {engineer}: not acknowledged within "
            "{minutes} min ({reach})"
        ),
        unacknowledged_nobody=(
            "P0 work order {number}: not acknowledged within {minutes} min ({reach})"
        ),
        no_device="the engineer has no device registered for push",
        state="{platform}: {status}",
        named="{what} ({who})",
        more=" and {count} more",
        more_lines="… and {count} more",
        repeated=" ({count} times)",
        list_sep=", ",
        state_sep="; ",
        no_answer="no answer",
        push="{kind} push",
        delivery="push {id}",
        statuses={"logged": "logged only", "dead": "failed", "token_disabled": "token disabled"},
        kinds={"customer_message": "customer message"},
        login_burst=(
            "{failures} failed logins within {minutes} min across {accounts} account names: "
            "someone may be guessing passwords; each account is slowed down after repeated "
            "failures"
        ),
        escalation="Escalation (stage {stage}): {what}: {undone} for {minutes} min",
        escalation_titled='{priority} work order {number} "{title}"',
        escalation_untitled="{priority} work order {number}",
        escalation_pushed="; {count} people notified by push",
        escalation_pushed_one="; 1 person notified by push",
        escalation_pushed_nobody="; nobody notified by push",
        clock_undone={
            "response": "not accepted",
            "arrival": "nobody on site",
            "resolution": "not resolved",
        },
        report_failed=(
            "The PDF report of work order {number} could not be made after {attempts} "
            "attempts; the customer has none: {error}"
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Pending:
    """What the texts need of one alert."""

    kind: str
    details: Mapping[str, Any]
    message: str  # the stored English text: the fallback


def normalize_locale(locale: str | None) -> str:
    """A tenant's language as the push texts read a device's, but Chinese by default."""
    return language_of(locale, default=DEFAULT_LOCALE)


def rank(kind: str) -> int:
    return _RANK.get(kind, len(_RANK))


def render(kind: str, details: Mapping[str, Any], locale: str, *, fallback: str = "") -> str:
    """One alert's text in ``locale``; ``fallback`` (the stored message) when the details lack
    what its template needs."""
    return "\n".join(
        _group_lines([Pending(kind, details, fallback)], TEXTS[normalize_locale(locale)])
    )


def render_digest(tenant: str, alerts: Sequence[Pending], locale: str) -> str:
    """A tenant's alerts as one message: grouped by kind and provider, credentials and outages
    first, each group listing at most ``MAX_ITEMS``."""
    texts = TEXTS[normalize_locale(locale)]
    groups: dict[tuple[str, str, bool], list[Pending]] = {}
    for alert in alerts:
        ok = _renderable(alert)
        provider = str(alert.details.get("provider") or "") if ok else ""
        groups.setdefault((alert.kind, provider, ok), []).append(alert)
    header = texts.header_one if len(alerts) == 1 else texts.header
    lines = [header.format(tenant=tenant, count=len(alerts))]
    for _, group in sorted(groups.items(), key=lambda entry: rank(entry[0][0])):
        lines += [f"• {line}" for line in _group_lines(group, texts)]
    return "\n".join(lines)


def _renderable(alert: Pending) -> bool:
    required = _REQUIRED.get(alert.kind)
    return required is not None and all(check(alert.details.get(key)) for key, check in required)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clock(value: Any) -> bool:
    return value in ("response", "arrival", "resolution")


_REQUIRED: dict[str, tuple[tuple[str, Callable[[Any], bool]], ...]] = {
    DEAD_LETTER: (("provider", _text),),
    PROVIDER_AUTH: (("provider", _text),),
    PROVIDER_OUTAGE: (("provider", _text), ("since", _text), ("held", _int)),
    UNACKNOWLEDGED: (("work_order_number", _text), ("minutes", _int)),
    LOGIN_BURST: (("failures", _int), ("minutes", _int), ("accounts", _int)),
    REPORT_FAILED: (("work_order_number", _text), ("attempts", _int)),
    ESCALATION: (
        ("work_order_number", _text),
        ("priority", _text),
        ("stage", _int),
        ("clock", _clock),
        ("minutes", _int),
        ("recipients", _int),
    ),
}


def _group_lines(group: list[Pending], texts: Texts) -> list[str]:
    """The lines of alerts sharing kind and provider (all renderable, or all not)."""
    if not _renderable(group[0]):
        return _capped([alert.message for alert in group], texts)
    kind = group[0].kind
    if kind == DEAD_LETTER:
        return [_dead_letters(group, texts)]
    if kind in (PROVIDER_AUTH, PROVIDER_OUTAGE):  # the same outage, raised again: the latest
        latest = group[-1].details
        line = _provider_auth(latest, texts) if kind == PROVIDER_AUTH else _outage(latest, texts)
        return [line + (texts.repeated.format(count=len(group)) if len(group) > 1 else "")]
    if kind == LOGIN_BURST:
        return _capped([texts.login_burst.format(**alert.details) for alert in group], texts)
    if kind == ESCALATION:
        return _capped([_escalation(alert.details, texts) for alert in group], texts)
    if kind == REPORT_FAILED:
        return _capped([_report_failed(alert.details, texts) for alert in group], texts)
    return _capped([_unacknowledged(alert.details, texts) for alert in group], texts)


def _report_failed(details: Mapping[str, Any], texts: Texts) -> str:
    return texts.report_failed.format(
        number=details["work_order_number"],
        attempts=details["attempts"],
        error=str(details.get("error") or "")[:200],
    )


def _capped(lines: list[str], texts: Texts) -> list[str]:
    if len(lines) <= MAX_ITEMS:
        return lines
    return [*lines[:MAX_ITEMS], texts.more_lines.format(count=len(lines) - MAX_ITEMS)]


def _provider(details: Mapping[str, Any]) -> str:
    name = str(details["provider"])
    return _PROVIDERS.get(name, name.upper())


def _answer(details: Mapping[str, Any], texts: Texts) -> str:
    code, reason = details.get("status_code"), str(details.get("reason") or "")[:80]
    if _int(code):
        return f"HTTP {code} {reason}".rstrip()
    return reason or texts.no_answer


def _time(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _dead_letters(group: list[Pending], texts: Texts) -> str:
    answers = Counter(_answer(alert.details, texts) for alert in group)
    if len(answers) == 1:
        summary = next(iter(answers))
    else:
        common = answers.most_common(3)
        summary = texts.list_sep.join(f"{answer} ×{count}" for answer, count in common)
        summary += "…" if len(answers) > 3 else ""
    labels = Counter(_dead_letter_item(alert.details, texts) for alert in group)
    shown = list(labels.items())[:MAX_ITEMS]
    items = texts.list_sep.join(label + (f" ×{n}" if n > 1 else "") for label, n in shown)
    rest = len(group) - sum(n for _, n in shown)
    if rest:
        items += texts.more.format(count=rest)
    template = texts.dead_letter_one if len(group) == 1 else texts.dead_letter
    return template.format(
        provider=_provider(group[0].details), count=len(group), answers=summary, items=items
    )


def _dead_letter_item(details: Mapping[str, Any], texts: Texts) -> str:
    """``WO-20261206-0001（李工）``: the work order and the engineer on-call has to call."""
    what = details.get("work_order_number")
    if not _text(what):
        kind = str(details.get("notification_kind") or "")
        if kind:
            what = texts.push.format(kind=texts.kinds.get(kind, kind))
        else:
            what = texts.delivery.format(id=str(details.get("delivery_id") or "?")[:8])
    who = details.get("engineer")
    return texts.named.format(what=what, who=who) if _text(who) else str(what)


def _provider_auth(details: Mapping[str, Any], texts: Texts) -> str:
    held = details.get("held_until")
    until = texts.held_until.format(time=_time(held)) if _text(held) else ""
    return texts.provider_auth.format(
        provider=_provider(details), answer=_answer(details, texts), until=until
    )


def _outage(details: Mapping[str, Any], texts: Texts) -> str:
    return texts.provider_outage.format(
        provider=_provider(details),
        answer=_answer(details, texts),
        since=_time(details["since"]),
        held=details["held"],
    )


def _unacknowledged(details: Mapping[str, Any], texts: Texts) -> str:
    deliveries = details.get("deliveries")
    states = [
        texts.state.format(
            platform=_PLATFORMS.get(str(d.get("platform")), str(d.get("platform"))),
            status=texts.statuses.get(str(d.get("status")), str(d.get("status"))),
        )
        for d in (deliveries if isinstance(deliveries, list) else [])
        if isinstance(d, Mapping)
    ]
    reach = texts.state_sep.join(states) if states else texts.no_device
    engineer = details.get("engineer")
    template = texts.unacknowledged if _text(engineer) else texts.unacknowledged_nobody
    return template.format(
        number=details["work_order_number"],
        engineer=engineer,
        minutes=details["minutes"],
        reach=reach,
    )


def _escalation(details: Mapping[str, Any], texts: Texts) -> str:
    """``升级（第 2 级）：P0 工单 WO-…「3号线停机」，已 25 分钟无人接单，已推送 3 人``."""
    number, priority = details["work_order_number"], details["priority"]
    title = details.get("title")
    what = (
        texts.escalation_titled.format(priority=priority, number=number, title=_short(title))
        if isinstance(title, str) and title
        else texts.escalation_untitled.format(priority=priority, number=number)
    )
    count = details["recipients"]
    pushed = (
        texts.escalation_pushed_nobody
        if count == 0
        else texts.escalation_pushed_one
        if count == 1
        else texts.escalation_pushed.format(count=count)
    )
    line = texts.escalation.format(
        stage=details["stage"],
        what=what,
        minutes=details["minutes"],
        undone=texts.clock_undone[details["clock"]],
    )
    return line + pushed


def _short(text: str, limit: int = 60) -> str:
    """A title on one line of a robot's message: a long one is cut with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
