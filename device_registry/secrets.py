"""Terminal secrets at rest. HMAC needs the secret itself, so it cannot be hashed like a
password: it is sealed (``kernel.sealing``: AES-256-GCM under a key derived from the server's
secret key with a label of its own), with the terminal's id as associated data, so a
ciphertext copied onto another terminal's row does not decrypt."""

import secrets
from uuid import UUID

from kernel import sealing

_LABEL = b"fieldops terminal secrets v1"


def new_secret() -> str:
    """256 random bits as 64 hex characters: easy to paste into firmware, no escaping."""
    return secrets.token_hex(32)


class SecretBox:
    def __init__(self, server_key: str) -> None:
        self._box = sealing.Sealer(server_key, _LABEL)

    def seal(self, terminal_id: UUID, secret: str) -> str:
        return self._box.seal(terminal_id.bytes, secret)

    def open(self, terminal_id: UUID, sealed: str) -> str:
        """The secret (``cryptography.exceptions.InvalidTag`` when the server key changed or
        the row was tampered with)."""
        return self._box.open(terminal_id.bytes, sealed)
