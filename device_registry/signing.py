"""The signature of a terminal's request, as firmware computes it (the README's firmware
section shows it with openssl and Python):

    X-Signature = hex(HMAC-SHA256(secret, METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n
                                          hex(SHA-256(body))))

``PATH`` is the request's path as sent, with its query string if it has one; for MQTT the
method is ``PUBLISH`` and the path is the topic. The secret is used as its ASCII text.
"""

import hashlib
import hmac
import re

SKEW_SECONDS = 300  # a timestamp further from the server's clock is refused
NONCE = re.compile(r"^[\x21-\x7e]{1,64}$")  # printable ASCII without spaces, at most 64
MQTT_METHOD = "PUBLISH"


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), path, timestamp, nonce, digest)).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_by(
    secret: str, signature: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> bool:
    """Whether ``signature`` is the secret's, compared in constant time."""
    expected = sign(secret, method, path, timestamp, nonce, body)
    return hmac.compare_digest(expected, signature.lower())
