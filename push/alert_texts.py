# ruff: noqa: RUF001, RUF002  (Chinese punctuation is the point of the zh-CN texts)
"""On-call texts in the tenant's language (zh-CN, en), rendered when an alert is sent.

Alerts store their facts (``kind`` and ``details``) and an English ``message``; the text is
made at send time, so a tenant switching language, or a better template, reaches alerts still
pending. Details missing what a template needs fall back to the stored message. Pure functions:
no I/O, unit-tested on their own.
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from push.texts import CHINESE, language_of

DEAD_LETTER = "dead_letter"
PROVIDER_AUTH = "provider_auth"  # a provider refused our credentials: every push stopped
PROVIDER_OUTAGE = "provider_outage"  # a provider keeps failing: pushes are piling up
UNACKNOWLEDGED = "unacknowledged"  # a P0 assignment no device acknowledged in time
LOGIN_BURST = "login_burst"  # many failed logins across a tenant's accounts (accounts/throttle)

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = CHINESE
MAX_ITEMS = 10  # listed per group; the rest are counted ("and N more")

# Whatever stops every push first: on-call reads the top of a digest.
_RANK = {PROVIDER_AUTH: 0, PROVIDER_OUTAGE: 1, DEAD_LETTER: 2, UNACKNOWLEDGED: 3}
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
        kinds={"assignment": "派工"},
        login_burst=(
            "{minutes} 分钟内登录失败 {failures} 次，涉及 {accounts} 个账户名，可能有人在猜密码；"
            "失败多次的账户已逐次延迟登录"
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
        kinds={},
        login_burst=(
            "{failures} failed logins within {minutes} min across {accounts} account names: "
            "someone may be guessing passwords; each account is slowed down after repeated "
            "failures"
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


_REQUIRED: dict[str, tuple[tuple[str, Callable[[Any], bool]], ...]] = {
    DEAD_LETTER: (("provider", _text),),
    PROVIDER_AUTH: (("provider", _text),),
    PROVIDER_OUTAGE: (("provider", _text), ("since", _text), ("held", _int)),
    UNACKNOWLEDGED: (("work_order_number", _text), ("minutes", _int)),
    LOGIN_BURST: (("failures", _int), ("minutes", _int), ("accounts", _int)),
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
    return _capped([_unacknowledged(alert.details, texts) for alert in group], texts)


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
