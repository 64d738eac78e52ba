"""Tenants, users and teams: administration use cases."""

from collections.abc import Iterable
from uuid import UUID, uuid4

import msgspec

from accounts import sql
from accounts.callers import Callers
from accounts.password_policy import check_password
from accounts.passwords import hash_password
from accounts.usernames import normalize_username
from kernel.clock import utcnow
from kernel.context import ADMIN_ONLY, DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Reader, Transaction
from kernel.errors import AlreadyExists, DomainError, InvalidReference, NotFound
from mobile_contract import auth as contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode

ALL_ROLES = tuple(role.value for role in Role)


async def create_tenant(*, db: Database, slug: str, name: str, locale: str = "zh-CN") -> UUID:
    """A tenant; ``locale`` (zh-CN or en) is the language of its on-call alerts."""
    async with db.transaction() as tx:
        if await tx.fetch_one(sql.TENANT_BY_SLUG, sql.Id, slug=slug):
            raise AlreadyExists("tenant", "slug", slug)
        tenant_id = uuid4()
        await tx.execute(
            sql.INSERT_TENANT, id=tenant_id, slug=slug, name=name, locale=locale, now=utcnow()
        )
        return tenant_id


async def tenant_id_for(*, db: Database, slug: str) -> UUID:
    row = await db.fetch_one(sql.TENANT_BY_SLUG, sql.Id, slug=slug)
    if row is None:
        raise NotFound("tenant", slug)
    return row.id


