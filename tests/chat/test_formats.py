# ruff: noqa: RUF001  (full-width characters and dashes are what is tested)
"""What people type is read the same however they type it; secrets sealed for one channel open
for that channel only."""

import hashlib
import uuid

import pytest
from cryptography.exceptions import InvalidTag

from chat import formats
from chat.desk import ChatKeys
from kernel.sealing import Sealer


@pytest.mark.parametrize(
    "text",
    [
        "WO-2026-000123",
        "wo-2026-000123",
        "查询 WO-2026-000123",
        "查询WO-2026-000123谢谢",
        "ＷＯ－２０２６－０００１２３",
        "WO 2026 000123",
        "WO2026000123",
        "WO-2026–000123",
        "wo_2026_123",
    ],
)
def test_a_number_is_read_in_any_case_width_and_dash(text: str) -> None:
    assert formats.number_in(text) == "WO-2026-000123"


@pytest.mark.parametrize(
    "text", ["", "hello", "WO-12", "WO-2026-", "TWO-2026-000123", "WO-2026-0001234567890"]
)
def test_text_without_a_number_reads_as_none(text: str) -> None:
    assert formats.number_in(text) == ""


def test_the_first_number_is_the_one_asked() -> None:
    assert formats.number_in("WO-2026-000007 or WO-2026-000008") == "WO-2026-000007"


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (
            ["+86 138 0013 8000", "8613800138000", "13800138000", "0086-138-0013-8000"],
            "13800138000",
        ),
        (["+86 10 1234 5678", "010 1234 5678", "(010) 12345678"], "1012345678"),
        (["+44 20 7946 0958", "0044 20 7946 0958"], "442079460958"),
        (["", "123", "+86"], ""),
    ],
)
def test_a_phone_number_compares_equal_in_its_usual_spellings(
    spellings: list[str], key: str
) -> None:
    assert {formats.phone_key(phone) for phone in spellings} == {key}


def test_wechats_signature_is_its_documented_sha1() -> None:
    # The sorted concatenation of timestamp, Token and nonce.
    expected = hashlib.sha1(b"1409304348TOKENnonce123").hexdigest()
    assert formats.wechat_signature("TOKEN", "1409304348", "nonce123") == expected
    assert formats.same_signature(expected, expected.upper())
    assert not formats.same_signature(expected, expected[:-1] + "0")
    assert not formats.same_signature(expected, "签名")


def test_a_sealed_secret_opens_only_for_its_channel_and_its_kind() -> None:
    keys = ChatKeys("server-key-0123456789-0123456789")
    channel, other = uuid.uuid4(), uuid.uuid4()
    sealed = keys.seal(channel, "s3cret")
    assert sealed != keys.seal(channel, "s3cret")  # a fresh nonce each time
    assert keys.open(channel, sealed) == "s3cret"
    with pytest.raises(InvalidTag):
        keys.open(other, sealed)
    with pytest.raises(InvalidTag):
        ChatKeys("another-server-key-0123456789-01").open(channel, sealed)
    with pytest.raises(InvalidTag):
        Sealer("server-key-0123456789-0123456789", b"another label").open(channel.bytes, sealed)
    with pytest.raises(ValueError, match=r"base64|sealed"):
        keys.open(channel, "not sealed")
    assert keys.sender_hash("phone:13800138000") == keys.sender_hash("phone:13800138000")
    assert "13800138000" not in keys.sender_hash("phone:13800138000")
