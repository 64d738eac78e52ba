"""Business calendars and SLA policies: configuration admins save as data, checked when saved
(so no clock ever runs on a configuration that cannot work), and resolved for a work order's
priority and customer tier by the clocks."""

from dataclasses import dataclass
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Reader, Transaction, is_contention, run_use_case
from kernel.errors import ConfigInvalid, InvalidReference, NotFound
from kernel.rows import json_text
from mobile_contract import sla as contract
from mobile_contract.enums import CustomerTier, Priority, Role
from sla import calendars, sql, standard

EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
ALWAYS_ON_NAME = "24x7"  # what a clock without a calendar shows as its calendar
# How ``calendars.check`` names a weekday in its messages, Monday first (``week``'s order).
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TIERS = tuple(CustomerTier)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The policy a work order's clocks run on, and the calendar they count working time in."""

    policy: contract.Policy
    calendar: calendars.Calendar | None  # None: 24x7
    calendar_name: str  # "24x7" when calendar is None


# Calendars -----------------------------------------------------------------------------------


def to_calendar(data: contract.CalendarIn) -> calendars.Calendar:
    """The contract's calendar as the arithmetic's (hours as (start, end) minute tuples)."""
    return calendars.Calendar(
        timezone=data.timezone,
        hours=tuple(tuple((hours.start, hours.end) for hours in day) for day in data.week),
        holidays=frozenset(data.holidays),
        working_days=frozenset(data.working_days),
        makeup_weekday=data.makeup_weekday,
    )


def check_calendar(data: contract.CalendarIn) -> calendars.Calendar:
    """``data`` as a calendar clocks can run on, or ``ConfigInvalid`` naming the part to fix."""
    calendar = to_calendar(data)
    try:
        calendars.check(calendar)
    except calendars.CalendarError as error:
        raise ConfigInvalid(_calendar_path(str(error)), str(error)) from None
    return calendar


def _calendar_path(message: str) -> str:
    """Where in ``CalendarIn`` the problem ``calendars.check`` describes lies."""
    for index, name in enumerate(_WEEKDAYS):
        if message.startswith(f"{name}:"):
            return f"week[{index}]"
    if message.startswith("unknown timezone"):
        return "timezone"
    if message.startswith("dates both holidays"):
        return "holidays"
    if message.startswith("makeup_weekday"):
        return "makeup_weekday"
    return "week"


async def list_calendars(*, db: Database, actor: Actor) -> contract.CalendarList:
    require_role(actor, DISPATCH_ROLES, "read the business calendars")
    async with db.snapshot() as reader:
        items = await reader.fetch(sql.CALENDARS, contract.Calendar, tenant=actor.tenant_id)
    return contract.CalendarList(items=items)


async def get_calendar(*, db: Database, actor: Actor, calendar_id: UUID) -> contract.Calendar:
    require_role(actor, DISPATCH_ROLES, "read the business calendars")
    async with db.snapshot() as reader:
        found = await reader.fetch_one(
            sql.CALENDAR, contract.Calendar, tenant=actor.tenant_id, id=calendar_id
        )
    if found is None:
        raise NotFound("calendar", calendar_id)
    return found


async def create_calendar(
    *, db: Database, actor: Actor, data: contract.CalendarIn
) -> contract.Calendar:
    return await _save_calendar(db, actor, data, None)


async def update_calendar(
    *, db: Database, actor: Actor, calendar_id: UUID, data: contract.CalendarIn
) -> contract.Calendar:
    """A clock already running keeps the calendar it started with (``sla_clock.calendar``)."""
    return await _save_calendar(db, actor, data, calendar_id)


async def delete_calendar(*, db: Database, actor: Actor, calendar_id: UUID) -> None:
    """Refused while a policy uses it: the policy would silently fall back to 24x7."""
    require_role(actor, EDITORS, "change the business calendars")
    async with db.transaction() as tx:
        tenant = actor.tenant_id
        held = await tx.fetch_one(sql.CALENDAR_FOR_UPDATE, sql.Id, tenant=tenant, id=calendar_id)
        if held is None:
            raise NotFound("calendar", calendar_id)
        users = await tx.fetch(
            sql.POLICIES_USING_CALENDAR, sql.Named, tenant=tenant, calendar=calendar_id
        )
        if users:
            names = ", ".join(repr(row.name) for row in sorted(users, key=lambda r: r.name))
            raise ConfigInvalid(
                "calendar",
                f"the SLA policies {names} count their time in this calendar; give them "
                "another calendar (or none) or delete them first",
            )
        await tx.execute(sql.DELETE_CALENDAR, tenant=tenant, id=calendar_id)


