"""Login, token refresh (rotation with reuse detection), logout and request authentication."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from accounts import sql, throttle
from accounts.callers import Caller, Callers
from accounts.passwords import verify_password
from accounts.throttle import LoginPolicy
from accounts.tokens import (
    TokenConfig,
    decode_access_token,
    issue_access_token,
    new_refresh_token,
    refresh_token_digest,
)
from accounts.usernames import normalize_username
from kernel.clock import utcnow
from kernel.context import Actor, RequestMeta
from kernel.db import Database, Transaction
from kernel.errors import DomainError
from mobile_contract.auth import Me, TeamRef, TokenPair
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
    tx: Transaction,
    config: TokenConfig,
    user_id: UUID,
    tenant_id: UUID,
    session_id: UUID,
    device_id: str,
    now: datetime,
) -> TokenPair:
    refresh = new_refresh_token()
    await tx.execute(
        sql.INSERT_REFRESH_TOKEN,
        id=uuid4(),
        tenant=tenant_id,
        user=user_id,
        session=session_id,
        device_id=device_id,
        token_hash=refresh_token_digest(refresh),
        now=now,
        expires_at=now + timedelta(seconds=config.refresh_ttl_seconds),
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
    row = await db.fetch_one(sql.LOGIN_USER, sql.LoginUser, slug=slug, key=key)
    ok = await verify_password(row.password_hash if row else None, password)
    if row is None or not ok or not row.is_active:
        tenant_id = row.tenant if row else await _tenant_id(db, slug)
        await throttle.failed(
            db=db, policy=policy, tenant_id=tenant_id, tenant_slug=slug, now=utcnow()
        )
        raise _invalid_credentials()
    async with db.transaction() as tx:
        await throttle.succeeded(tx=tx, tenant_slug=slug, username_key=key)
        return await _issue_pair(
            tx=tx,
            config=config,
            user_id=row.id,
            tenant_id=row.tenant,
            session_id=uuid4(),
            device_id=device_id,
            now=utcnow(),
        )


async def _tenant_id(db: Database, slug: str) -> UUID | None:
    row = await db.fetch_one(sql.TENANT_BY_SLUG, sql.Id, slug=slug)
    return None if row is None else row.id


async def refresh(
    *, db: Database, config: TokenConfig, callers: Callers, refresh_token: str, device_id: str
) -> TokenPair:
    """Rotate: the presented token is spent; presenting a spent one revokes its whole session."""
    now = utcnow()
    digest = refresh_token_digest(refresh_token)
    async with db.transaction() as tx:
        row = await tx.fetch_one(sql.REFRESH_TOKEN, sql.RefreshTokenRow, token_hash=digest)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise _invalid_refresh()
        reused = row.used_at is not None or row.device_id != device_id
        if reused:
            # Leave the block normally so the revocation commits; raising here would roll it back.
            await tx.execute(sql.REVOKE_SESSION, session=row.session_id, now=now)
            tx.after_commit(lambda: callers.forget_user(tenant_id=row.tenant, user_id=row.user_id))
        else:
            if not row.user_active:
                raise _invalid_refresh()
            await tx.execute(sql.SPEND_REFRESH_TOKEN, id=row.id, now=now)
            return await _issue_pair(
                tx=tx,
                config=config,
                user_id=row.user_id,
                tenant_id=row.tenant,
                session_id=row.session_id,
                device_id=device_id,
                now=now,
            )
    raise DomainError(
        ErrorCode.REFRESH_TOKEN_REUSED,
        "This refresh token was already used or belongs to another device; the "
        "session is revoked. Log in again.",
    )


async def logout(*, db: Database, callers: Callers, actor: Actor, all_devices: bool) -> None:
    """Revokes the caller's session (or all of the user's); its access tokens stop working (in
    other processes once they forget the caller, ``accounts.callers``)."""
    now = utcnow()
    async with db.transaction() as tx:
        tx.after_commit(
            lambda: callers.forget_user(tenant_id=actor.tenant_id, user_id=actor.user_id)
        )
        if all_devices:
            await tx.execute(
                sql.REVOKE_USER_SESSIONS, tenant=actor.tenant_id, user=actor.user_id, now=now
            )
        elif actor.session_id is not None:
            await tx.execute(sql.REVOKE_SESSION, session=actor.session_id, now=now)


async def authenticate(
    *, db: Database, config: TokenConfig, callers: Callers, token: str, meta: RequestMeta
) -> Actor:
    """The caller of a request: remembered for a few seconds (``accounts.callers``), else one
    statement (``sql.CALLER``)."""
    claims = decode_access_token(config=config, token=token)
    caller = callers.get(
        tenant_id=claims.tenant_id, user_id=claims.user_id, session_id=claims.session_id
    )
    if caller is None:
        rows = await db.fetch(
            sql.CALLER,
            sql.CallerRow,
            session=claims.session_id,
            user=claims.user_id,
            tenant=claims.tenant_id,
        )
        if not rows or not rows[0].is_active or not rows[0].live:
            raise DomainError(
                ErrorCode.TOKEN_INVALID,
                "The session has ended or the user is disabled; log in again.",
            )
        caller = Caller(
            role=rows[0].role,
            display_name=rows[0].display_name,
            team_ids=frozenset(row.team for row in rows if row.team is not None),
        )
        callers.remember(
            tenant_id=claims.tenant_id,
            user_id=claims.user_id,
            session_id=claims.session_id,
            caller=caller,
        )
    return Actor(
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        role=caller.role,
        display_name=caller.display_name,
        team_ids=caller.team_ids,
        session_id=claims.session_id,
        meta=meta,
    )


async def me(*, db: Database, actor: Actor) -> Me:
    """The caller's profile and teams, in one statement (one row per team)."""
    rows = await db.fetch(sql.ME, sql.MeRow, user=actor.user_id, tenant=actor.tenant_id)
    first = rows[0]  # authenticate() just found this user
    profile = {name: getattr(first, name) for name in sql.ME_PROFILE}
    teams = [
        TeamRef(id=row.team_id, name=row.team_name)
        for row in rows
        if row.team_id is not None and row.team_name is not None
    ]
    return Me(**profile, teams=teams)
