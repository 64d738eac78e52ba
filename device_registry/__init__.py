"""Engineers' mobile devices (push tokens, platform, app version, locale, time zone) and IoT
terminals (identity, credentials, heartbeat)."""
