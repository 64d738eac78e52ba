# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""The on-call texts, rendered from an alert's kind and details in the tenant's language; the
stored English message when the details lack what a template needs."""

from typing import Any

import pytest

from push.alert_texts import Pending, normalize_locale, render, render_digest
from push.webhooks import dingtalk_sign, fit

DEAD = {
    "provider": "apns",
    "platform": "ios",
    "status_code": 503,
    "reason": "ServiceUnavailable",
    "attempts": 4,
    "notification_kind": "assignment",
    "work_order_number": "WO-20261206-0001",
    "engineer": "李工",
    "delivery_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "device_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
}
AUTH = {
    "provider": "fcm",
    "status_code": 401,
    "reason": "UNAUTHENTICATED",
    "held_until": "2026-12-06T18:30:00+08:00",
}
OUTAGE = {
    "provider": "apns",
    "since": "2026-12-06T10:00:00+00:00",
    "held": 42,
    "status_code": 503,
    "reason": "ServiceUnavailable",
}
UNACKNOWLEDGED = {
    "work_order_number": "WO-20261206-0002",
    "engineer": "李工",
    "minutes": 15,
    "deliveries": [
        {"platform": "ios", "status": "delivered", "reason": ""},
        {"platform": "android", "status": "dead", "reason": "UNREGISTERED"},
    ],
    "notification_id": "00000000-0000-4000-8000-000000000001",
    "recipient_id": "00000000-0000-4000-8000-000000000002",
}


@pytest.mark.parametrize(
    ("kind", "details", "chinese", "english"),
    [
        (
            "dead_letter",
            DEAD,
            "APNs 推送失败 1 条（HTTP 503 ServiceUnavailable）：WO-20261206-0001（李工）",
            "APNs: 1 push not delivered (HTTP 503 ServiceUnavailable): WO-20261206-0001 (李工)",
        ),
        (
            "provider_auth",
            AUTH,
            "FCM 拒绝了服务器凭证（HTTP 401 UNAUTHENTICATED），经 FCM 的推送已全部暂停，"
            "2026-12-06 10:30 UTC 再试；请检查密钥、Team ID / 项目 ID 及有效期",
            "FCM refused the server's credentials (HTTP 401 UNAUTHENTICATED): every push through"
            " FCM is held, next try at 2026-12-06 10:30 UTC; check the key, team/project id and"
            " its expiry",
        ),
        (
            "provider_outage",
            OUTAGE,
            "APNs 服务异常（HTTP 503 ServiceUnavailable），"
            "自 2026-12-06 10:00 UTC 起 42 条推送等待发送",
            "APNs outage since 2026-12-06 10:00 UTC (HTTP 503 ServiceUnavailable): 42 pushes"
            " waiting",
        ),
        (
            "unacknowledged",
            UNACKNOWLEDGED,
            "P0 工单 WO-20261206-0002 已派给 李工，"
            "15 分钟内无人确认（iOS：已送达；Android：发送失败）",
            "P0 work order WO-20261206-0002 assigned to 李工: not acknowledged within 15 min"
            " (iOS: delivered; Android: failed)",
        ),
        (
            "report_failed",
            {"work_order_number": "WO-2026-000042", "attempts": 5, "error": "store down {x}"},
            "工单 WO-2026-000042 的维修报告 PDF 生成失败（已尝试 5 次），"
            "客户尚未收到：store down {x}",
            "The PDF report of work order WO-2026-000042 could not be made after 5 attempts; the"
            " customer has none: store down {x}",
        ),
    ],
)
def test_each_kind_in_both_languages(
    kind: str, details: dict[str, Any], chinese: str, english: str
) -> None:
    assert render(kind, details, "zh-CN") == chinese
    assert render(kind, details, "en") == english


def test_what_the_details_do_not_say_is_left_out_not_made_up() -> None:
    bare = {"provider": "fcm", "status_code": None, "reason": "", "notification_kind": "escalation"}
    assert render("dead_letter", bare, "zh-CN") == "FCM 推送失败 1 条（无应答）：escalation推送"
    assert (
        render("dead_letter", bare, "en")
        == "FCM: 1 push not delivered (no answer): escalation push"
    )
    no_device = {"work_order_number": "WO-9", "engineer": None, "minutes": 6, "deliveries": []}
    assert render("unacknowledged", no_device, "zh-CN") == (
        "P0 工单 WO-9，6 分钟内无人确认（工程师未登记推送设备）"
    )
    assert render("provider_auth", {"provider": "apns", "reason": "BadCertificate"}, "en") == (
        "APNs refused the server's credentials (BadCertificate): every push through APNs is held;"
        " check the key, team/project id and its expiry"
    )


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        ("dead_letter", {"delivery_id": "x", "status_code": 503}),  # before the new keys
        ("provider_outage", {"provider": "apns", "held": "many"}),
        ("unacknowledged", {"engineer": "李工", "minutes": 5}),  # not about a work order
        ("something_new", {"provider": "apns"}),
    ],
)
def test_the_stored_message_when_the_details_lack_what_the_template_needs(
    kind: str, details: dict[str, Any]
) -> None:
    assert render(kind, details, "zh-CN", fallback="the English message") == "the English message"


def test_locales() -> None:
    assert [normalize_locale(v) for v in ("zh-CN", "zh", "zh_Hans_CN", "", None, "fr")] == [
        "zh-CN"
    ] * 6
    assert [normalize_locale(v) for v in ("en", "en-GB", "EN_us")] == ["en"] * 3


def test_a_digest_groups_by_kind_and_provider_most_urgent_first() -> None:
    alerts = [
        *[Pending("dead_letter", {**DEAD, "work_order_number": f"WO-{n}"}, "") for n in range(12)],
        Pending("dead_letter", {**DEAD, "work_order_number": "WO-0"}, ""),  # a second device
        Pending("dead_letter", {**DEAD, "status_code": 410, "reason": "Unregistered"}, ""),
        Pending("dead_letter", {**DEAD, "provider": "fcm", "engineer": "王工"}, ""),
        Pending("unacknowledged", UNACKNOWLEDGED, ""),
        Pending("dead_letter", {"delivery_id": "x"}, "A push was not delivered (old alert)."),
        Pending("provider_outage", OUTAGE, ""),
        Pending("provider_auth", AUTH, ""),
        Pending("provider_auth", AUTH, ""),
    ]
    lines = render_digest("Cold Chain Co", alerts, "en").split("\n")
    assert lines[0] == "[fieldops] Cold Chain Co: 20 alerts"
    assert lines[1].startswith("• FCM refused the server's credentials")
    assert lines[1].endswith(" (2 times)")
    assert lines[2].startswith("• APNs outage since")
    assert lines[3] == (
        "• APNs: 14 pushes not delivered (HTTP 503 ServiceUnavailable ×13, HTTP 410 Unregistered"
        " ×1): WO-0 (李工) ×2, WO-1 (李工), WO-2 (李工), WO-3 (李工), WO-4 (李工), WO-5 (李工),"
        " WO-6 (李工), WO-7 (李工), WO-8 (李工), WO-9 (李工) and 3 more"
    )
    assert lines[4] == (
        "• FCM: 1 push not delivered (HTTP 503 ServiceUnavailable): WO-20261206-0001 (王工)"
    )
    assert lines[5] == "• A push was not delivered (old alert)."
    assert lines[6].startswith("• P0 work order WO-20261206-0002")
    assert len(lines) == 7


def test_at_most_ten_lines_per_group() -> None:
    alerts = [
        Pending("unacknowledged", {**UNACKNOWLEDGED, "work_order_number": f"WO-{n}"}, "")
        for n in range(13)
    ]
    lines = render_digest("演示冷链服务", alerts, "zh-CN").split("\n")
    assert lines[0] == "【fieldops】演示冷链服务：13 条告警"
    assert len(lines) == 12
    assert lines[-1] == "• ……另有 3 条"


def test_dingtalk_signature_and_fitting_a_robot() -> None:
    # Computed apart from Python:
    # printf '1577262236757\nSECxxx' | openssl dgst -sha256 -hmac SECxxx -binary | base64
    assert dingtalk_sign("SECxxx", 1577262236757) == "TajHYUQC5a6smO3qjKNgFiJalsQ51g5gqH0iiy2oY+o="
    text = "header\n" + "\n".join("行" * 100 for _ in range(20))
    cut = fit(text, 2000)
    assert len(cut.encode()) <= 2000
    assert cut.startswith("header\n")
    assert cut.endswith("\n…")
    assert fit("short", 2000) == "short"
