"""The push relay composed from the settings, for the API process and ``fieldops worker``."""

import json
from datetime import timedelta
from pathlib import Path

import httpx

from kernel.db import Database
from push.alerts import AlertSender, Channel, LogChannel, WebhookChannel
from push.apns import ApnsConfig, ApnsProvider
from push.fcm import FcmConfig, FcmProvider
from push.providers import LogProvider, Provider
from push.relay import Relay, RetryPolicy
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
    channels: list[Channel] = [LogChannel()]
    webhooks = settings.alert_webhook_list()
    if webhooks:
        client = httpx.AsyncClient(timeout=10)
        channels = [WebhookChannel(style, url, client) for style, url in webhooks]
    sender = AlertSender(db=db, channels=channels)
    return Relay(
        db=db,
        providers=providers,
        policy=policy,
        lease=lease,
        alert_sender=sender,
        ack_timeout=timedelta(seconds=settings.push_ack_timeout_seconds),
    )