async def _team_ids_of(
    reader: Reader, tenant_id: UUID, user_ids: list[UUID]
) -> dict[UUID, list[UUID]]:
    result: dict[UUID, list[UUID]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        rows = await reader.fetch(
            sql.MEMBERSHIPS_OF_USERS, sql.Membership, tenant=tenant_id, users=user_ids
        )
        for row in rows:
            result[row.user_id].append(row.team_id)
    return result


async def _check_teams(reader: Reader, tenant_id: UUID, team_ids: Iterable[UUID]) -> list[UUID]:
    wanted = sorted(set(team_ids))
    if not wanted:
        return []
    rows = await reader.fetch(sql.TEAMS_FOUND, sql.Id, tenant=tenant_id, ids=wanted)
    found = {row.id for row in rows}
    for team_id in wanted:
        if team_id not in found:
            raise InvalidReference("team_ids", team_id)
    return wanted


async def _set_memberships(
    *, tx: Transaction, tenant_id: UUID, user_id: UUID, team_ids: list[UUID]
) -> None:
    await tx.execute(sql.DELETE_USER_MEMBERSHIPS, tenant=tenant_id, user=user_id)
    if team_ids:
        rows = [(uuid4(), tenant_id, team_id, user_id) for team_id in team_ids]
        await tx.execute(sql.INSERT_MEMBERSHIPS, rows=rows)


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
    async with db.transaction() as tx:
        taken = await tx.fetch_one(
            sql.USER_TAKEN, sql.Id, tenant=tenant_id, key=key, username=data.username
        )
        if taken is not None:
            raise AlreadyExists("user", "username", data.username)
        team_ids = await _check_teams(tx, tenant_id, data.team_ids)
        user_id = uuid4()
        await tx.execute(
            sql.INSERT_USER,
            id=user_id,
            tenant=tenant_id,
            username=data.username,
            key=key,
            display_name=data.display_name,
            phone=data.phone,
            role=data.role.value,
            password_hash=password_hash,
            is_active=True,
            now=now,
        )
        await _set_memberships(tx=tx, tenant_id=tenant_id, user_id=user_id, team_ids=team_ids)
        return await _get_user(tx, tenant_id, user_id)


async def _get_user(reader: Reader, tenant_id: UUID, user_id: UUID) -> contract.User:
    user = await reader.fetch_one(sql.USER, contract.User, tenant=tenant_id, id=user_id)
    if user is None:
        raise NotFound("user", user_id)
    user.team_ids = sorted((await _team_ids_of(reader, tenant_id, [user_id]))[user_id])
    return user


async def get_user(*, db: Database, actor: Actor, user_id: UUID) -> contract.User:
    if user_id != actor.user_id:
        require_role(actor, DISPATCH_ROLES, "read other users")
    async with db.snapshot() as reader:
        return await _get_user(reader, actor.tenant_id, user_id)


async def list_users(
    *, db: Database, actor: Actor, role: Role | None = None, team_id: UUID | None = None
) -> contract.UserList:
    require_role(actor, DISPATCH_ROLES, "list users")
    roles = ALL_ROLES if role is None else (role.value,)
    async with db.snapshot() as reader:
        users = await reader.fetch(sql.USERS, contract.User, tenant=actor.tenant_id, roles=roles)
        teams = await _team_ids_of(reader, actor.tenant_id, [user.id for user in users])
    items = []
    for user in users:
        user.team_ids = sorted(teams[user.id])
        if team_id is None or team_id in user.team_ids:
            items.append(user)
    return contract.UserList(items=items)


async def update_user(
    *, db: Database, callers: Callers, actor: Actor, user_id: UUID, data: contract.UserUpdate
) -> contract.User:
    """Role, activity and teams reach the user's next call at once here, elsewhere within the
    callers' memory (``accounts.callers``)."""
    require_role(actor, ADMIN_ONLY, "change users")
    tenant_id = actor.tenant_id
    password_hash = None
    if data.password is not msgspec.UNSET:
        named = await db.fetch_one(sql.USER, contract.User, tenant=tenant_id, id=user_id)
        if named is None:
            raise NotFound("user", user_id)
        check_password(data.password, username=named.username)
        password_hash = await hash_password(data.password)
    now = utcnow()
    async with db.transaction() as tx:
        tx.after_commit(lambda: callers.forget_user(tenant_id=tenant_id, user_id=user_id))
        target = await tx.fetch_one(sql.USER, contract.User, tenant=tenant_id, id=user_id)
        if target is None:
            raise NotFound("user", user_id)
        if target.role is Role.ADMIN and target.is_active:
            demoted = data.role is not msgspec.UNSET and data.role is not Role.ADMIN
            if demoted or data.is_active is False:
                await _keep_an_admin(tx=tx, tenant_id=tenant_id, user_id=user_id)
        if data.team_ids is not msgspec.UNSET:
            team_ids = await _check_teams(tx, tenant_id, data.team_ids)
            await _set_memberships(tx=tx, tenant_id=tenant_id, user_id=user_id, team_ids=team_ids)
        changed = msgspec.structs.replace(
            target,
            **{
                name: getattr(data, name)
                for name in ("display_name", "phone", "is_active", "role")
                if getattr(data, name) is not msgspec.UNSET
            },
        )
        await tx.execute(
            sql.UPDATE_USER,
            display_name=changed.display_name,
            phone=changed.phone,
            role=changed.role.value,
            is_active=changed.is_active,
            password_hash=password_hash,
            now=now,
            tenant=tenant_id,
            id=user_id,
        )
        if data.is_active is False or password_hash is not None:
            await tx.execute(sql.REVOKE_USER_SESSIONS, tenant=tenant_id, user=user_id, now=now)
        return await _get_user(tx, tenant_id, user_id)


async def _keep_an_admin(*, tx: Transaction, tenant_id: UUID, user_id: UUID) -> None:
    """Refuse to demote or deactivate the tenant's last active admin: nobody could manage its
    users through the API any more, only an operator on the server. On PostgreSQL the admins'
    rows are locked, so two admins demoting each other at once cannot both pass (the second
    waits, then sees the first's change); SQLite runs one writer at a time."""
    admins = await tx.fetch(
        sql.ACTIVE_ADMINS, sql.Id, tenant=tenant_id, role=Role.ADMIN.value, active=True
    )
    if all(row.id == user_id for row in admins):
        raise DomainError(
            ErrorCode.LAST_ADMIN,
            "This is the tenant's last active admin: it may not be demoted or deactivated. "
            "Make another user an admin first.",
            {"user_id": str(user_id)},
        )


async def _members_of(
    reader: Reader, tenant_id: UUID, team_ids: list[UUID]
) -> dict[UUID, list[UUID]]:
    result: dict[UUID, list[UUID]] = {team_id: [] for team_id in team_ids}
    if team_ids:
        rows = await reader.fetch(
            sql.MEMBERSHIPS_OF_TEAMS, sql.Membership, tenant=tenant_id, teams=team_ids
        )
        for row in rows:
            result[row.team_id].append(row.user_id)
    return result


async def _get_team(reader: Reader, tenant_id: UUID, team_id: UUID) -> contract.Team:
    team = await reader.fetch_one(sql.TEAM, contract.Team, tenant=tenant_id, id=team_id)
    if team is None:
        raise NotFound("team", team_id)
    team.member_ids = sorted((await _members_of(reader, tenant_id, [team_id]))[team_id])
    return team


async def list_teams(*, db: Database, actor: Actor) -> contract.TeamList:
    require_role(actor, DISPATCH_ROLES, "list teams")
    async with db.snapshot() as reader:
        teams = await reader.fetch(sql.TEAMS, contract.Team, tenant=actor.tenant_id)
        members = await _members_of(reader, actor.tenant_id, [team.id for team in teams])
    for team in teams:
        team.member_ids = sorted(members[team.id])
    return contract.TeamList(items=teams)


async def get_team(*, db: Database, actor: Actor, team_id: UUID) -> contract.Team:
    if team_id not in actor.team_ids:
        require_role(actor, DISPATCH_ROLES, "read other teams")
    async with db.snapshot() as reader:
        return await _get_team(reader, actor.tenant_id, team_id)


async def create_team(
    *, db: Database, tenant_id: UUID, data: contract.TeamCreate, actor: Actor | None = None
) -> contract.Team:
    if actor is not None:
        require_role(actor, ADMIN_ONLY, "create teams")
    async with db.transaction() as tx:
        if await tx.fetch(sql.TEAMS_NAMED, sql.Id, tenant=tenant_id, name=data.name):
            raise AlreadyExists("team", "name", data.name)
        team_id = uuid4()
        await tx.execute(
            sql.INSERT_TEAM, id=team_id, tenant=tenant_id, name=data.name, now=utcnow()
        )
        return await _get_team(tx, tenant_id, team_id)


async def update_team(
    *, db: Database, callers: Callers, actor: Actor, team_id: UUID, data: contract.TeamUpdate
) -> contract.Team:
    require_role(actor, ADMIN_ONLY, "change teams")
    tenant_id = actor.tenant_id
    async with db.transaction() as tx:
        tx.after_commit(lambda: callers.forget_tenant(tenant_id))
        await _get_team(tx, tenant_id, team_id)
        if data.name is not msgspec.UNSET:
            named = await tx.fetch(sql.TEAMS_NAMED, sql.Id, tenant=tenant_id, name=data.name)
            if any(row.id != team_id for row in named):
                raise AlreadyExists("team", "name", data.name)
            await tx.execute(sql.RENAME_TEAM, name=data.name, tenant=tenant_id, id=team_id)
        if data.member_ids is not msgspec.UNSET:
            wanted = sorted(set(data.member_ids))
            rows = await tx.fetch(sql.USERS_FOUND, sql.Id, tenant=tenant_id, ids=wanted)
            found = {row.id for row in rows}
            for user_id in wanted:
                if user_id not in found:
                    raise InvalidReference("member_ids", user_id)
            await tx.execute(sql.DELETE_TEAM_MEMBERSHIPS, tenant=tenant_id, team=team_id)
            if wanted:
                rows_to_insert = [(uuid4(), tenant_id, team_id, user) for user in wanted]
                await tx.execute(sql.INSERT_MEMBERSHIPS, rows=rows_to_insert)
        return await _get_team(tx, tenant_id, team_id)
