"""Accounts tables. Unique (tenant, …) constraints are added by the migration (raw SQL)."""

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
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
    username = Varchar(length=120)
    display_name = Varchar(length=200)
    phone = Varchar(length=40, default="")
    role = Varchar(length=20, choices=Role)
    password_hash = Text()
    is_active = Boolean(default=True)
    created_at = Timestamptz()
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


TABLES: tuple[type[Table], ...] = (Tenant, Team, User, TeamMember, RefreshToken)
