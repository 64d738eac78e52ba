"""Automatic assignment: a team that asks for it gets each new work order it owns assigned to
one of its engineers on shift — the fewest open work orders wins, among those whose skills
cover most of the work order's tags first. Plus the shifts and skills it reads."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Reader
from kernel.errors import ConfigInvalid, InvalidReference, NotFound
from kernel.rows import json_text
from mobile_contract import assignment as contract
from mobile_contract.enums import Role
from triage import sql

EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
LONGEST_SHIFT = timedelta(days=7)
MAX_SHIFTS = 500


def pick(
    candidates: list[sql.OnShift], tags: list[str], *, use_skills: bool
) -> tuple[sql.OnShift, str] | None:
    """The engineer a new work order goes to, and the reason the timeline gives."""
    if not candidates:
        return None
    wanted = {tag.casefold() for tag in tags}

    def covered(person: sql.OnShift) -> int:
        return len(wanted & {skill.casefold() for skill in person.skills}) if use_skills else 0

    chosen = min(candidates, key=lambda p: (-covered(p), p.open_work, p.display_name, str(p.id)))
    reason = (
        f"on shift until {chosen.shift_ends:%Y-%m-%d %H:%M} UTC; "
        f"{chosen.open_work} open work order(s), the fewest of {len(candidates)} on shift"
    )
    if covered(chosen):
        skills = sorted(wanted & {skill.casefold() for skill in chosen.skills})
        reason += "; skills: " + ", ".join(skills)
    return chosen, reason


async def choose(
    reader: Reader, *, tenant_id: UUID, team_id: UUID, tags: list[str], now: datetime
) -> tuple[UUID, str] | None:
    """Whom the team's automatic assignment names for a new work order (None: the team does
    not assign automatically, or nobody is on shift: it waits in the team's queue)."""
    setting = await reader.fetch_one(sql.SETTING, sql.Setting, tenant=tenant_id, team=team_id)
    if setting is None or not setting.enabled:
        return None
    candidates = await reader.fetch(
        sql.ON_SHIFT, sql.OnShift, tenant=tenant_id, team=team_id, now=now, active=True
    )
    picked = pick(candidates, tags, use_skills=setting.use_skills)
    return (picked[0].id, picked[1]) if picked else None


async def get_setting(*, db: Database, actor: Actor, team_id: UUID) -> contract.AutoAssignment:
    require_role(actor, DISPATCH_ROLES, "read a team's automatic assignment")
    async with db.snapshot() as reader:
        await _team(reader, actor.tenant_id, team_id)
        found = await reader.fetch_one(
            sql.SETTING, sql.Setting, tenant=actor.tenant_id, team=team_id
        )
    if found is None:
        return contract.AutoAssignment(team_id=team_id, enabled=False)
    return contract.AutoAssignment(
        team_id=team_id,
        enabled=found.enabled,
        use_skills=found.use_skills,
        updated_at=found.updated_at,
    )


async def set_setting(
    *, db: Database, actor: Actor, team_id: UUID, data: contract.AutoAssignmentIn
) -> contract.AutoAssignment:
    require_role(actor, EDITORS, "change a team's automatic assignment")
    now = utcnow()
    async with db.transaction() as tx:
        await _team(tx, actor.tenant_id, team_id)
        await tx.execute(
            sql.UPSERT_SETTING,
            id=uuid4(),
            tenant=actor.tenant_id,
            team=team_id,
            enabled=data.enabled,
            use_skills=data.use_skills,
            now=now,
        )
    return contract.AutoAssignment(
        team_id=team_id, enabled=data.enabled, use_skills=data.use_skills, updated_at=now
    )


async def _team(reader: Reader, tenant_id: UUID, team_id: UUID) -> None:
    if await reader.fetch_one(sql.TEAM, sql.Id, tenant=tenant_id, id=team_id) is None:
        raise NotFound("team", team_id)


