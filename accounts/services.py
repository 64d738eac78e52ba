"""Tenants, users and teams: administration use cases."""

from collections.abc import Iterable
from uuid import UUID

import msgspec
from piccolo.custom_types import Combinable

from accounts.password_policy import check_password
from accounts.passwords import hash_password
from accounts.tables import RefreshToken, Team, TeamMember, Tenant, User
from accounts.usernames import normalize_username
from kernel import sql
from kernel.clock import utcnow
from kernel.context import ADMIN_ONLY, DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from kernel.errors import AlreadyExists, DomainError, InvalidReference, NotFound
from mobile_contract import auth as contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode


async def create_tenant(*, db: Database, slug: str, name: str, locale: str = "zh-CN") -> UUID:
    """A tenant; ``locale`` (zh-CN or en) is the language of its on-call alerts."""
    async with db.transaction():
        if await Tenant.exists().where(Tenant.slug == slug):
            raise AlreadyExists("tenant", "slug", slug)
        tenant = Tenant(slug=slug, name=name, locale=locale, created_at=utcnow())
        await tenant.save()
        return UUID(str(tenant.id))


async def tenant_id_for(*, slug: str) -> UUID:
    row = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first()
    if row is None:
        raise NotFound("tenant", slug)
    return UUID(str(row["id"]))


