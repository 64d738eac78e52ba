"""Every SQL statement of ``triage``, and the rows they answer."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, Priority

_RULE_SET = "SELECT version, default_priority, rules, saved_at, saved_by AS saved_by_id"
CURRENT_RULE_SET = Statement(
    _RULE_SET + " FROM triage_rule_set WHERE tenant = :tenant ORDER BY version DESC LIMIT 1"
)
RULE_SET_AT = Statement(
    _RULE_SET + " FROM triage_rule_set WHERE tenant = :tenant AND version = :version"
)
CURRENT_VERSION = Statement(
    "SELECT version FROM triage_rule_set WHERE tenant = :tenant ORDER BY version DESC LIMIT 1"
)
INSERT_RULE_SET = Statement(
    "INSERT INTO triage_rule_set (id, tenant, version, default_priority, rules, saved_at,"
    " saved_by) VALUES (:id, :tenant, :version, :default_priority, :rules, :now, :user)"
)

_ZONE = (
    "SELECT id, name, team AS team_id, site AS site_id, production_line, system_module,"
    " customer_tier, work_order_type, description, created_at, updated_at FROM triage_zone"
)
ZONES = Statement(_ZONE + " WHERE tenant = :tenant")
ZONE = Statement(_ZONE + " WHERE tenant = :tenant AND id = :id")
ZONE_WITH_KEY = Statement(
    "SELECT id, name FROM triage_zone WHERE tenant = :tenant AND match_key = :key"
)
INSERT_ZONE = Statement(
    "INSERT INTO triage_zone (id, tenant, name, team, site, production_line, system_module,"
    " customer_tier, work_order_type, description, match_key, created_at, updated_at)"
    " VALUES (:id, :tenant, :name, :team, :site, :production_line, :system_module,"
    " :customer_tier, :work_order_type, :description, :key, :now, :now)"
)
UPDATE_ZONE = Statement(
    "UPDATE triage_zone SET name = :name, team = :team, site = :site,"
    " production_line = :production_line, system_module = :system_module,"
    " customer_tier = :customer_tier, work_order_type = :work_order_type,"
    " description = :description, match_key = :key, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
DELETE_ZONE = Statement("DELETE FROM triage_zone WHERE tenant = :tenant AND id = :id")

TEAM = Statement("SELECT id FROM accounts_team WHERE tenant = :tenant AND id = :id")
SITES = Statement("SELECT id FROM directory_site WHERE tenant = :tenant AND id IN :ids")
ASSET_FACTS = Statement(
    "SELECT a.device_code, a.family, a.production_line, a.system_module, c.tier"
    " FROM directory_asset a JOIN directory_site s ON s.id = a.site"
    " LEFT JOIN directory_customer c ON c.id = s.customer"
    " WHERE a.tenant = :tenant AND a.id = :id"
)
CUSTOMER_TIER = Statement("SELECT tier FROM directory_customer WHERE tenant = :tenant AND id = :id")
SITE_CUSTOMER_TIER = Statement(
    "SELECT c.tier FROM directory_site s JOIN directory_customer c ON c.id = s.customer"
    " WHERE s.tenant = :tenant AND s.id = :id"
)


class StoredRuleSet(msgspec.Struct, kw_only=True):
    version: int
    default_priority: Priority
    rules: list[contract.PriorityRule]
    saved_at: datetime
    saved_by_id: UUID | None = None


class Version(msgspec.Struct):
    version: int


class Id(msgspec.Struct):
    id: UUID


class Named(msgspec.Struct):
    id: UUID
    name: str


class Tier(msgspec.Struct):
    tier: CustomerTier | None = None


class AssetFacts(msgspec.Struct, kw_only=True):
    device_code: str
    family: str
    production_line: str
    system_module: str
    tier: CustomerTier | None = None


# Auto-assignment ---------------------------------------------------------------------------

SETTING = Statement(
    "SELECT team AS team_id, auto_assign AS enabled, use_skills, updated_at"
    " FROM triage_team_setting WHERE tenant = :tenant AND team = :team"
)
UPSERT_SETTING = Statement(
    "INSERT INTO triage_team_setting (id, tenant, team, auto_assign, use_skills, updated_at)"
    " VALUES (:id, :tenant, :team, :enabled, :use_skills, :now) ON CONFLICT (team) DO UPDATE"
    " SET auto_assign = excluded.auto_assign, use_skills = excluded.use_skills,"
    " updated_at = excluded.updated_at"
)
_SHIFT = "SELECT id, engineer AS user_id, starts_at, ends_at, created_at FROM triage_shift"
SHIFTS = Statement(
    _SHIFT + " WHERE tenant = :tenant AND (:any_user OR engineer = :user)"
    " AND ends_at > :since AND starts_at < :until ORDER BY starts_at, id LIMIT :limit"
)
SHIFT = Statement(_SHIFT + " WHERE tenant = :tenant AND id = :id")
OVERLAPPING_SHIFT = Statement(
    "SELECT id FROM triage_shift WHERE tenant = :tenant AND engineer = :user"
    " AND ends_at > :starts AND starts_at < :ends"
)
INSERT_SHIFT = Statement(
    "INSERT INTO triage_shift (id, tenant, engineer, starts_at, ends_at, created_at)"
    " VALUES (:id, :tenant, :user, :starts, :ends, :now)"
)
DELETE_SHIFT = Statement("DELETE FROM triage_shift WHERE tenant = :tenant AND id = :id")
SKILLS = Statement(
    "SELECT engineer AS user_id, skills, updated_at FROM triage_skill"
    " WHERE tenant = :tenant AND engineer = :user"
)
UPSERT_SKILLS = Statement(
    "INSERT INTO triage_skill (id, tenant, engineer, skills, updated_at)"
    " VALUES (:id, :tenant, :user, :skills, :now) ON CONFLICT (engineer) DO UPDATE"
    " SET skills = excluded.skills, updated_at = excluded.updated_at"
)
ENGINEER = Statement(
    "SELECT role, is_active FROM accounts_user WHERE tenant = :tenant AND id = :id"
)
# The team's active engineers on shift at :now, with their skills and open work orders.
ON_SHIFT = Statement(
    "SELECT u.id, u.display_name, s.ends_at AS shift_ends, COALESCE((SELECT k.skills FROM"
    " triage_skill k WHERE k.engineer = u.id), '[]') AS skills, (SELECT COUNT(*) FROM"
    " workorders_work_order w WHERE w.tenant = :tenant AND w.assignee = u.id AND w.status"
    " NOT IN ('resolved', 'verified', 'closed', 'cancelled')) AS open_work"
    ' FROM accounts_user u JOIN accounts_team_member m ON m."user" = u.id'
    " JOIN triage_shift s ON s.engineer = u.id AND s.starts_at <= :now AND s.ends_at > :now"
    " WHERE u.tenant = :tenant AND m.team = :team AND u.role = 'engineer'"
    " AND u.is_active = :active"
)


class Setting(msgspec.Struct, kw_only=True):
    team_id: UUID
    enabled: bool
    use_skills: bool
    updated_at: datetime | None = None


class Person(msgspec.Struct):
    role: str
    is_active: bool


class OnShift(msgspec.Struct, kw_only=True):
    id: UUID
    display_name: str
    shift_ends: datetime
    skills: list[str] = []
    open_work: int
