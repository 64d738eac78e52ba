"""Access-token verification: verified once per token, but expiry and tampering always count."""

import time
import uuid
from datetime import UTC, datetime

import pytest

from accounts import tokens
from accounts.tokens import TokenConfig, decode_access_token, issue_access_token
from kernel.errors import DomainError

CONFIG = TokenConfig(
    signing_key="unit-test-key-0123456789-abcdefghijklmnop",
    access_ttl_seconds=60,
    refresh_ttl_seconds=3600,
)


def _token(config: TokenConfig = CONFIG) -> tuple[str, uuid.UUID]:
    user = uuid.uuid4()
    token = issue_access_token(
        config=config,
        user_id=user,
        tenant_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        now=datetime.now(UTC),
    )
    return token, user


def test_a_verified_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token, user = _token()
    assert decode_access_token(config=CONFIG, token=token).user_id == user
    assert decode_access_token(config=CONFIG, token=token).user_id == user  # from the cache
    later = time.time() + 61
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(DomainError) as raised:
        decode_access_token(config=CONFIG, token=token)
    assert raised.value.code == "token_expired"


def test_a_verified_token_does_not_verify_under_another_key() -> None:
    token, _ = _token()
    decode_access_token(config=CONFIG, token=token)
    other = TokenConfig(
        signing_key="another-key-" + "x" * 40, access_ttl_seconds=60, refresh_ttl_seconds=1
    )
    with pytest.raises(DomainError) as raised:
        decode_access_token(config=other, token=token)
    assert raised.value.code == "token_invalid"


def test_a_tampered_token_is_refused_after_the_original_was_verified() -> None:
    token, _ = _token()
    decode_access_token(config=CONFIG, token=token)
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(DomainError) as raised:
        decode_access_token(config=CONFIG, token=tampered)
    assert raised.value.code == "token_invalid"
