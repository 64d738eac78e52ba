# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""On-call robots without storms: a DingTalk robot stand-in that checks the 加签 signature as
DingTalk does and takes 20 messages a minute (then refuses with errcode 130101 and blocks for
10 minutes, as the real one does); digests instead of a post per alert, credentials first; the
tenant's language; @-mentions; refusals retried with backoff."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from kernel.statements import Statement
from push.alerts import AlertSender, raise_alert
from push.webhooks import Channel, Digest, Refused, WebhookChannel
from tests.factories import World
from tests.push.test_outbox_and_relay import Clock

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
TOKEN = "robot-access-token"
ROBOT_URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
MOBILES = ("13800000000", "13900000000")
SET_LOCALE = Statement("UPDATE accounts_tenant SET locale = :locale WHERE id = :id")


@dataclass
class DingTalkRobot:
    """Answers as DingTalk's custom robot: ``errcode`` 310000 unless ``timestamp`` is within an
    hour and ``sign`` is the URL-encoded base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by
    the secret; beyond 20 messages in a minute, 130101 and nothing taken for 10 minutes."""

    clock: Callable[[], datetime]
    secret: str = SECRET
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    taken_at: list[datetime] = field(default_factory=list)
    blocked_until: datetime | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock()
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        if query.get("access_token") != [TOKEN]:
            return self._refuse(300001, "token is not exist")
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        to_sign = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), to_sign, hashlib.sha256).digest()
        ).decode()
        fresh = timestamp.isdigit() and abs(now.timestamp() * 1000 - int(timestamp)) < 3_600_000
        if not fresh or not hmac.compare_digest(sign, expected):
            return self._refuse(310000, "sign not match")
        if self.blocked_until is not None and now < self.blocked_until:
            return self._refuse(130101, "send too fast, exceed 20 times per minute")
        self.taken_at = [t for t in self.taken_at if now - t < timedelta(minutes=1)]
        if len(self.taken_at) >= 20:
            self.blocked_until = now + timedelta(minutes=10)
            return self._refuse(130101, "send too fast, exceed 20 times per minute")
        self.taken_at.append(now)
        self.received.append(json.loads(request.content))
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    def _refuse(self, code: int, message: str) -> httpx.Response:
        self.refused.append(code)
        return httpx.Response(200, json={"errcode": code, "errmsg": message})

    def texts(self) -> list[str]:
        return [body["text"]["content"] for body in self.received]


def dingtalk(robot: DingTalkRobot, clock: Clock, **options: Any) -> WebhookChannel:
    """A DingTalk channel posting to ``robot``, signing with the robot's secret and time."""
    options.setdefault("secret", SECRET)
    options.setdefault("wall_clock", lambda: clock.now.timestamp())
    client = httpx.AsyncClient(transport=httpx.MockTransport(robot))
    return WebhookChannel("dingtalk", ROBOT_URL, client, **options)


def sender(world: World, channels: list[Channel], clock: Clock, **options: Any) -> AlertSender:
    return AlertSender(
        db=world.client.app.state.services.db, channels=channels, clock=clock, **options
    )


class Quiet:
    """Takes everything: settles alerts earlier tests left pending in the shared database."""

    name = "settle"

    async def post(self, digest: Digest) -> None:
        pass


async def settle(world: World) -> None:
    later = Clock()
    later.advance(90 * 24 * 3600)
    quiet = sender(world, [Quiet()], later, min_interval=timedelta(0))
    while await quiet.run_once():
        pass


@pytest.fixture(autouse=True)
async def no_pending_alerts(world: World) -> None:
    await settle(world)


def dead_letter(number: int, engineer: str = "李工", **extra: Any) -> dict[str, Any]:
    return {
        "provider": "apns",
        "platform": "ios",
        "status_code": 503,
        "reason": "ServiceUnavailable",
        "attempts": 4,
        "notification_kind": "assignment",
        "work_order_number": f"WO-20261206-{number:04d}",
        "engineer": engineer,
        "delivery_id": f"00000000-0000-4000-8000-{number:012d}",
        "device_id": "00000000-0000-4000-8000-000000000000",
        **extra,
    }


AUTH = {
    "provider": "apns",
    "status_code": 403,
    "reason": "InvalidProviderToken",
    "held_until": "2026-12-06T10:30:00+00:00",
}


async def raise_alerts(world: World, clock: Clock, *alerts: tuple[str, dict[str, Any]]) -> None:
    async with world.client.app.state.services.db.transaction() as tx:
        for kind, details in alerts:
            message = f"English fallback of {kind} {details.get('work_order_number', '')}"
            await raise_alert(
                tx=tx,
                tenant_id=world.tenant_id,
                kind=kind,
                message=message,
                now=clock(),
                details=details,
            )


async def set_locale(world: World, locale: str) -> None:
    async with world.client.app.state.services.db.transaction() as tx:
        await tx.execute(SET_LOCALE, locale=locale, id=world.tenant_id)


