"""Triage tables. A rule set is saved whole, one row per version (work orders name the
version that decided them, so a version is never changed). Unique (tenant, version) and
(tenant, match_key) are added by the migration."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Team, Tenant, User
from directory.tables import Site
from mobile_contract.enums import CustomerTier, Priority, WorkOrderType


class RuleSet(Table, tablename="triage_rule_set"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    version = Integer()
    default_priority = Varchar(length=2, choices=Priority)
    rules = JSON(default="[]")
    saved_at = Timestamptz()
    saved_by = ForeignKey(User, null=True, default=None)


class Zone(Table, tablename="triage_zone"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    name = Varchar(length=200)
    team = ForeignKey(Team, null=False, index=True)
    site = ForeignKey(Site, null=True, default=None)
    production_line = Varchar(length=200, null=True, default=None)
    system_module = Varchar(length=200, null=True, default=None)
    customer_tier = Varchar(length=20, choices=CustomerTier, null=True, default=None)
    work_order_type = Varchar(length=40, choices=WorkOrderType, null=True, default=None)
    description = Text(default="")
    # The zone's keys and values in one canonical text: two zones with the same one could
    # never be told apart (a unique index refuses the second).
    match_key = Varchar(length=800)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TeamSetting(Table, tablename="triage_team_setting"):
    """A team's automatic assignment (one row per team, made when first set)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    team = ForeignKey(Team, null=False, unique=True)
    auto_assign = Boolean(default=False)
    use_skills = Boolean(default=True)
    updated_at = Timestamptz()


class Shift(Table, tablename="triage_shift"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    engineer = ForeignKey(User, null=False, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz(index=True)
    created_at = Timestamptz()


class Skill(Table, tablename="triage_skill"):
    """An engineer's skills, as tags (one row per engineer)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    engineer = ForeignKey(User, null=False, unique=True)
    skills = JSON(default="[]")
    updated_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (RuleSet, Zone, TeamSetting, Shift, Skill)
