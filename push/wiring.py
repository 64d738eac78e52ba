"""Builds the relay from the settings, for the API process and for ``fieldops worker``."""

from kernel.db import Database
from push.providers import LogProvider, Provider
from push.relay import Relay, RetryPolicy


def build_relay(*, db: Database, max_retries: int) -> Relay:
    """APNs and FCM deliveries go to the ``log`` provider until credentials are configured."""
    providers: dict[str, Provider] = {"apns": LogProvider(), "fcm": LogProvider()}
    return Relay(db=db, providers=providers, policy=RetryPolicy(max_retries=max_retries))
