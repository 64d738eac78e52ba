"""Secrets kept at rest that the server must use again in clear (an HMAC key, a credential it
sends on), so they cannot be hashed like passwords.

Each is sealed with AES-256-GCM under a key derived from the server's secret key by HKDF with
a label of the owner's own: one kind of secret's key never opens another kind. The caller's
associated data (the owning row's id, the field's name) binds a sealed value to its place, so
one copied onto another row or into another column does not open. Rotating the server key
makes every sealed value unreadable: the owners must be given new secrets.
"""

import base64
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12


def derived_key(server_key: str, label: bytes) -> bytes:
    """32 bytes of the server key for one use (``label``), for sealing or keyed hashing."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        server_key.encode()
    )


class Sealer:
    def __init__(self, server_key: str, label: bytes) -> None:
        self._aead = AESGCM(derived_key(server_key, label))

    def seal(self, associated: bytes, secret: str) -> str:
        """``secret`` encrypted for ``associated``, as base64 text (a random nonce each time)."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), associated)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, associated: bytes, sealed: str) -> str:
        """The secret; ``cryptography.exceptions.InvalidTag`` when the server key changed or
        the value was moved or tampered with, ``ValueError`` when it is no sealed value."""
        raw = base64.b64decode(sealed, validate=True)
        if len(raw) <= _NONCE_BYTES:
            raise ValueError("not a sealed value")
        return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], associated).decode()
