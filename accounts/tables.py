"""Accounts tables. Unique (tenant, …) constraints are added by the migration (raw SQL)."""

from piccolo.columns import (
    UUID,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from mobile_contract.enums import Role


class Tenant(Table, tablename="accounts_tenant"):
    id = UUID(primary_key=True)
    slug = Varchar(length=63, unique=True)
    name = Varchar(length=200)
    # The language of what the server writes for people, e.g. on-call alerts: "zh-CN" or "en".
    locale = Varchar(length=16, default="zh-CN")
    created_at = Timestamptz()


class Team(Table, tablename="accounts_team"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    name = Varchar(length=200)
    created_at = Timestamptz()


class User(Table, tablename="accounts_user"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    username = Varchar(length=120)  # as the admin typed it (shown)
    # NFKC + case-folded (accounts/usernames.py): what login matches and what is unique per
    # tenant (migration). NULL only for a row whose normalised name collided with an older
    # one when the column was introduced (the migration reported it); it cannot log in.
    username_key = Varchar(length=120, null=True, default=None)
    display_name = Varchar(length=200)
    phone = Varchar(length=40, default="")
    role = Varchar(length=20, choices=Role)
    password_hash = Text()
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class UserPhoto(Table, tablename="accounts_user_photo"):
    """A staff member's profile photo, as the customer's portal page shows the engineer:
    re-encoded by the server (a small square JPEG without the original's metadata, so no
    location or camera details leave with it). Unique per user (migration)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    user = ForeignKey(User, null=False)
    content = Bytea()
    sha256 = Varchar(length=64)
    updated_at = Timestamptz()


class TeamMember(Table, tablename="accounts_team_member"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    team = ForeignKey(Team, null=False, index=True)
    user = ForeignKey(User, null=False, index=True)


class RefreshToken(Table, tablename="accounts_refresh_token"):
    """One row per issued refresh token; a session (family) is a chain of rotations."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    user = ForeignKey(User, null=False, index=True)
    session_id = UUID(index=True)
    device_id = Varchar(length=200)
    token_hash = Varchar(length=64, unique=True)
    issued_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table, tablename="accounts_login_throttle"):
    """Recent failed logins of one account name (tenant slug + normalised username), whether
    the account exists or not: after a few, each attempt waits (accounts/throttle.py). In the
    database so every API process sees the same count. Unique (tenant_slug, username_key)."""

    id = UUID(primary_key=True)
    tenant_slug = Varchar(length=63)
    username_key = Varchar(length=120)
    failures = Integer(default=0)
    last_failure_at = Timestamptz(index=True)
    blocked_until = Timestamptz(null=True, default=None)


class LoginBurst(Table, tablename="accounts_login_burst"):
    """Failed logins across one tenant's accounts in the current window, and when on-call was
    last alerted about it (one alert per burst)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True)
    window_started_at = Timestamptz()
    failures = Integer(default=0)
    alerted_at = Timestamptz(null=True, default=None)


TABLES: tuple[type[Table], ...] = (
    Tenant,
    Team,
    User,
    UserPhoto,
    TeamMember,
    RefreshToken,
    LoginThrottle,
    LoginBurst,
)
