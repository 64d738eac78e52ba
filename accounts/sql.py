"""Every SQL statement of ``accounts``, and the rows they answer.

Users, teams and tenants decode straight into their contract Structs (``mobile_contract.auth``)
where the columns are the contract's fields; the rest have a row type here.
"""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract.auth import Me
from mobile_contract.enums import Role

# Tenants ------------------------------------------------------------------------------------

TENANT_BY_SLUG = Statement("SELECT id FROM accounts_tenant WHERE slug = :slug")
INSERT_TENANT = Statement(
    "INSERT INTO accounts_tenant (id, slug, name, locale, created_at)"
    " VALUES (:id, :slug, :name, :locale, :now)"
)

# Users ----------------------------------------------------------------------------------------

USER_TAKEN = Statement(
    "SELECT id FROM accounts_user WHERE tenant = :tenant"
    " AND (username_key = :key OR username = :username) LIMIT 1"
)
INSERT_USER = Statement(
    "INSERT INTO accounts_user (id, tenant, username, username_key, display_name, phone, role,"
    " password_hash, is_active, created_at, updated_at) VALUES (:id, :tenant, :username, :key,"
    " :display_name, :phone, :role, :password_hash, :is_active, :now, :now)"
)
USER = Statement(
    "SELECT id, username, display_name, phone, role, is_active, created_at FROM accounts_user"
    " WHERE tenant = :tenant AND id = :id"
)
USERS = Statement(
    "SELECT id, username, display_name, phone, role, is_active, created_at FROM accounts_user"
    " WHERE tenant = :tenant AND role IN :roles ORDER BY username"
)
USERS_FOUND = Statement("SELECT id FROM accounts_user WHERE tenant = :tenant AND id IN :ids")
# Every mutable column: the caller merges the request into the stored row (the password hash
# stays unless a new one is given).
UPDATE_USER = Statement(
    "UPDATE accounts_user SET display_name = :display_name, phone = :phone, role = :role,"
    " is_active = :is_active, password_hash = COALESCE(:password_hash, password_hash),"
    " updated_at = :now WHERE tenant = :tenant AND id = :id"
)
# Row locks on PostgreSQL: two admins demoting each other at once cannot both pass.
ACTIVE_ADMINS = Statement(
    "SELECT id FROM accounts_user WHERE tenant = :tenant AND role = :role"
    " AND is_active = :active @for_update"
)

# Teams and memberships ------------------------------------------------------------------------

TEAM = Statement(
    "SELECT id, name, created_at FROM accounts_team WHERE tenant = :tenant AND id = :id"
)
TEAMS = Statement(
    "SELECT id, name, created_at FROM accounts_team WHERE tenant = :tenant ORDER BY name"
)
TEAM_REFS = Statement(
    "SELECT id, name FROM accounts_team WHERE tenant = :tenant AND id IN :ids ORDER BY name"
)
TEAMS_FOUND = Statement("SELECT id FROM accounts_team WHERE tenant = :tenant AND id IN :ids")
TEAMS_NAMED = Statement("SELECT id FROM accounts_team WHERE tenant = :tenant AND name = :name")
INSERT_TEAM = Statement(
    "INSERT INTO accounts_team (id, tenant, name, created_at) VALUES (:id, :tenant, :name, :now)"
)
RENAME_TEAM = Statement("UPDATE accounts_team SET name = :name WHERE tenant = :tenant AND id = :id")
MEMBERSHIPS_OF_USERS = Statement(
    'SELECT "user" AS user_id, team AS team_id FROM accounts_team_member'
    ' WHERE tenant = :tenant AND "user" IN :users'
)
MEMBERSHIPS_OF_TEAMS = Statement(
    'SELECT "user" AS user_id, team AS team_id FROM accounts_team_member'
    " WHERE tenant = :tenant AND team IN :teams"
)
DELETE_USER_MEMBERSHIPS = Statement(
    'DELETE FROM accounts_team_member WHERE tenant = :tenant AND "user" = :user'
)
DELETE_TEAM_MEMBERSHIPS = Statement(
    "DELETE FROM accounts_team_member WHERE tenant = :tenant AND team = :team"
)
INSERT_MEMBERSHIPS = Statement(
    'INSERT INTO accounts_team_member (id, tenant, team, "user") VALUES :rows'
)

# Login, refresh tokens and the caller -----------------------------------------------------------

