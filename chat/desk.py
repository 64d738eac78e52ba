"""What the chat routes are given by the composition root: the channels' keys, the address the
portal links point at, and the limits on queries.

A channel's shared secret is used again in clear (an HMAC key, WeChat's Token), so it is
sealed rather than hashed (``kernel.sealing``, a label of chat's own, the channel's id as
associated data). Who asked is kept only as a keyed hash of their normalised phone or open id:
a plain SHA-256 of a phone number is reversed by trying every number, a keyed one is not
without the server key.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from kernel.sealing import Sealer, derived_key

# The per-address limit of the webhook (before anything is read): a platform's servers are few
# addresses shared by all its users, so it is far above a portal visitor's.
PER_ADDRESS_PER_MINUTE = 1_200

_SECRETS_LABEL = b"fieldops chat channel secrets v1"
_SENDERS_LABEL = b"fieldops chat senders v1"


def new_secret() -> str:
    """128 random bits as 32 hex characters: what WeChat takes as a Token (3 to 32 letters
    and digits), and plenty for an HMAC key."""
    return secrets.token_hex(16)


class ChatKeys:
    def __init__(self, server_key: str) -> None:
        self._sealer = Sealer(server_key, _SECRETS_LABEL)
        self._senders = derived_key(server_key, _SENDERS_LABEL)

    def seal(self, channel_id: UUID, secret: str) -> str:
        return self._sealer.seal(channel_id.bytes, secret)

    def open(self, channel_id: UUID, sealed: str) -> str:
        """The secret (``InvalidTag``/``ValueError`` when the server key changed or the value
        was moved or tampered with)."""
        return self._sealer.open(channel_id.bytes, sealed)

    def sender_hash(self, sender: str) -> str:
        return hmac.new(self._senders, sender.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Limits:
    """Queries a sender may make through a channel, and a channel altogether, per window.
    A sender's limit keeps anyone from trying numbers; a channel's keeps a flood (of made-up
    senders) from becoming work orders' worth of links."""

    per_sender: int = 10
    sender_window: timedelta = timedelta(minutes=10)
    per_channel: int = 600
    channel_window: timedelta = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ChatDesk:
    keys: ChatKeys
    public_url: str  # the portal links' and the webhook's address (``Settings.base_url``)
    limits: Limits = field(default_factory=Limits)

    def webhook_url(self, channel_id: UUID) -> str:
        return f"{self.public_url}/api/v1/chat/status-query?channel={channel_id}"

    def portal_url(self, token: str) -> str:
        return f"{self.public_url}/p/{token}"