async def _team_ids_of(tenant_id: UUID, user_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    result: dict[UUID, list[UUID]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        rows = await TeamMember.select(TeamMember.user, TeamMember.team).where(
            (TeamMember.tenant == tenant_id) & TeamMember.user.is_in(user_ids)
        )
        for row in rows:
            result[row["user"]].append(row["team"])
    return result


def _user(row: dict[str, object], team_ids: list[UUID]) -> contract.User:
    return contract.User(
        id=row["id"],  # type: ignore[arg-type]
        username=row["username"],  # type: ignore[arg-type]
        display_name=row["display_name"],  # type: ignore[arg-type]
        phone=row["phone"],  # type: ignore[arg-type]
        role=Role(str(row["role"])),
        is_active=row["is_active"],  # type: ignore[arg-type]
        team_ids=sorted(team_ids),
        created_at=row["created_at"],  # type: ignore[arg-type]
    )


_USER_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.phone,
    User.role,
    User.is_active,
    User.created_at,
)


async def _check_teams(tenant_id: UUID, team_ids: Iterable[UUID]) -> list[UUID]:
    wanted = sorted(set(team_ids))
    if not wanted:
        return []
    found = {
        row["id"]
        for row in await Team.select(Team.id).where(
            (Team.tenant == tenant_id) & Team.id.is_in(wanted)
        )
    }
    for team_id in wanted:
        if team_id not in found:
            raise InvalidReference("team_ids", team_id)
    return wanted


async def _set_memberships(tenant_id: UUID, user_id: UUID, team_ids: list[UUID]) -> None:
    await TeamMember.delete().where((TeamMember.tenant == tenant_id) & (TeamMember.user == user_id))
    if team_ids:
        await TeamMember.insert(
            *(TeamMember(tenant=tenant_id, team=team_id, user=user_id) for team_id in team_ids)
        )


async def create_user(
    *, db: Database, tenant_id: UUID, data: contract.UserCreate, actor: Actor | None = None
) -> contract.User:
    """``actor`` is None only for the CLI (an operator on the server itself). Usernames are
    unique per tenant in their normalised form: ``ADMIN`` beside ``admin`` is refused."""
    if actor is not None:
        require_role(actor, ADMIN_ONLY, "create users")
    check_password(data.password, username=data.username)
    key = normalize_username(data.username)
    password_hash = await hash_password(data.password)
    now = utcnow()
    async with db.transaction():
        if await User.exists().where(
            (User.tenant == tenant_id)
            & ((User.username_key == key) | (User.username == data.username))
        ):
            raise AlreadyExists("user", "username", data.username)
        team_ids = await _check_teams(tenant_id, data.team_ids)
        user = User(
            tenant=tenant_id,
            username=data.username,
            username_key=key,
            display_name=data.display_name,
            phone=data.phone,
            role=data.role.value,
            password_hash=password_hash,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        await user.save()
        user_id = UUID(str(user.id))
        await _set_memberships(tenant_id, user_id, team_ids)
        return await _get_user(tenant_id, user_id)


async def _get_user(tenant_id: UUID, user_id: UUID) -> contract.User:
    row = await (
        User.select(*_USER_COLUMNS).where((User.tenant == tenant_id) & (User.id == user_id)).first()
    )
    if row is None:
        raise NotFound("user", user_id)
    return _user(row, (await _team_ids_of(tenant_id, [user_id]))[user_id])


async def get_user(*, db: Database, actor: Actor, user_id: UUID) -> contract.User:
    if user_id != actor.user_id:
        require_role(actor, DISPATCH_ROLES, "read other users")
    async with db.snapshot():
        return await _get_user(actor.tenant_id, user_id)


async def list_users(
    *, db: Database, actor: Actor, role: Role | None = None, team_id: UUID | None = None
) -> contract.UserList:
    require_role(actor, DISPATCH_ROLES, "list users")
    condition: Combinable = User.tenant == actor.tenant_id
    if role is not None:
        condition &= User.role == role.value
    async with db.snapshot():
        if team_id is not None:
            members = await TeamMember.select(TeamMember.user).where(
                (TeamMember.tenant == actor.tenant_id) & (TeamMember.team == team_id)
            )
            if not members:
                return contract.UserList(items=[])
            condition &= User.id.is_in([m["user"] for m in members])
        rows = await User.select(*_USER_COLUMNS).where(condition).order_by(User.username)
        teams = await _team_ids_of(actor.tenant_id, [row["id"] for row in rows])
    return contract.UserList(items=[_user(row, teams[row["id"]]) for row in rows])


async def update_user(
    *, db: Database, actor: Actor, user_id: UUID, data: contract.UserUpdate
) -> contract.User:
    require_role(actor, ADMIN_ONLY, "change users")
    if data.password is not msgspec.UNSET:
        target = await (
            User.select(User.username)
            .where((User.tenant == actor.tenant_id) & (User.id == user_id))
            .first()
        )
        if target is None:
            raise NotFound("user", user_id)
        check_password(data.password, username=target["username"])
    changes: dict[object, object] = {}
    for name in ("display_name", "phone", "is_active"):
        value = getattr(data, name)
        if value is not msgspec.UNSET:
            changes[getattr(User, name)] = value
    if data.role is not msgspec.UNSET:
        changes[User.role] = data.role.value
    if data.password is not msgspec.UNSET:
        changes[User.password_hash] = await hash_password(data.password)
    now = utcnow()
    async with db.transaction():
        target = await (
            User.select(User.role, User.is_active)
            .where((User.tenant == actor.tenant_id) & (User.id == user_id))
            .first()
        )
        if target is None:
            raise NotFound("user", user_id)
        if target["role"] == Role.ADMIN.value and target["is_active"]:
            demoted = data.role is not msgspec.UNSET and data.role is not Role.ADMIN
            if demoted or data.is_active is False:
                await _keep_an_admin(db, actor.tenant_id, user_id)
        if data.team_ids is not msgspec.UNSET:
            await _set_memberships(
                actor.tenant_id, user_id, await _check_teams(actor.tenant_id, data.team_ids)
            )
        changes[User.updated_at] = now
        await User.update(changes).where(  # type: ignore[arg-type]
            (User.tenant == actor.tenant_id) & (User.id == user_id)
        )
        if data.is_active is False or data.password is not msgspec.UNSET:
            await RefreshToken.update({RefreshToken.revoked_at: now}).where(
                (RefreshToken.user == user_id) & RefreshToken.revoked_at.is_null()
            )
        return await _get_user(actor.tenant_id, user_id)


_ACTIVE_ADMINS = "SELECT id FROM accounts_user WHERE tenant = {} AND role = {} AND is_active = {}"


async def _keep_an_admin(db: Database, tenant_id: UUID, user_id: UUID) -> None:
    """Refuse to demote or deactivate the tenant's last active admin: nobody could manage its
    users through the API any more, only an operator on the server. On PostgreSQL the admins'
    rows are locked, so two admins demoting each other at once cannot both pass (the second
    waits, then sees the first's change); SQLite runs one writer at a time."""
    lock = "" if db.is_sqlite else " FOR UPDATE"
    admins = await sql.fetch(User, _ACTIVE_ADMINS + lock, tenant_id, Role.ADMIN.value, True)
    if all(str(row["id"]) == str(user_id) for row in admins):
        raise DomainError(
            ErrorCode.LAST_ADMIN,
            "This is the tenant's last active admin: it may not be demoted or deactivated. "
            "Make another user an admin first.",
            {"user_id": str(user_id)},
        )


def _team(row: dict[str, object], member_ids: list[UUID]) -> contract.Team:
    return contract.Team(
        id=row["id"],  # type: ignore[arg-type]
        name=row["name"],  # type: ignore[arg-type]
        member_ids=sorted(member_ids),
        created_at=row["created_at"],  # type: ignore[arg-type]
    )


async def _members_of(tenant_id: UUID, team_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    result: dict[UUID, list[UUID]] = {team_id: [] for team_id in team_ids}
    if team_ids:
        rows = await TeamMember.select(TeamMember.team, TeamMember.user).where(
            (TeamMember.tenant == tenant_id) & TeamMember.team.is_in(team_ids)
        )
        for row in rows:
            result[row["team"]].append(row["user"])
    return result


async def _get_team(tenant_id: UUID, team_id: UUID) -> contract.Team:
    row = await (
        Team.select(Team.id, Team.name, Team.created_at)
        .where((Team.tenant == tenant_id) & (Team.id == team_id))
        .first()
    )
    if row is None:
        raise NotFound("team", team_id)
    return _team(row, (await _members_of(tenant_id, [team_id]))[team_id])


async def list_teams(*, db: Database, actor: Actor) -> contract.TeamList:
    require_role(actor, DISPATCH_ROLES, "list teams")
    async with db.snapshot():
        rows = await (
            Team.select(Team.id, Team.name, Team.created_at)
            .where(Team.tenant == actor.tenant_id)
            .order_by(Team.name)
        )
        members = await _members_of(actor.tenant_id, [row["id"] for row in rows])
    return contract.TeamList(items=[_team(row, members[row["id"]]) for row in rows])


async def get_team(*, db: Database, actor: Actor, team_id: UUID) -> contract.Team:
    if team_id not in actor.team_ids:
        require_role(actor, DISPATCH_ROLES, "read other teams")
    async with db.snapshot():
        return await _get_team(actor.tenant_id, team_id)


async def create_team(
    *, db: Database, tenant_id: UUID, data: contract.TeamCreate, actor: Actor | None = None
) -> contract.Team:
    if actor is not None:
        require_role(actor, ADMIN_ONLY, "create teams")
    async with db.transaction():
        if await Team.exists().where((Team.tenant == tenant_id) & (Team.name == data.name)):
            raise AlreadyExists("team", "name", data.name)
        team = Team(tenant=tenant_id, name=data.name, created_at=utcnow())
        await team.save()
        return await _get_team(tenant_id, UUID(str(team.id)))


async def update_team(
    *, db: Database, actor: Actor, team_id: UUID, data: contract.TeamUpdate
) -> contract.Team:
    require_role(actor, ADMIN_ONLY, "change teams")
    tenant_id = actor.tenant_id
    async with db.transaction():
        await _get_team(tenant_id, team_id)
        if data.name is not msgspec.UNSET:
            if await Team.exists().where(
                (Team.tenant == tenant_id) & (Team.name == data.name) & (Team.id != team_id)
            ):
                raise AlreadyExists("team", "name", data.name)
            await Team.update({Team.name: data.name}).where(
                (Team.tenant == tenant_id) & (Team.id == team_id)
            )
        if data.member_ids is not msgspec.UNSET:
            wanted = sorted(set(data.member_ids))
            found = {
                row["id"]
                for row in (
                    await User.select(User.id).where(
                        (User.tenant == tenant_id) & User.id.is_in(wanted)
                    )
                    if wanted
                    else []
                )
            }
            for user_id in wanted:
                if user_id not in found:
                    raise InvalidReference("member_ids", user_id)
            await TeamMember.delete().where(
                (TeamMember.tenant == tenant_id) & (TeamMember.team == team_id)
            )
            if wanted:
                await TeamMember.insert(
                    *(TeamMember(tenant=tenant_id, team=team_id, user=u) for u in wanted)
                )
        return await _get_team(tenant_id, team_id)
