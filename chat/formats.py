"""The channels' wire formats, without I/O: signatures, WeChat's XML, the generic JSON, and how a
number and a phone number are read out of what people type.

WeChat signs only its query (Token, timestamp and nonce, as its server-configuration check),
not the body: the nonce claimed once per channel is what keeps a captured request from being
sent again with another sender or number. The generic style signs the timestamp and the body.
"""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import msgspec

from kernel.errors import DomainError
from mobile_contract.chat import ChatStatusQuery
from mobile_contract.errors import ErrorCode

SKEW_SECONDS = 300  # a timestamp further from the server's clock is refused
NONCE = re.compile(r"^[\x21-\x7e]{1,64}$(?!\n)")  # printable ASCII without spaces
# WeChat's ids: a follower's open id, the official account's own id (gh_…).
_WECHAT_ID = re.compile(r"^[A-Za-z0-9_@.-]{0,64}$(?!\n)")
_DASHES = "-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # NFKC leaves these as they are
_GAP = rf"[\s{re.escape(_DASHES)}]*"
_NUMBER = re.compile(rf"(?<![A-Z])WO{_GAP}(\d{{4}}){_GAP}(\d{{1,9}})(?!\d)")
_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
MIN_PHONE_DIGITS = 6  # fewer is no phone number anybody can be recognised by


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted((token, timestamp, nonce))).encode()).hexdigest()  # noqa: S324 - WeChat's algorithm


def generic_signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    """Compared in constant time (hex, either case)."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("ascii", "replace"))


def number_in(text: str) -> str:
    """The first work-order number in ``text``, as the tenant writes it (``WO-2026-000123``),
    whatever its case, width or dashes; "" when there is none."""
    found = _NUMBER.search(unicodedata.normalize("NFKC", text).upper())
    if found is None:
        return ""
    year, counter = found.groups()
    return f"WO-{year}-{int(counter):06d}"


def phone_key(phone: str) -> str:
    """A phone number as digits only, so its spellings compare equal: an international prefix
    (``00``, ``+``) and China's country code before a national number are dropped, and a
    landline's trunk ``0`` (``+86 10 …`` is ``010 …``). "" when too short to be one."""
    digits = "".join(c for c in unicodedata.normalize("NFKC", phone) if "0" <= c <= "9")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) in (12, 13):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = digits[1:]
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


def _invalid(message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_FAILED, message)


@dataclass(frozen=True, slots=True)
class WeChatMessage:
    """What a follower sent the official account (``account``: the account's own id)."""

    account: str
    open_id: str
    kind: str  # text, image, voice, event, ...
    text: str


def read_wechat(body: bytes) -> WeChatMessage:
    """WeChat's XML message (a DTD is refused before parsing: no entity is ever expanded)."""
    if _DECLARATIONS.search(body):
        raise _invalid("The WeChat message may not declare a DTD or entities.")
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - no DTD, so no entity to expand
    except ElementTree.ParseError as error:
        raise _invalid(f"The body is not WeChat's XML message: {error}.") from None
    fields = {child.tag: (child.text or "").strip() for child in root}
    message = WeChatMessage(
        account=fields.get("ToUserName", ""),
        open_id=fields.get("FromUserName", ""),
        kind=fields.get("MsgType", ""),
        text=fields.get("Content", ""),
    )
    if root.tag != "xml" or not message.open_id:
        raise _invalid("The body is not WeChat's XML message (<xml> with FromUserName).")
    if not (_WECHAT_ID.match(message.open_id) and _WECHAT_ID.match(message.account)):
        raise _invalid("ToUserName and FromUserName must be WeChat ids.")
    return message


def wechat_reply(message: WeChatMessage, *, created: str, content: str) -> bytes:
    """A passive text reply to ``message`` (stamped with the request's own time, so the answer
    depends on nothing but the request and its outcome)."""
    return (
        f"<xml><ToUserName>{escape(message.open_id)}</ToUserName>"
        f"<FromUserName>{escape(message.account)}</FromUserName>"
        f"<CreateTime>{int(created)}</CreateTime><MsgType>text</MsgType>"
        f"<Content>{escape(content)}</Content></xml>"
    ).encode()


_GENERIC = msgspec.json.Decoder(ChatStatusQuery)


def read_generic(body: bytes) -> ChatStatusQuery:
    try:
        return _GENERIC.decode(body)
    except msgspec.ValidationError as error:
        raise _invalid(f"The query is not valid: {error}.") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise DomainError(
            ErrorCode.MALFORMED_JSON, f"The request body is not valid JSON: {error}."
        ) from None
