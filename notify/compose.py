"""A claimed message made ready to send: its text rendered now, its route opened.

The text is rendered when the message is sent, not when the milestone is reached: the
portal link only exists then (the relay issues it), and the handler's name and phone and the
ETA are as they are at that moment (a reassignment a minute after ``assigned`` is told with
the new handler). The status words are the work order's status at the milestone, so a late
retry of ``resolved`` never says what a later reopen made of it.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cryptography.exceptions import InvalidTag

from eta import services as eta_services
from kernel.clock import zone_named
from kernel.db import Database, Reader
from notify import sql
from notify.links import masked, opened, portal_url, report_url
from notify.providers import Outgoing, Route
from notify.secrets import Sealer
from notify.texts import DEFAULTS, eta_words, headline, language_of, render, status_words
from push.providers import Answer, Verdict

log = logging.getLogger("fieldops.notify")

ROBOT_KINDS = ("wecom", "dingtalk")


def channel_field(kind: str) -> str:
    """The sealed field of a channel's secret (owner: the tenant)."""
    return f"channel:{kind}:secret"


def robot_field(kind: str, part: str) -> str:
    """The sealed fields of a robot, ``webhook`` and ``secret`` (owner: the customer)."""
    return f"robot:{kind}:{part}"


@dataclass(frozen=True, slots=True)
class Prepared:
    row: sql.Details
    item: Outgoing
    route: Route | None  # None: the log provider
    log_reason: str = ""  # why it goes to the log
    failed: Answer | None = None  # decided before sending
    token: str = ""  # scrubbed from whatever the provider answers


@dataclass(frozen=True, slots=True)
class _Config:
    channels: Mapping[tuple[UUID, str], sql.ChannelRow]
    robots: Mapping[UUID, sql.RobotRow]
    texts: Mapping[tuple[UUID, str, str], str]


async def prepare(
    db: Database, ids: list[UUID], *, sealer: Sealer, public_url: str, now: datetime
) -> list[Prepared]:
    async with db.snapshot() as reader:
        rows = await reader.fetch(sql.DETAILS, sql.Details, ids=ids)
        tenants = tuple({row.tenant for row in rows})
        robot_ids = tuple({row.robot for row in rows if row.robot is not None})
        channels = await reader.fetch(sql.CHANNELS_OF, sql.ChannelRow, tenants=tenants)
        robots = await reader.fetch(sql.ROBOTS, sql.RobotRow, ids=robot_ids)
        texts = await reader.fetch(sql.TEXTS_OF, sql.TextRow, tenants=tenants)
        config = _Config(
            channels={(c.tenant, c.kind): c for c in channels},
            robots={r.id: r for r in robots},
            texts={(t.tenant, t.milestone, t.locale): t.text for t in texts},
        )
        return [await _prepare(reader, row, config, sealer, public_url, now) for row in rows]


async def _prepare(
    reader: Reader,
    row: sql.Details,
    config: _Config,
    sealer: Sealer,
    public_url: str,
    now: datetime,
) -> Prepared:
    language = language_of(row.locale)
    template = config.texts.get((row.tenant, row.milestone, language)) or ""
    default = DEFAULTS[language][row.milestone]
    token = opened(sealer, row.link_id, row.sealed_token) if row.link_id else None
    token = token or ""
    portal = portal_url(public_url, token) if token else ""
    report = report_url(public_url, token) if token and row.milestone == "closed" else ""
    needs_eta = "{eta}" in (template or default)
    values = {
        "number": row.number,
        "title": row.title,
        "status": status_words(row.status, language),
        "handler_name": row.handler_name or "",
        "handler_phone": row.handler_phone or "",
        "eta": await _eta(reader, row, language, now) if needs_eta else "",
        "portal_link": portal,
        "report_link": report,
        "company": row.company,
    }
    shown = {**values, "portal_link": masked(portal, token), "report_link": masked(report, token)}
    item = Outgoing(
        message_id=row.id,
        tenant_id=row.tenant,
        channel=row.channel,
        milestone=row.milestone,
        address=row.address,
        contact_name=row.contact_name,
        headline=headline(row.milestone, row.number, language),
        number=row.number,
        status_words=values["status"],
        text=render(template, values) or render(default, values),
        masked_text=render(template, shown) or render(default, shown),
        portal_link=portal,
        values=values,
    )
    route, reason, failed = _route(row, config, sealer)
    return Prepared(row, item, route, reason, failed, token)


def _route(
    row: sql.Details, config: _Config, sealer: Sealer
) -> tuple[Route | None, str, Answer | None]:
    """Where the message goes; or the log, and why; or a refusal decided here."""
    kind = row.channel
    if kind == "log":
        return None, f"no channel reaches {row.contact_name or 'this contact'}", None
    channel = config.channels.get((row.tenant, kind))
    if channel is None or not channel.enabled:
        return None, f"the {kind} channel is off", None
    try:
        if kind in ROBOT_KINDS:
            robot = config.robots.get(row.robot) if row.robot is not None else None
            if robot is None or not robot.enabled:
                return None, f"the customer's {kind} robot is off", None
            webhook = sealer.open(
                robot.customer, robot_field(kind, "webhook"), robot.sealed_webhook
            )
            secret = sealer.open(robot.customer, robot_field(kind, "secret"), robot.sealed_secret)
            return Route(webhook, secret), "", None
        secret = sealer.open(row.tenant, channel_field(kind), channel.sealed_secret)
        return Route(channel.endpoint, secret, channel.options), "", None
    except (InvalidTag, ValueError):
        reason = f"the {kind} credentials cannot be read (the server key changed?): save them again"
        return None, "", Answer(Verdict.DEAD, reason=reason)


async def _eta(reader: Reader, row: sql.Details, language: str, now: datetime) -> str:
    """The ETA sentence; "" when there is none. An estimate that fails never holds a
    message back: the customer is told without it."""
    try:
        estimate = await eta_services.estimate(
            reader, tenant_id=row.tenant, work_order_id=row.work_order, now=now, locale=language
        )
    except Exception:
        log.warning("notify: no ETA for message %s", row.id, exc_info=True)
        return ""
    return eta_words(estimate, language, zone_named(row.timezone))