LOGIN_USER = Statement(
    "SELECT u.id, u.tenant, u.password_hash, u.is_active FROM accounts_user u"
    " JOIN accounts_tenant t ON t.id = u.tenant WHERE t.slug = :slug AND u.username_key = :key"
)
INSERT_REFRESH_TOKEN = Statement(
    'INSERT INTO accounts_refresh_token (id, tenant, "user", session_id, device_id, token_hash,'
    " issued_at, expires_at, used_at, revoked_at) VALUES (:id, :tenant, :user, :session,"
    " :device_id, :token_hash, :now, :expires_at, NULL, NULL)"
)
REFRESH_TOKEN = Statement(
    'SELECT r.id, r.tenant, r."user" AS user_id, r.session_id, r.device_id, r.expires_at,'
    " r.used_at, r.revoked_at, u.is_active AS user_active FROM accounts_refresh_token r"
    ' JOIN accounts_user u ON u.id = r."user" WHERE r.token_hash = :token_hash'
)
SPEND_REFRESH_TOKEN = Statement("UPDATE accounts_refresh_token SET used_at = :now WHERE id = :id")
REVOKE_SESSION = Statement(
    "UPDATE accounts_refresh_token SET revoked_at = :now"
    " WHERE session_id = :session AND revoked_at IS NULL"
)
REVOKE_USER_SESSIONS = Statement(
    "UPDATE accounts_refresh_token SET revoked_at = :now"
    ' WHERE tenant = :tenant AND "user" = :user AND revoked_at IS NULL'
)
# One statement per request (it runs on every API call): the user, whether the session is
# still live, and one row per team membership.
CALLER = Statement(
    "SELECT u.role, u.display_name, u.is_active, m.team AS team,"
    " EXISTS (SELECT 1 FROM accounts_refresh_token r WHERE r.session_id = :session"
    ' AND r."user" = u.id AND r.revoked_at IS NULL) AS live'
    " FROM accounts_user u LEFT JOIN accounts_team_member m"
    ' ON m."user" = u.id AND m.tenant = u.tenant'
    " WHERE u.id = :user AND u.tenant = :tenant"
)
ME = Statement(
    "SELECT u.id, u.tenant AS tenant_id, t.slug AS tenant, u.username, u.display_name, u.phone,"
    " u.role, tm.id AS team_id, tm.name AS team_name FROM accounts_user u"
    " JOIN accounts_tenant t ON t.id = u.tenant"
    ' LEFT JOIN accounts_team_member m ON m."user" = u.id AND m.tenant = u.tenant'
    " LEFT JOIN accounts_team tm ON tm.id = m.team AND tm.tenant = u.tenant"
    " WHERE u.id = :user AND u.tenant = :tenant ORDER BY tm.name"
)

# Login throttle and bursts ----------------------------------------------------------------------

ENSURE_THROTTLE = Statement(
    "INSERT INTO accounts_login_throttle (id, tenant_slug, username_key, failures,"
    " last_failure_at, blocked_until) VALUES (:id, :slug, :key, 0, :now, NULL)"
    " ON CONFLICT (tenant_slug, username_key) DO NOTHING"
)
THROTTLE = Statement(
    "SELECT failures, last_failure_at, blocked_until FROM accounts_login_throttle"
    " WHERE tenant_slug = :slug AND username_key = :key @for_update"
)
COUNT_FAILURE = Statement(
    "UPDATE accounts_login_throttle SET failures = :failures, last_failure_at = :now,"
    " blocked_until = :until WHERE tenant_slug = :slug AND username_key = :key"
)
CLEAR_THROTTLE = Statement(
    "DELETE FROM accounts_login_throttle WHERE tenant_slug = :slug AND username_key = :key"
)
FORGET_THROTTLES = Statement("DELETE FROM accounts_login_throttle WHERE last_failure_at < :before")
ENSURE_BURST = Statement(
    "INSERT INTO accounts_login_burst (id, tenant, window_started_at, failures, alerted_at)"
    " VALUES (:id, :tenant, :now, 0, NULL) ON CONFLICT (tenant) DO NOTHING"
)
BURST = Statement(
    "SELECT window_started_at, failures, alerted_at FROM accounts_login_burst"
    " WHERE tenant = :tenant @for_update"
)
COUNT_BURST = Statement(
    "UPDATE accounts_login_burst SET window_started_at = :started, failures = :failures,"
    " alerted_at = :alerted_at WHERE tenant = :tenant"
)
BURST_ACCOUNTS = Statement(
    "SELECT count(*) AS accounts FROM accounts_login_throttle"
    " WHERE tenant_slug = :slug AND last_failure_at >= :since"
)


# Rows -------------------------------------------------------------------------------------------


class Id(msgspec.Struct):
    id: UUID


class Membership(msgspec.Struct):
    user_id: UUID
    team_id: UUID


class LoginUser(msgspec.Struct):
    id: UUID
    tenant: UUID
    password_hash: str
    is_active: bool


class RefreshTokenRow(msgspec.Struct):
    id: UUID
    tenant: UUID
    user_id: UUID
    session_id: UUID
    device_id: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    user_active: bool


class MeRow(Me, kw_only=True):
    """``Me`` without its teams, once per team (``team_id`` None when there is none)."""

    team_id: UUID | None
    team_name: str | None


ME_PROFILE = tuple(name for name in Me.__struct_fields__ if name != "teams")


class CallerRow(msgspec.Struct):
    """One per team membership of the caller (``team`` None when there is none)."""

    role: Role
    display_name: str
    is_active: bool
    team: UUID | None
    live: bool


class ThrottleRow(msgspec.Struct):
    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None


class BurstRow(msgspec.Struct):
    window_started_at: datetime
    failures: int
    alerted_at: datetime | None


class AccountCount(msgspec.Struct):
    accounts: int


# Profile photos (``accounts/photos.py``): one per user, replaced in place.
SAVE_PHOTO = Statement(
    'INSERT INTO accounts_user_photo (id, tenant, "user", content, sha256, updated_at)'
    " VALUES (:id, :tenant, :user, :content, :sha256, :now)"
    ' ON CONFLICT ("user") DO UPDATE SET content = :content, sha256 = :sha256, updated_at = :now'
)
PHOTO = Statement(
    'SELECT "user" AS user_id, content, sha256, updated_at FROM accounts_user_photo'
    ' WHERE tenant = :tenant AND "user" = :user'
)
DELETE_PHOTO = Statement(
    'DELETE FROM accounts_user_photo WHERE tenant = :tenant AND "user" = :user'
)