async def _save_calendar(
    db: Database, actor: Actor, data: contract.CalendarIn, calendar_id: UUID | None
) -> contract.Calendar:
    require_role(actor, EDITORS, "change the business calendars")
    check_calendar(data)
    tenant = actor.tenant_id
    async with db.transaction() as tx:
        if calendar_id is not None and (
            await tx.fetch_one(sql.CALENDAR_FOR_UPDATE, sql.Id, tenant=tenant, id=calendar_id)
            is None
        ):
            raise NotFound("calendar", calendar_id)
        saved_id = calendar_id or uuid4()
        await tx.execute(
            sql.INSERT_CALENDAR if calendar_id is None else sql.UPDATE_CALENDAR,
            id=saved_id,
            tenant=tenant,
            name=data.name,
            timezone=data.timezone,
            week=json_text(data.week),
            # Sorted and once each: the saved calendar reads the same however it was typed.
            holidays=json_text(sorted(set(data.holidays))),
            working_days=json_text(sorted(set(data.working_days))),
            makeup_weekday=data.makeup_weekday,
            now=utcnow(),
        )
        saved = await tx.fetch_one(sql.CALENDAR, contract.Calendar, tenant=tenant, id=saved_id)
    assert saved is not None
    return saved


# Policies ------------------------------------------------------------------------------------


def match_key(priority: Priority, tier: CustomerTier | None) -> str:
    """One policy per priority and tier (``*``: any tier); unique per tenant in the table."""
    return f"{priority.value}|{tier.value if tier is not None else '*'}"


def _order(policy: contract.Policy) -> tuple[str, int]:
    tier = policy.customer_tier
    return policy.priority.value, -1 if tier is None else _TIERS.index(tier)


def with_standard(saved: list[contract.Policy]) -> list[contract.Policy]:
    """The saved policies and, for each priority without a saved any-tier one, the standard
    one: what decides the targets of every work order, in priority order."""
    covered = {policy.priority for policy in saved if policy.customer_tier is None}
    defaults = [standard.policy(priority) for priority in Priority if priority not in covered]
    return sorted([*saved, *defaults], key=_order)


async def list_policies(*, db: Database, actor: Actor) -> contract.PolicyList:
    require_role(actor, DISPATCH_ROLES, "read the SLA policies")
    async with db.snapshot() as reader:
        saved = await reader.fetch(sql.POLICIES, contract.Policy, tenant=actor.tenant_id)
    return contract.PolicyList(items=with_standard(saved))


async def create_policy(*, db: Database, actor: Actor, data: contract.PolicyIn) -> contract.Policy:
    return await _save_policy(db, actor, data, None)


async def update_policy(
    *, db: Database, actor: Actor, policy_id: UUID, data: contract.PolicyIn
) -> contract.Policy:
    """Work orders whose clocks already run keep their targets; new clocks use these."""
    return await _save_policy(db, actor, data, policy_id)


async def delete_policy(*, db: Database, actor: Actor, policy_id: UUID) -> None:
    """Its priority and tier fall back to the any-tier policy, or to the standard one."""
    require_role(actor, EDITORS, "change the SLA policies")
    async with db.transaction() as tx:
        tenant = actor.tenant_id
        if await tx.fetch_one(sql.POLICY, contract.Policy, tenant=tenant, id=policy_id) is None:
            raise NotFound("SLA policy", policy_id)
        await tx.execute(sql.DELETE_POLICY, tenant=tenant, id=policy_id)


def check_policy(data: contract.PolicyIn) -> None:
    """Refuse targets and escalations that cannot work (``ConfigInvalid`` naming the field);
    the contract already bounds each value, this checks them against each other."""
    if data.arrival_seconds < data.response_seconds:
        raise ConfigInvalid(
            "arrival_seconds",
            f"impossible: on site within {data.arrival_seconds} s but accepted only within "
            f"{data.response_seconds} s; the arrival target must be at least the response target",
        )
    if data.resolution_seconds < data.arrival_seconds:
        raise ConfigInvalid(
            "resolution_seconds",
            f"impossible: resolved within {data.resolution_seconds} s but on site only within "
            f"{data.arrival_seconds} s; the resolution target must be at least the arrival target",
        )
    seen: set[int] = set()
    for index, percent in enumerate(data.warn_at_percent):
        if percent in seen:
            raise ConfigInvalid(
                f"warn_at_percent[{index}]", f"{percent}% is listed twice: warn once at each"
            )
        seen.add(percent)
    previous: int | None = None
    for index, stage in enumerate(data.escalation):
        if previous is not None and stage.after_seconds <= previous:
            raise ConfigInvalid(
                f"escalation[{index}].after_seconds",
                f"{stage.after_seconds} s is not after the stage before it ({previous} s): "
                "stages escalate one after another",
            )
        previous = stage.after_seconds
        for position, recipient in enumerate(stage.recipients):
            where = f"escalation[{index}].recipients[{position}].user_ids"
            if recipient.kind is contract.RecipientKind.USERS and not recipient.user_ids:
                raise ConfigInvalid(where, "a 'users' recipient names at least one user")
            if recipient.kind is not contract.RecipientKind.USERS and recipient.user_ids:
                raise ConfigInvalid(
                    where,
                    f"only a 'users' recipient names users; {recipient.kind.value!r} finds its "
                    "people itself",
                )


