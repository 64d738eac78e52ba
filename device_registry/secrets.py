"""Terminal secrets at rest. HMAC needs the secret itself, so it cannot be hashed like a
password: it is encrypted with AES-256-GCM under a key derived from the server's secret key
(HKDF, a label of its own), with the terminal's id as associated data, so a ciphertext copied
onto another terminal's row does not decrypt."""

import base64
import secrets
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_LABEL = b"fieldops terminal secrets v1"
_NONCE_BYTES = 12


def new_secret() -> str:
    """256 random bits as 64 hex characters: easy to paste into firmware, no escaping."""
    return secrets.token_hex(32)


class SecretBox:
    def __init__(self, server_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
            server_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, terminal_id: UUID, secret: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), terminal_id.bytes)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, terminal_id: UUID, sealed: str) -> str:
        """The secret (``cryptography.exceptions.InvalidTag`` when the server key changed or
        the row was tampered with)."""
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], terminal_id.bytes
        ).decode()
