"""The login policy the accounts controller is given (``login_policy``, provided by
server/app.py) is the one the settings describe."""

from dataclasses import fields

from server.settings import Settings
from server.state import login_policy


def test_the_login_policy_is_the_settings(settings: Settings) -> None:
    policy = login_policy(settings)
    assert policy.free_failures == settings.login_free_failures
    assert policy.max_delay_seconds == settings.login_max_delay_seconds
    assert policy.window_seconds == settings.login_failure_window_seconds
    assert policy.burst_failures == settings.login_burst_failures
    assert policy.burst_window_seconds == settings.login_burst_window_seconds
    assert len(fields(policy)) == 5  # a new knob needs its setting here too