async def _check_references(tx: Transaction, tenant_id: UUID, data: contract.PolicyIn) -> None:
    """The calendar and every recipient user are the tenant's own (an escalation must never
    page someone of another tenant); the calendar is held so a delete cannot pass it by."""
    if data.calendar_id is not None:
        found = await tx.fetch_one(
            sql.CALENDAR_FOR_SHARE, sql.Id, tenant=tenant_id, id=data.calendar_id
        )
        if found is None:
            raise InvalidReference("calendar_id", data.calendar_id)
    named = [
        (f"escalation[{index}].recipients[{position}].user_ids", user_id)
        for index, stage in enumerate(data.escalation)
        for position, recipient in enumerate(stage.recipients)
        for user_id in recipient.user_ids
    ]
    if not named:
        return
    ids = sorted({user_id for _, user_id in named}, key=str)
    known = {row.id for row in await tx.fetch(sql.USERS, sql.Id, tenant=tenant_id, ids=ids)}
    for where, user_id in named:
        if user_id not in known:
            raise InvalidReference(where, user_id)


async def _save_policy(
    db: Database, actor: Actor, data: contract.PolicyIn, policy_id: UUID | None
) -> contract.Policy:
    require_role(actor, EDITORS, "change the SLA policies")
    check_policy(data)
    key = match_key(data.priority, data.customer_tier)

    async def use_case(tx: Transaction) -> contract.Policy:
        tenant = actor.tenant_id
        if policy_id is not None and (
            await tx.fetch_one(sql.POLICY, contract.Policy, tenant=tenant, id=policy_id) is None
        ):
            raise NotFound("SLA policy", policy_id)
        await _check_references(tx, tenant, data)
        same = await tx.fetch_one(sql.POLICY_WITH_KEY, sql.Named, tenant=tenant, key=key)
        if same is not None and same.id != policy_id:
            tiers = f"{data.customer_tier.value} customers" if data.customer_tier else "any tier"
            raise ConfigInvalid(
                "customer_tier" if data.customer_tier else "priority",
                f"policy {same.name!r} already sets the targets of {data.priority.value} for "
                f"{tiers}; change that policy instead",
            )
        saved_id = policy_id or uuid4()
        await tx.execute(
            sql.INSERT_POLICY if policy_id is None else sql.UPDATE_POLICY,
            id=saved_id,
            tenant=tenant,
            name=data.name,
            priority=data.priority.value,
            customer_tier=data.customer_tier.value if data.customer_tier else None,
            calendar=data.calendar_id,
            response_seconds=data.response_seconds,
            arrival_seconds=data.arrival_seconds,
            resolution_seconds=data.resolution_seconds,
            warn_at_percent=json_text(data.warn_at_percent),
            escalation=json_text(data.escalation),
            description=data.description,
            key=key,
            now=utcnow(),
        )
        saved = await tx.fetch_one(sql.POLICY, contract.Policy, tenant=tenant, id=saved_id)
        assert saved is not None
        return saved

    # Two admins saving the same priority and tier at once (PostgreSQL): the loser of the
    # unique index runs again and is told which policy won.
    return await run_use_case(db, use_case, rehearse=False, contended=is_contention)


# Resolution ----------------------------------------------------------------------------------


async def policy_for(
    reader: Reader, *, tenant_id: UUID, priority: Priority, tier: CustomerTier | None
) -> Resolved:
    """The policy for a work order: the tenant's for (priority, tier), else its any-tier one
    for the priority, else the standard one; with its calendar when it names one."""
    keys = [match_key(priority, None)]
    if tier is not None:
        keys.append(match_key(priority, tier))
    saved = {
        policy.customer_tier: policy
        for policy in await reader.fetch(
            sql.POLICIES_WITH_KEYS, contract.Policy, tenant=tenant_id, keys=keys
        )
    }
    policy = saved.get(tier) or saved.get(None) or standard.policy(priority)
    if policy.calendar_id is None:
        return Resolved(policy=policy, calendar=None, calendar_name=ALWAYS_ON_NAME)
    found = await reader.fetch_one(
        sql.CALENDAR, contract.Calendar, tenant=tenant_id, id=policy.calendar_id
    )
    if found is None:
        # Unreachable while the calendar is held and deletes are refused (and the key
        # cascades); should it happen, the stricter 24x7 beats a work order without clocks.
        return Resolved(policy=policy, calendar=None, calendar_name=ALWAYS_ON_NAME)
    return Resolved(policy=policy, calendar=to_calendar(found), calendar_name=found.name)