async def listed(world: World) -> list[dict[str, Any]]:
    response = await world.call("supervisor", "GET", "/api/v1/push/alerts", expect=200)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_robot_stand_in_checks_signatures_and_refuses_past_20_a_minute() -> None:
    clock = Clock()
    robot = DingTalkRobot(clock)
    channel = dingtalk(robot, clock)
    digest = Digest(text="【fieldops】test", alerts=[])
    for _ in range(20):
        await channel.post(digest)
    with pytest.raises(Refused, match="130101"):
        await channel.post(digest)
    clock.advance(61)
    with pytest.raises(Refused, match="130101"):  # blocked for 10 minutes, not one
        await channel.post(digest)
    clock.advance(600)
    await channel.post(digest)
    with pytest.raises(Refused, match="310000"):
        await dingtalk(robot, clock, secret="SECwrong").post(digest)
    with pytest.raises(Refused, match="310000"):  # a signed robot refuses unsigned posts
        await dingtalk(robot, clock, secret="").post(digest)
    late = dingtalk(robot, clock, wall_clock=lambda: clock.now.timestamp() - 7200)
    with pytest.raises(Refused, match="310000"):  # signed two hours ago
        await late.post(digest)
    assert len(robot.received) == 21


async def test_23_dead_letters_and_a_credentials_alert_are_one_post_credentials_first(
    world: World,
) -> None:
    clock = Clock()
    robot = DingTalkRobot(clock)
    channel = dingtalk(robot, clock, at_mobiles=MOBILES)
    dead = [("dead_letter", dead_letter(n)) for n in range(1, 24)]
    await raise_alerts(world, clock, *dead, ("provider_auth", AUTH))
    alerting = sender(world, [channel], clock)
    assert await alerting.run_once() == 24

    (body,) = robot.received
    assert robot.refused == []
    content = body["text"]["content"]
    lines = content.split("\n")
    assert lines[0] == f"【fieldops】Tenant {world.slug}：24 条告警"
    assert lines[1].startswith("• APNs 拒绝了服务器凭证（HTTP 403 InvalidProviderToken）")
    assert lines[2].startswith(
        "• APNs 推送失败 23 条（HTTP 503 ServiceUnavailable）："
        "WO-20261206-0001（李工）、WO-20261206-0002（李工）"
    )
    assert lines[2].endswith("WO-20261206-0010（李工）……另有 13 条")
    # Mentioned: in the text (DingTalk highlights only those) and in "at".
    assert lines[-1] == "@13800000000 @13900000000"
    assert body["at"] == {"atMobiles": list(MOBILES), "isAtAll": False}
    assert body["msgtype"] == "text"

    alerts = await listed(world)
    assert len(alerts) == 24
    assert {(a["status"], a["attempts"]) for a in alerts} == {("sent", 1)}
    assert await alerting.run_once() == 0  # nothing left, nothing posted
    assert len(robot.received) == 1


async def test_alerts_arriving_meanwhile_wait_for_the_next_digest(world: World) -> None:
    """A stream of alerts, one a second for five minutes: a post at most every 20 s, and
    the robot never says "too fast"."""
    clock = Clock()
    robot = DingTalkRobot(clock)
    alerting = sender(world, [dingtalk(robot, clock)], clock)
    for second in range(300):
        await raise_alerts(world, clock, ("dead_letter", dead_letter(second + 1)))
        await alerting.run_once()
        clock.advance(1)
    clock.advance(20)
    await alerting.run_once()
    assert robot.refused == []
    assert len(robot.received) == 16  # t = 0, 20, … 280 and the last one at 320
    assert {a["status"] for a in await listed(world)} == {"sent"}
    counts = [int(text.split("推送失败 ")[1].split(" 条")[0]) for text in robot.texts()]
    assert counts == [1, *[20] * 14, 19]


async def test_a_refusing_robot_is_retried_with_backoff_and_not_hammered(world: World) -> None:
    clock = Clock()
    robot = DingTalkRobot(clock, blocked_until=clock.now + timedelta(minutes=10))
    alerting = sender(world, [dingtalk(robot, clock)], clock, retry_seconds=30)
    await raise_alerts(world, clock, ("dead_letter", dead_letter(1)))
    assert await alerting.run_once() == 1
    (alert,) = await listed(world)
    assert (alert["status"], alert["attempts"]) == ("pending", 1)
    assert "130101" in alert["last_error"]
    assert ROBOT_URL not in alert["last_error"]  # the robot's token stays out of the API
    assert TOKEN not in alert["last_error"]

    tries = 1
    while not robot.received:
        clock.advance(5)
        tries += 1 if await alerting.run_once() else 0
        assert tries < 10
    # 30 s, 60 s, 120 s, 240 s, 480 s: five refusals cover the 10 minutes, then it is taken.
    assert robot.refused == [130101] * 5
    (alert,) = await listed(world)
    assert (alert["status"], alert["attempts"], alert["last_error"]) == ("sent", 6, "")


