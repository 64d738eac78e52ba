"""Login, token refresh (rotation with reuse detection), logout and request authentication."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from accounts import throttle
from accounts.passwords import verify_password
from accounts.tables import RefreshToken, Team, Tenant, User
from accounts.throttle import LoginPolicy
from accounts.tokens import (
    TokenConfig,
    decode_access_token,
    issue_access_token,
    new_refresh_token,
    refresh_token_digest,
)
from accounts.usernames import normalize_username
from kernel import sql
from kernel.clock import utcnow
from kernel.context import Actor, RequestMeta
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract.auth import Me, TeamRef, TokenPair
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode


def _invalid_credentials() -> DomainError:
    return DomainError(ErrorCode.INVALID_CREDENTIALS, "Tenant, username or password is wrong.")


def _invalid_refresh() -> DomainError:
    return DomainError(
        ErrorCode.REFRESH_TOKEN_INVALID,
        "The refresh token is not valid for this device; log in again.",
    )


async def _issue_pair(
    *,
    config: TokenConfig,
    user_id: UUID,
    tenant_id: UUID,
    session_id: UUID,
    device_id: str,
    now: datetime,
) -> TokenPair:
    refresh = new_refresh_token()
    await RefreshToken.insert(
        RefreshToken(
            tenant=tenant_id,
            user=user_id,
            session_id=session_id,
            device_id=device_id,
            token_hash=refresh_token_digest(refresh),
            issued_at=now,
            expires_at=now + timedelta(seconds=config.refresh_ttl_seconds),
        )
    )
    access = issue_access_token(
        config=config, user_id=user_id, tenant_id=tenant_id, session_id=session_id, now=now
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=config.access_ttl_seconds,
        refresh_expires_in=config.refresh_ttl_seconds,
    )


async def login(
    *,
    db: Database,
    config: TokenConfig,
    tenant: str,
    username: str,
    password: str,
    device_id: str,
    policy: LoginPolicy | None = None,
) -> TokenPair:
    """The username matches in its normalised form (``Admin`` logs in as ``admin``). Each
    account name is throttled (accounts/throttle.py): a known and an unknown name answer the
    same, delays included."""
    policy = policy or LoginPolicy()
    slug, key = tenant.strip().lower(), normalize_username(username)
    await throttle.admit(db=db, policy=policy, tenant_slug=slug, username_key=key, now=utcnow())
    row = await (
        User.select(User.id, User.tenant, User.password_hash, User.is_active)
        .where((User.tenant.slug == slug) & (User.username_key == key))
        .first()
    )
    ok = await verify_password(row["password_hash"] if row else None, password)
    if not row or not ok or not row["is_active"]:
        tenant_id = row["tenant"] if row else await _tenant_id(slug)
        await throttle.failed(
            db=db, policy=policy, tenant_id=tenant_id, tenant_slug=slug, now=utcnow()
        )
        raise _invalid_credentials()
    async with db.transaction():
        await throttle.succeeded(tenant_slug=slug, username_key=key)
        return await _issue_pair(
            config=config,
            user_id=row["id"],
            tenant_id=row["tenant"],
            session_id=uuid4(),
            device_id=device_id,
            now=utcnow(),
        )


async def _tenant_id(slug: str) -> UUID | None:
    row = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first()
    return None if row is None else UUID(str(row["id"]))


async def refresh(
    *, db: Database, config: TokenConfig, refresh_token: str, device_id: str
) -> TokenPair:
    """Rotate: the presented token is spent; presenting a spent one revokes its whole session."""
    now = utcnow()
    async with db.transaction():
        row = await (
            RefreshToken.select(
                RefreshToken.id,
                RefreshToken.tenant,
                RefreshToken.user,
                RefreshToken.session_id,
                RefreshToken.device_id,
                RefreshToken.expires_at,
                RefreshToken.used_at,
                RefreshToken.revoked_at,
                RefreshToken.user.is_active,
            )
            .where(RefreshToken.token_hash == refresh_token_digest(refresh_token))
            .first()
        )
        if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
            raise _invalid_refresh()
        reused = row["used_at"] is not None or row["device_id"] != device_id
        if reused:
            # Leave the block normally so the revocation commits; raising here would roll it back.
            await _revoke_session(row["session_id"], now)
        else:
            if not row["user.is_active"]:
                raise _invalid_refresh()
            await RefreshToken.update({RefreshToken.used_at: now}).where(
                RefreshToken.id == row["id"]
            )
            return await _issue_pair(
                config=config,
                user_id=row["user"],
                tenant_id=row["tenant"],
                session_id=row["session_id"],
                device_id=device_id,
                now=now,
            )
    raise DomainError(
        ErrorCode.REFRESH_TOKEN_REUSED,
        "This refresh token was already used or belongs to another device; the "
        "session is revoked. Log in again.",
    )


async def _revoke_session(session_id: UUID, now: datetime) -> None:
    await RefreshToken.update({RefreshToken.revoked_at: now}).where(
        (RefreshToken.session_id == session_id) & RefreshToken.revoked_at.is_null()
    )


async def logout(*, db: Database, actor: Actor, all_devices: bool) -> None:
    """Revokes the caller's session (or all of the user's); its access tokens stop working."""
    now = utcnow()
    async with db.transaction():
        if all_devices:
            await RefreshToken.update({RefreshToken.revoked_at: now}).where(
                (RefreshToken.tenant == actor.tenant_id)
                & (RefreshToken.user == actor.user_id)
                & RefreshToken.revoked_at.is_null()
            )
        elif actor.session_id is not None:
            await _revoke_session(actor.session_id, now)


# One statement per request (it runs on every API call): the user, whether the session is
# still live, and one row per team membership.
_CALLER = (
    "SELECT u.role, u.display_name, u.is_active, m.team AS team, "
    "EXISTS (SELECT 1 FROM accounts_refresh_token r WHERE r.session_id = {} "
    'AND r."user" = u.id AND r.revoked_at IS NULL) AS live '
    "FROM accounts_user u LEFT JOIN accounts_team_member m "
    'ON m."user" = u.id AND m.tenant = u.tenant '
    "WHERE u.id = {} AND u.tenant = {}"
)


async def authenticate(*, config: TokenConfig, token: str, meta: RequestMeta) -> Actor:
    claims = decode_access_token(config=config, token=token)
    rows = await sql.fetch(User, _CALLER, claims.session_id, claims.user_id, claims.tenant_id)
    if not rows or not rows[0]["is_active"] or not rows[0]["live"]:
        raise DomainError(
            ErrorCode.TOKEN_INVALID, "The session has ended or the user is disabled; log in again."
        )
    return Actor(
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        role=Role(rows[0]["role"]),
        display_name=rows[0]["display_name"],
        team_ids=frozenset(
            row["team"] if isinstance(row["team"], UUID) else UUID(str(row["team"]))
            for row in rows
            if row["team"] is not None
        ),
        session_id=claims.session_id,
        meta=meta,
    )


async def me(*, db: Database, actor: Actor) -> Me:
    async with db.snapshot():
        user = await (
            User.select(
                User.id,
                User.username,
                User.display_name,
                User.phone,
                User.role,
                User.tenant.slug,
            )
            .where((User.id == actor.user_id) & (User.tenant == actor.tenant_id))
            .first()
        )
        teams = (
            await Team.select(Team.id, Team.name)
            .where((Team.tenant == actor.tenant_id) & Team.id.is_in(list(actor.team_ids)))
            .order_by(Team.name)
            if actor.team_ids
            else []
        )
    assert user is not None  # authenticate() just loaded this user
    return Me(
        id=user["id"],
        tenant_id=actor.tenant_id,
        tenant=user["tenant.slug"],
        username=user["username"],
        display_name=user["display_name"],
        phone=user["phone"],
        role=Role(user["role"]),
        teams=[TeamRef(id=t["id"], name=t["name"]) for t in teams],
    )
