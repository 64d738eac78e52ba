"""``FIELDOPS_ALERT_WEBHOOKS`` (robots, their secrets and mentions) and the pacing setting,
parsed, refused with a message naming what is wrong (never the secret), and wired into the
channels the relay's sender posts to."""

import pytest

from push.webhooks import LogChannel, WebhookChannel
from server.relay import build_alert_channels
from server.settings import AlertWebhook, Settings, SettingsError

KEY = "s" * 40
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
SECRET = "SEC" + "0f" * 32


def settings(webhooks: str, **env: str) -> Settings:
    return Settings.from_env(
        {"FIELDOPS_SECRET_KEY": KEY, "FIELDOPS_ALERT_WEBHOOKS": webhooks, **env}
    )


def test_robots_with_secrets_and_mentions() -> None:
    parsed = settings(
        f" generic=https://hooks.example/oncall , dingtalk={DINGTALK};secret={SECRET};"
        f"at=13800000000|13900000000, wecom={WECOM};at=all|+86-13700000000,"
    ).alert_webhook_list()
    assert parsed == [
        AlertWebhook("generic", "https://hooks.example/oncall"),
        AlertWebhook("dingtalk", DINGTALK, SECRET, ("13800000000", "13900000000")),
        AlertWebhook("wecom", WECOM, "", ("+86-13700000000",), at_all=True),
    ]
    assert Settings.from_env({"FIELDOPS_SECRET_KEY": KEY}).alert_webhook_list() == []


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("slack=https://hooks.example", "entry 1 (slack): expected STYLE=URL"),
        ("dingtalk", "entry 1 (dingtalk): expected STYLE=URL"),
        ("generic=ftp://hooks.example", "entry 1 (generic): expected STYLE=URL"),
        ("dingtalk=https://oapi.dingtalk.com/robot/send", "?access_token="),
        (f"generic=https://a.example,wecom={WECOM.split('?')[0]}", "entry 2 (wecom)"),
        (f"wecom={WECOM};secret={SECRET}", "WeCom's key goes in its URL"),
        (f"dingtalk={DINGTALK};secret=abc", "secret= is DingTalk's 加签 secret (SEC…"),
        (f"dingtalk={DINGTALK};at=Li Ming", "at= takes mobile numbers"),
        (f"dingtalk={DINGTALK};at=", "options are secret=… and at=…"),
        (f"dingtalk={DINGTALK};mention=13800000000", "options are secret=… and at=…"),
        (f"dingtalk={DINGTALK};secret={SECRET};secret={SECRET}", "each once"),
        ("generic=https://a.example;at=13800000000", "for dingtalk and wecom robots"),
    ],
)
def test_a_malformed_webhook_is_refused_with_a_clear_message(value: str, complaint: str) -> None:
    with pytest.raises(SettingsError) as refused:
        settings(value)
    message = str(refused.value)
    assert message.startswith("FIELDOPS_ALERT_WEBHOOKS: ")
    assert complaint in message
    assert SECRET not in message
    assert "abc123" not in message


def test_the_pacing_interval() -> None:
    assert settings("").alert_min_interval_seconds == 20
    assert settings("", FIELDOPS_ALERT_MIN_INTERVAL_SECONDS="0").alert_min_interval_seconds == 0
    for bad in ("-1", "soon"):
        with pytest.raises(SettingsError, match=r"^FIELDOPS_ALERT_MIN_INTERVAL_SECONDS:"):
            settings("", FIELDOPS_ALERT_MIN_INTERVAL_SECONDS=bad)


async def test_channels_from_the_settings() -> None:
    (log,) = build_alert_channels(settings(""))
    assert isinstance(log, LogChannel)
    channels = build_alert_channels(
        settings(
            f"dingtalk={DINGTALK};secret={SECRET};at=13800000000|all,"
            f"dingtalk={DINGTALK.replace('abc123', 'def456')},wecom={WECOM}"
        )
    )
    assert all(isinstance(channel, WebhookChannel) for channel in channels)
    # Names are what an alert records as "taken by": two robots of a style need two.
    assert [channel.name for channel in channels] == [
        "dingtalk webhook",
        "dingtalk webhook 2",
        "wecom webhook",
    ]
    first = channels[0]
    assert isinstance(first, WebhookChannel)
    assert (first.secret, first.at_mobiles, first.at_all) == (SECRET, ("13800000000",), True)
    await first.client.aclose()
