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
