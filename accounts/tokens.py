"""Access tokens (short-lived JWT, HS256) and refresh tokens (opaque, stored only as a hash)."""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from uuid import UUID

import jwt

from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode

ISSUER = "fieldops"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenConfig:
    signing_key: str
    access_ttl_seconds: int
    refresh_ttl_seconds: int


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    tenant_id: UUID
    session_id: UUID


def issue_access_token(
    *, config: TokenConfig, user_id: UUID, tenant_id: UUID, session_id: UUID, now: datetime
) -> str:
    claims = {
        "iss": ISSUER,
        "typ": "access",
        "sub": str(user_id),
        "tid": str(tenant_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=config.access_ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, config.signing_key, algorithm=ALGORITHM)


def decode_access_token(*, config: TokenConfig, token: str) -> AccessClaims:
    try:
        claims, expires = _verified(token, config.signing_key)
    except jwt.ExpiredSignatureError:
        raise _expired() from None
    except (jwt.InvalidTokenError, ValueError):
        raise DomainError(
            ErrorCode.TOKEN_INVALID, "The access token is not valid; log in again."
        ) from None
    if expires <= time.time():  # a token verified earlier (cached) expires all the same
        raise _expired()
    return claims


def _expired() -> DomainError:
    return DomainError(ErrorCode.TOKEN_EXPIRED, "The access token has expired; refresh it.")


@lru_cache(maxsize=8192)
def _verified(token: str, signing_key: str) -> tuple[AccessClaims, int]:
    """The token's claims and expiry, verified once per distinct token: every request carries
    one, and PyJWT's checks cost more than the rest of authentication (profiled under the sync
    replay benchmark). Only tokens that verified are cached (an exception is not); the same
    string under the same key always verifies the same way, and the expiry is checked again on
    every use. Whether the session is still live is checked per request, in the database."""
    claims = jwt.decode(
        token,
        signing_key,
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub", "tid", "sid", "iss"]},
    )
    if claims.get("typ") != "access":
        raise jwt.InvalidTokenError("not an access token")
    access = AccessClaims(
        user_id=UUID(claims["sub"]),
        tenant_id=UUID(claims["tid"]),
        session_id=UUID(claims["sid"]),
    )
    return access, int(claims["exp"])


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