async def test_a_wrong_secret_is_a_failed_post_not_a_lost_alert(world: World) -> None:
    clock = Clock()
    robot = DingTalkRobot(clock)
    alerting = sender(world, [dingtalk(robot, clock, secret="SECnot-the-robots")], clock)
    await raise_alerts(world, clock, ("provider_auth", AUTH))
    await alerting.run_once()
    (alert,) = await listed(world)
    assert alert["status"] == "pending"
    assert "310000" in alert["last_error"]
    assert SECRET not in alert["last_error"]


async def test_each_tenant_reads_its_own_language(world: World, other_world: World) -> None:
    await set_locale(other_world, "en")
    clock = Clock()
    robot = DingTalkRobot(clock)
    unacknowledged = {
        "work_order_number": "WO-20261206-0042",
        "minutes": 15,
        "deliveries": [{"platform": "ios", "status": "delivered", "reason": ""}],
        "notification_id": "00000000-0000-4000-8000-000000000001",
        "recipient_id": "00000000-0000-4000-8000-000000000002",
    }
    await raise_alerts(world, clock, ("unacknowledged", {**unacknowledged, "engineer": "李工"}))
    await raise_alerts(
        other_world, clock, ("unacknowledged", {**unacknowledged, "engineer": "Li Ming"})
    )
    generic: list[dict[str, Any]] = []

    def receive(request: httpx.Request) -> httpx.Response:
        generic.append(json.loads(request.content))
        return httpx.Response(204)

    hook = WebhookChannel(
        "generic",
        "https://hooks.example/oncall",
        httpx.AsyncClient(transport=httpx.MockTransport(receive)),
    )
    assert await sender(world, [dingtalk(robot, clock), hook], clock).run_once() == 2

    (content,) = robot.texts()  # one post for both tenants, a section each in its language
    chinese, english = sorted(content.split("\n\n"), key=lambda section: section[0] == "[")
    assert chinese == (
        f"【fieldops】Tenant {world.slug}：1 条告警\n"
        "• P0 工单 WO-20261206-0042 已派给 李工，15 分钟内无人确认（iOS：已送达）"
    )
    assert english == (
        f"[fieldops] Tenant {other_world.slug}: 1 alert\n"
        "• P0 work order WO-20261206-0042 assigned to Li Ming: not acknowledged within 15 min"
        " (iOS: delivered)"
    )
    (body,) = generic  # the generic webhook: the digest as JSON
    assert body["text"] == content
    assert body["count"] == 2
    by_tenant = {a["tenant_id"]: a for a in body["alerts"]}
    mine, theirs = by_tenant[str(world.tenant_id)], by_tenant[str(other_world.tenant_id)]
    assert (mine["locale"], theirs["locale"]) == ("zh-CN", "en")
    assert mine["text"].startswith("P0 工单 WO-20261206-0042 已派给 李工")
    assert theirs["text"].startswith("P0 work order WO-20261206-0042 assigned to Li Ming")
    assert mine["details"]["minutes"] == 15
    assert mine["message"].startswith("English fallback")


async def test_wecom_mentions_and_its_key_in_the_url(world: World) -> None:
    clock = Clock()
    posts: list[tuple[str, dict[str, Any]]] = []

    def wecom(request: httpx.Request) -> httpx.Response:
        posts.append((str(request.url), json.loads(request.content)))
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
    channel = WebhookChannel(
        "wecom",
        url,
        httpx.AsyncClient(transport=httpx.MockTransport(wecom)),
        at_mobiles=("13800000000",),
        at_all=True,
    )
    await raise_alerts(world, clock, ("dead_letter", dead_letter(7, engineer="王工")))
    await sender(world, [channel], clock).run_once()
    ((posted_to, body),) = posts
    assert posted_to == url  # the key is the URL's; nothing is added
    assert body["msgtype"] == "text"
    assert body["text"]["mentioned_mobile_list"] == ["13800000000", "@all"]
    assert "WO-20261206-0007（王工）" in body["text"]["content"]


async def test_a_long_digest_fits_the_robot(world: World) -> None:
    """WeCom takes 2048 bytes of text: a digest of many unacknowledged work orders is cut at a
    line, not refused."""
    clock = Clock()
    sizes: list[int] = []

    def wecom(request: httpx.Request) -> httpx.Response:
        sizes.append(len(json.loads(request.content)["text"]["content"].encode()))
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    channel = WebhookChannel(
        "wecom",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        httpx.AsyncClient(transport=httpx.MockTransport(wecom)),
    )
    long_name = "维修工程师" * 20
    await raise_alerts(
        world,
        clock,
        *[
            (
                "unacknowledged",
                {"work_order_number": f"WO-{n}", "minutes": 5, "engineer": long_name},
            )
            for n in range(12)
        ],
    )
    await sender(world, [channel], clock).run_once()
    assert len(sizes) == 1
    assert sizes[0] <= 2048
