"""The push relay composed from the settings, for the API process and ``fieldops worker``."""

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx

from kernel.db import Database
from push.alerts import AlertSender
from push.apns import ApnsConfig, ApnsProvider
from push.fcm import FcmConfig, FcmProvider
from push.providers import LogProvider, Provider
from push.relay import Relay
from push.retry import RetryPolicy
from push.webhooks import Channel, LogChannel, WebhookChannel
from server.settings import Settings


def build_relay(*, db: Database, settings: Settings) -> Relay:
    """APNs and FCM where their credentials are configured; a platform without them goes to
    the ``log`` provider (recorded as ``logged``, never as ``delivered``)."""
    providers: dict[str, Provider] = {"apns": LogProvider(), "fcm": LogProvider()}
    if settings.apns_key_file:
        providers["apns"] = ApnsProvider(
            ApnsConfig(
                team_id=settings.apns_team_id,
                key_id=settings.apns_key_id,
                private_key_pem=Path(settings.apns_key_file).read_text(encoding="utf-8"),
                production_url=settings.apns_production_url,
                sandbox_url=settings.apns_sandbox_url,
                ca_file=settings.apns_ca_file or None,
            )
        )
    if settings.fcm_service_account_file:
        key_file = Path(settings.fcm_service_account_file)
        providers["fcm"] = FcmProvider(
            FcmConfig(
                service_account=json.loads(key_file.read_text(encoding="utf-8")),
                project_id=settings.fcm_project_id,
                endpoint=settings.fcm_endpoint,
                ca_file=settings.fcm_ca_file or None,
            )
        )
    policy = RetryPolicy(max_retries=settings.push_max_retries)
    lease = timedelta(seconds=settings.push_lease_seconds)
    sender = AlertSender(
        db=db,
        channels=build_alert_channels(settings),
        min_interval=timedelta(seconds=settings.alert_min_interval_seconds),
    )
    return Relay(
        db=db,
        providers=providers,
        policy=policy,
        lease=lease,
        alert_sender=sender,
        ack_timeout=timedelta(seconds=settings.push_ack_timeout_seconds),
    )


def build_alert_channels(settings: Settings) -> list[Channel]:
    """The configured webhooks (the server log when none). A second robot of one style is
    named ``dingtalk webhook 2``: alerts record each channel that took them by name."""
    webhooks = settings.alert_webhook_list()
    if not webhooks:
        return [LogChannel()]
    client = httpx.AsyncClient(timeout=10)
    channels: list[Channel] = []
    seen: Counter[str] = Counter()
    for hook in webhooks:
        seen[hook.style] += 1
        channels.append(
            WebhookChannel(
                hook.style,
                hook.url,
                client,
                secret=hook.secret,
                at_mobiles=hook.at_mobiles,
                at_all=hook.at_all,
                label=f"{hook.style} webhook"
                + (f" {seen[hook.style]}" if seen[hook.style] > 1 else ""),
            )
        )
    return channels