async def _engineer(
    reader: Reader, tenant_id: UUID, user_id: UUID, field: str | None = None
) -> None:
    """Refuse a user who is not an active engineer of the tenant: as a bad reference in a
    body (``field``), as not found in a path."""
    found = await reader.fetch_one(sql.ENGINEER, sql.Person, tenant=tenant_id, id=user_id)
    if found is None or found.role != Role.ENGINEER.value or not found.is_active:
        if field is None:
            raise NotFound("engineer", user_id)
        raise InvalidReference(field, user_id)


async def list_shifts(
    *,
    db: Database,
    actor: Actor,
    user_id: UUID | None,
    since: datetime | None,
    until: datetime | None,
) -> contract.ShiftList:
    """Shifts overlapping [since, until) (by default: from now, a week ahead)."""
    require_role(actor, DISPATCH_ROLES, "read the shifts")
    since = since or utcnow()
    async with db.snapshot() as reader:
        items = await reader.fetch(
            sql.SHIFTS,
            contract.Shift,
            tenant=actor.tenant_id,
            any_user=user_id is None,
            user=user_id or UUID(int=0),
            since=since,
            until=until or since + LONGEST_SHIFT,
            limit=MAX_SHIFTS,
        )
    return contract.ShiftList(items=items)


async def add_shift(*, db: Database, actor: Actor, data: contract.ShiftIn) -> contract.Shift:
    require_role(actor, DISPATCH_ROLES, "plan shifts")
    if data.ends_at <= data.starts_at:
        raise ConfigInvalid("ends_at", "a shift ends after it starts")
    if data.ends_at - data.starts_at > LONGEST_SHIFT:
        raise ConfigInvalid("ends_at", "a shift lasts at most 7 days; plan several")
    tenant = actor.tenant_id
    async with db.transaction() as tx:
        await _engineer(tx, tenant, data.user_id, "user_id")
        clash = await tx.fetch_one(
            sql.OVERLAPPING_SHIFT,
            sql.Id,
            tenant=tenant,
            user=data.user_id,
            starts=data.starts_at,
            ends=data.ends_at,
        )
        if clash is not None:
            raise ConfigInvalid(
                "starts_at", f"the engineer already has shift {clash.id} in that time"
            )
        shift_id = uuid4()
        await tx.execute(
            sql.INSERT_SHIFT,
            id=shift_id,
            tenant=tenant,
            user=data.user_id,
            starts=data.starts_at,
            ends=data.ends_at,
            now=utcnow(),
        )
        shift = await tx.fetch_one(sql.SHIFT, contract.Shift, tenant=tenant, id=shift_id)
    assert shift is not None
    return shift


async def delete_shift(*, db: Database, actor: Actor, shift_id: UUID) -> None:
    require_role(actor, DISPATCH_ROLES, "plan shifts")
    async with db.transaction() as tx:
        if (
            await tx.fetch_one(sql.SHIFT, contract.Shift, tenant=actor.tenant_id, id=shift_id)
            is None
        ):
            raise NotFound("shift", shift_id)
        await tx.execute(sql.DELETE_SHIFT, tenant=actor.tenant_id, id=shift_id)


async def get_skills(*, db: Database, actor: Actor, user_id: UUID) -> contract.Skills:
    if not actor.dispatches and actor.user_id != user_id:
        raise NotFound("user", user_id)
    async with db.snapshot() as reader:
        await _engineer(reader, actor.tenant_id, user_id)
        found = await reader.fetch_one(
            sql.SKILLS, contract.Skills, tenant=actor.tenant_id, user=user_id
        )
    return found or contract.Skills(user_id=user_id, skills=[])


async def set_skills(
    *, db: Database, actor: Actor, user_id: UUID, data: contract.SkillsIn
) -> contract.Skills:
    require_role(actor, DISPATCH_ROLES, "set an engineer's skills")
    skills = sorted({skill.strip().casefold() for skill in data.skills if skill.strip()})
    now = utcnow()
    async with db.transaction() as tx:
        await _engineer(tx, actor.tenant_id, user_id)
        await tx.execute(
            sql.UPSERT_SKILLS,
            id=uuid4(),
            tenant=actor.tenant_id,
            user=user_id,
            skills=json_text(skills),
            now=now,
        )
    return contract.Skills(user_id=user_id, skills=skills, updated_at=now)
