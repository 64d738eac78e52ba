"""One typed settings object, read from environment variables when asked (never at import)."""

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"expected a positive integer, got {raw!r}")
    return value


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected 0 or a positive integer, got {raw!r}")
    return value


def _poll_seconds(raw: str) -> float:
    value = float(raw)
    if not 0.05 <= value <= 5:  # an SLA timer may fire at most 5 s late
        raise ValueError(f"expected seconds between 0.05 and 5, got {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class AlertWebhook:
    """One on-call webhook of ``FIELDOPS_ALERT_WEBHOOKS``."""

    style: str  # generic, dingtalk, wecom
    url: str
    secret: str = ""  # DingTalk 加签 (SEC…)
    at_mobiles: tuple[str, ...] = ()  # mentioned in every post (DingTalk, WeCom)
    at_all: bool = False


_ALERT_STYLES = ("generic", "dingtalk", "wecom")
_URL_KEY = {"dingtalk": "access_token", "wecom": "key"}  # the robot's token, in its URL
_MOBILE = re.compile(r"\+?[0-9][0-9-]{4,19}")


def parse_alert_webhooks(raw: str) -> list[AlertWebhook]:
    """Comma-separated ``STYLE=URL[;secret=SEC…][;at=MOBILE|MOBILE|all]`` entries. Errors name
    the entry by position and never repeat its URL or secret (they end up in logs)."""
    webhooks = []
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    for number, entry in enumerate(entries, start=1):
        head, *options = [part.strip() for part in entry.split(";")]
        style, _, url = (part.strip() for part in head.partition("="))
        where = f"entry {number} ({style or '?'})"
        if style not in _ALERT_STYLES or not url.startswith(("http://", "https://")):
            raise ValueError(
                f"{where}: expected STYLE=URL, STYLE one of {', '.join(_ALERT_STYLES)} and an "
                "http(s) URL"
            )
        token = _URL_KEY.get(style)
        if token and not parse_qs(urlsplit(url).query).get(token):
            raise ValueError(f"{where}: the robot's webhook URL carries ?{token}=…; it has none")
        found: dict[str, str] = {}
        for option in options:
            name, equals, value = (part.strip() for part in option.partition("="))
            if not equals or not value or name not in ("secret", "at") or name in found:
                raise ValueError(f"{where}: options are secret=… and at=…, each once")
            found[name] = value
        secret = found.get("secret", "")
        if secret and (style != "dingtalk" or not secret.startswith("SEC")):
            raise ValueError(
                f"{where}: secret= is DingTalk's 加签 secret (SEC…, from the robot's security "
                "settings); WeCom's key goes in its URL"
            )
        mentions = [m.strip() for m in found.get("at", "").split("|") if m.strip()]
        if mentions and style == "generic":
            raise ValueError(f"{where}: at= mentions are for dingtalk and wecom robots")
        mobiles = tuple(m for m in mentions if m != "all")
        if not all(_MOBILE.fullmatch(mobile) for mobile in mobiles):
            raise ValueError(f"{where}: at= takes mobile numbers separated by |, or all")
        webhooks.append(AlertWebhook(style, url, secret, mobiles, "all" in mentions))
    return webhooks


@dataclass(frozen=True, slots=True)
class Settings:
    """Every field has ``metadata={"env": NAME, "doc": ...}``; the README table mirrors them."""

    dev_mode: bool = False
    database_url: str = "sqlite:///var/fieldops.db"
    secret_key: str = ""
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    access_token_ttl_seconds: int = 900
    caller_cache_seconds: int = 5  # how long a process remembers a token's caller
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    max_request_bytes: int = 1_048_576
    db_pool_size: int = 10
    auth_rate_limit_per_minute: int = 30
    portal_rate_limit_per_minute: int = 120
    login_free_failures: int = 5  # per account, before each further attempt waits
    login_max_delay_seconds: int = 900  # the longest wait (2^(n - free failures) s until then)
    login_failure_window_seconds: int = 3600  # failures forgotten after this without one
    login_burst_failures: int = 50  # failed logins across a tenant that alert on-call …
    login_burst_window_seconds: int = 300  # … within this
    min_app_version: str = ""
    trust_forwarded_for: bool = False
    trusted_proxy_hops: int = 1  # proxies of ours appending to X-Forwarded-For
    log_level: str = "INFO"
    push_relay_in_process: bool = True
    sla_poll_seconds: float = 1.0  # how often the SLA timer worker looks for due timers
    push_max_retries: int = 3
    push_lease_seconds: int = 60
    apns_team_id: str = ""
    apns_key_id: str = ""
    apns_key_file: str = ""
    apns_production_url: str = "https://api.push.apple.com"
    apns_sandbox_url: str = "https://api.sandbox.push.apple.com"
    apns_ca_file: str = ""
    fcm_service_account_file: str = ""
    fcm_project_id: str = ""
    fcm_endpoint: str = "https://fcm.googleapis.com"
    fcm_ca_file: str = ""
    push_ack_timeout_seconds: int = 300
    notify_timeout_seconds: int = 10  # an SMS gateway's, WeChat's or a robot's answer
    alert_webhooks: str = ""
    alert_min_interval_seconds: int = 20  # per channel: DingTalk's robots take 20 a minute
    public_url: str = ""  # how clients reach this server (signed local media links)
    media_store: str = "local"  # local (a directory) or s3 (MinIO or any S3)
    media_dir: str = ""  # the local store's directory; default: FIELDOPS_VAR_DIR/media
    s3_endpoint: str = ""
    s3_public_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "fieldops"
    s3_region: str = "us-east-1"
    evidence_retention_days: int = 3 * 365  # object-lock retention of verified evidence
    mqtt_url: str = "mqtt://127.0.0.1:1883"  # the broker `fieldops mqtt` subscribes to
    mqtt_client_id: str = "fieldops-ingest"  # its persistent session at the broker
    mqtt_username: str = ""  # the broker's login, when it wants one
    mqtt_password: str = ""
    # What `fieldops mqtt` subscribes to: narrower to share a broker with another deployment,
    # or $share/GROUP/fieldops/+/+/alarms for several ingest processes (PostgreSQL) to share it.
    mqtt_topic_filter: str = "fieldops/+/+/alarms"
    alarm_debounce_seconds: int = 300  # repeats of an open fault: one timeline entry per window
    # The CJK font the PDF resolution report embeds (a .ttf, .otf or .ttc); empty: the one
    # scripts/bootstrap installs (reports/fonts.py says where it looks).
    report_font: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = ENV_NAMES[field.name]
            if name not in env:
                continue
            parse = _PARSERS.get(field.name, str)
            try:
                values[field.name] = parse(env[name])
            except ValueError as error:
                raise SettingsError(f"{name}: {error}") from None
        if "database_url" not in values:  # the embedded database lives with the local state
            default_var_dir = next(f.default for f in fields(cls) if f.name == "var_dir")
            var_dir = values.get("var_dir", default_var_dir)
            values["database_url"] = f"sqlite:///{Path(var_dir) / 'fieldops.db'}"
        settings = cls(**values)
        if not settings.dev_mode and not settings.secret_key:
            raise SettingsError(
                "FIELDOPS_SECRET_KEY is required outside dev mode "
                "(set FIELDOPS_DEV_MODE=true to generate one under FIELDOPS_VAR_DIR)."
            )
        apns = (settings.apns_team_id, settings.apns_key_id, settings.apns_key_file)
        if any(apns) and not all(apns):
            raise SettingsError(
                "APNs needs FIELDOPS_APNS_TEAM_ID, FIELDOPS_APNS_KEY_ID and "
                "FIELDOPS_APNS_KEY_FILE together (or none: the log provider)."
            )
        try:
            settings.alert_webhook_list()
        except ValueError as error:
            raise SettingsError(f"FIELDOPS_ALERT_WEBHOOKS: {error}") from None
        if settings.media_store not in {"local", "s3"}:
            raise SettingsError("FIELDOPS_MEDIA_STORE: local or s3.")
        if settings.media_store == "s3" and not (
            settings.s3_endpoint.startswith(("http://", "https://"))
            and settings.s3_access_key
            and settings.s3_secret_key
        ):
            raise SettingsError(
                "FIELDOPS_MEDIA_STORE=s3 needs FIELDOPS_S3_ENDPOINT (http:// or https://), "
                "FIELDOPS_S3_ACCESS_KEY and FIELDOPS_S3_SECRET_KEY."
            )
        if settings.secret_key and len(settings.secret_key) < 32:
            raise SettingsError("FIELDOPS_SECRET_KEY: use at least 32 characters.")
        return settings

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def media_root(self) -> Path:
        return Path(self.media_dir) if self.media_dir else self.var_dir / "media"

    def alert_webhook_list(self) -> list[AlertWebhook]:
        """The on-call webhooks (``ValueError`` when malformed; ``from_env`` checks them)."""
        return parse_alert_webhooks(self.alert_webhooks)

    def signing_key(self) -> str:
        """The configured key; in dev mode one generated once and kept under ``var_dir``."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


ENV_NAMES: dict[str, str] = {
    "dev_mode": "FIELDOPS_DEV_MODE",
    "database_url": "DATABASE_URL",
    "secret_key": "FIELDOPS_SECRET_KEY",
    "var_dir": "FIELDOPS_VAR_DIR",
    "host": "FIELDOPS_HOST",
    "port": "FIELDOPS_PORT",
    "access_token_ttl_seconds": "FIELDOPS_ACCESS_TOKEN_TTL_SECONDS",
    "refresh_token_ttl_seconds": "FIELDOPS_REFRESH_TOKEN_TTL_SECONDS",
    "caller_cache_seconds": "FIELDOPS_CALLER_CACHE_SECONDS",
    "max_request_bytes": "FIELDOPS_MAX_REQUEST_BYTES",
    "db_pool_size": "FIELDOPS_DB_POOL_SIZE",
    "auth_rate_limit_per_minute": "FIELDOPS_AUTH_RATE_LIMIT_PER_MINUTE",
    "portal_rate_limit_per_minute": "FIELDOPS_PORTAL_RATE_LIMIT_PER_MINUTE",
    "login_free_failures": "FIELDOPS_LOGIN_FREE_FAILURES",
    "login_max_delay_seconds": "FIELDOPS_LOGIN_MAX_DELAY_SECONDS",
    "login_failure_window_seconds": "FIELDOPS_LOGIN_FAILURE_WINDOW_SECONDS",
    "login_burst_failures": "FIELDOPS_LOGIN_BURST_FAILURES",
    "login_burst_window_seconds": "FIELDOPS_LOGIN_BURST_WINDOW_SECONDS",
    "min_app_version": "FIELDOPS_MIN_APP_VERSION",
    "trust_forwarded_for": "FIELDOPS_TRUST_FORWARDED_FOR",
    "trusted_proxy_hops": "FIELDOPS_TRUSTED_PROXY_HOPS",
    "log_level": "FIELDOPS_LOG_LEVEL",
    "push_relay_in_process": "FIELDOPS_PUSH_RELAY_IN_PROCESS",
    "sla_poll_seconds": "FIELDOPS_SLA_POLL_SECONDS",
    "push_max_retries": "FIELDOPS_PUSH_MAX_RETRIES",
    "push_lease_seconds": "FIELDOPS_PUSH_LEASE_SECONDS",
    "apns_team_id": "FIELDOPS_APNS_TEAM_ID",
    "apns_key_id": "FIELDOPS_APNS_KEY_ID",
    "apns_key_file": "FIELDOPS_APNS_KEY_FILE",
    "apns_production_url": "FIELDOPS_APNS_PRODUCTION_URL",
    "apns_sandbox_url": "FIELDOPS_APNS_SANDBOX_URL",
    "apns_ca_file": "FIELDOPS_APNS_CA_FILE",
    "fcm_service_account_file": "FIELDOPS_FCM_SERVICE_ACCOUNT_FILE",
    "fcm_project_id": "FIELDOPS_FCM_PROJECT_ID",
    "fcm_endpoint": "FIELDOPS_FCM_ENDPOINT",
    "fcm_ca_file": "FIELDOPS_FCM_CA_FILE",
    "push_ack_timeout_seconds": "FIELDOPS_PUSH_ACK_TIMEOUT_SECONDS",
    "notify_timeout_seconds": "FIELDOPS_NOTIFY_TIMEOUT_SECONDS",
    "alert_webhooks": "FIELDOPS_ALERT_WEBHOOKS",
    "alert_min_interval_seconds": "FIELDOPS_ALERT_MIN_INTERVAL_SECONDS",
    "public_url": "FIELDOPS_PUBLIC_URL",
    "media_store": "FIELDOPS_MEDIA_STORE",
    "media_dir": "FIELDOPS_MEDIA_DIR",
    "s3_endpoint": "FIELDOPS_S3_ENDPOINT",
    "s3_public_endpoint": "FIELDOPS_S3_PUBLIC_ENDPOINT",
    "s3_access_key": "FIELDOPS_S3_ACCESS_KEY",
    "s3_secret_key": "FIELDOPS_S3_SECRET_KEY",
    "s3_bucket": "FIELDOPS_S3_BUCKET",
    "s3_region": "FIELDOPS_S3_REGION",
    "evidence_retention_days": "FIELDOPS_EVIDENCE_RETENTION_DAYS",
    "mqtt_url": "FIELDOPS_MQTT_URL",
    "mqtt_client_id": "FIELDOPS_MQTT_CLIENT_ID",
    "mqtt_username": "FIELDOPS_MQTT_USERNAME",
    "mqtt_password": "FIELDOPS_MQTT_PASSWORD",
    "mqtt_topic_filter": "FIELDOPS_MQTT_TOPIC_FILTER",
    "alarm_debounce_seconds": "FIELDOPS_ALARM_DEBOUNCE_SECONDS",
    "report_font": "FIELDOPS_REPORT_FONT",
}

_PARSERS: dict[str, Callable[[str], Any]] = {
    "dev_mode": _bool,
    "var_dir": Path,
    "port": _positive_int,
    "access_token_ttl_seconds": _positive_int,
    "refresh_token_ttl_seconds": _positive_int,
    "max_request_bytes": _positive_int,
    "caller_cache_seconds": _non_negative_int,
    "db_pool_size": _positive_int,
    "auth_rate_limit_per_minute": _positive_int,
    "portal_rate_limit_per_minute": _positive_int,
    "login_free_failures": _positive_int,
    "login_max_delay_seconds": _positive_int,
    "login_failure_window_seconds": _positive_int,
    "login_burst_failures": _positive_int,
    "login_burst_window_seconds": _positive_int,
    "trust_forwarded_for": _bool,
    "trusted_proxy_hops": _positive_int,
    "push_relay_in_process": _bool,
    "sla_poll_seconds": _poll_seconds,
    "push_max_retries": int,
    "push_lease_seconds": _positive_int,
    "push_ack_timeout_seconds": _positive_int,
    "notify_timeout_seconds": _positive_int,
    "alert_min_interval_seconds": _non_negative_int,
    "evidence_retention_days": _positive_int,
    "alarm_debounce_seconds": _non_negative_int,
}
