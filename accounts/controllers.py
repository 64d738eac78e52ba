"""HTTP routes for auth, the caller's identity, users and teams (thin: decode, call, return)."""

from typing import Any, TypeAlias
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts import auth, photos, services
from accounts.callers import Callers
from accounts.throttle import LoginPolicy
from accounts.tokens import TokenConfig
from mobile_contract import auth as contract
from mobile_contract.enums import Role
from web.http import BEARER, DB, CurrentActor

# Provided by the composition root (server/app.py), which builds both from the settings.
Tokens: TypeAlias = NamedDependency[TokenConfig]
Policy: TypeAlias = NamedDependency[LoginPolicy]
RememberedCallers: TypeAlias = NamedDependency[Callers]

PUBLIC = {"exclude_from_auth": True}


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", opt=PUBLIC, status_code=200)
    async def login(
        self,
        data: JSONBody[contract.LoginRequest],
        db: DB,
        tokens: Tokens,
        login_policy: Policy,
    ) -> contract.TokenPair:
        """Password login; the refresh token is bound to ``device_id``. After repeated
        failures an account name waits before each attempt (429 ``rate_limited``,
        ``Retry-After``)."""
        return await auth.login(
            db=db,
            config=tokens,
            tenant=data.tenant,
            username=data.username,
            password=data.password,
            device_id=data.device_id,
            policy=login_policy,
        )

    @post("/refresh", opt=PUBLIC, status_code=200)
    async def refresh(
        self,
        data: JSONBody[contract.RefreshRequest],
        db: DB,
        tokens: Tokens,
        callers: RememberedCallers,
    ) -> contract.TokenPair:
        """Rotates the refresh token: the one sent is spent; replaying it ends the session."""
        return await auth.refresh(
            db=db,
            config=tokens,
            callers=callers,
            refresh_token=data.refresh_token,
            device_id=data.device_id,
        )

    @post("/logout", status_code=204, security=BEARER)
    async def logout(
        self,
        data: JSONBody[contract.LogoutRequest],
        db: DB,
        actor: CurrentActor,
        callers: RememberedCallers,
    ) -> None:
        """Ends this session (or every session with ``all_devices``)."""
        await auth.logout(db=db, callers=callers, actor=actor, all_devices=data.all_devices)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["auth"]
    security = BEARER

    @get("/")
    async def me(self, db: DB, actor: CurrentActor) -> contract.Me:
        return await auth.me(db=db, actor=actor)

    @put("/photo", request_max_body_size=photos.MAX_UPLOAD_BYTES + 1)
    async def set_photo(
        self, request: Request[Any, Any, Any], db: DB, actor: CurrentActor
    ) -> contract.ProfilePhoto:
        """Your profile photo (the body: a JPEG, PNG or WebP image, at most 5 MiB), shown to
        the customers whose repairs you handle."""
        return await photos.set_photo(
            db=db,
            actor=actor,
            content=await request.body(),
            content_type=request.headers.get("content-type", ""),
        )

    @delete("/photo", status_code=204)
    async def delete_photo(self, db: DB, actor: CurrentActor) -> None:
        await photos.delete_photo(db=db, actor=actor)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    security = BEARER

    @get("/")
    async def list_users(
        self,
        db: DB,
        actor: CurrentActor,
        role: FromQuery[Role | None] = None,
        team_id: FromQuery[UUID | None] = None,
    ) -> contract.UserList:
        return await services.list_users(db=db, actor=actor, role=role, team_id=team_id)

    @post("/")
    async def create_user(
        self, data: JSONBody[contract.UserCreate], db: DB, actor: CurrentActor
    ) -> contract.User:
        return await services.create_user(db=db, tenant_id=actor.tenant_id, data=data, actor=actor)

    @get("/{user_id:uuid}")
    async def get_user(self, user_id: FromPath[UUID], db: DB, actor: CurrentActor) -> contract.User:
        return await services.get_user(db=db, actor=actor, user_id=user_id)

    @get("/{user_id:uuid}/photo", media_type="image/jpeg")
    async def get_photo(
        self, user_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> Response[bytes]:
        """A colleague's profile photo (a 256-pixel square JPEG)."""
        photo = await photos.get_photo(db=db, actor=actor, user_id=user_id)
        return Response(
            photo.content,
            media_type="image/jpeg",
            headers={"ETag": f'"{photo.sha256}"', "Cache-Control": "private, max-age=300"},
        )

    @patch("/{user_id:uuid}")
    async def update_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[contract.UserUpdate],
        db: DB,
        actor: CurrentActor,
        callers: RememberedCallers,
    ) -> contract.User:
        return await services.update_user(
            db=db, callers=callers, actor=actor, user_id=user_id, data=data
        )


class TeamController(Controller):
    path = "/api/v1/teams"
    tags = ["teams"]
    security = BEARER

    @get("/")
    async def list_teams(self, db: DB, actor: CurrentActor) -> contract.TeamList:
        return await services.list_teams(db=db, actor=actor)

    @post("/")
    async def create_team(
        self, data: JSONBody[contract.TeamCreate], db: DB, actor: CurrentActor
    ) -> contract.Team:
        return await services.create_team(db=db, tenant_id=actor.tenant_id, data=data, actor=actor)

    @get("/{team_id:uuid}")
    async def get_team(self, team_id: FromPath[UUID], db: DB, actor: CurrentActor) -> contract.Team:
        return await services.get_team(db=db, actor=actor, team_id=team_id)

    @patch("/{team_id:uuid}")
    async def update_team(
        self,
        team_id: FromPath[UUID],
        data: JSONBody[contract.TeamUpdate],
        db: DB,
        actor: CurrentActor,
        callers: RememberedCallers,
    ) -> contract.Team:
        return await services.update_team(
            db=db, callers=callers, actor=actor, team_id=team_id, data=data
        )


CONTROLLERS = [AuthController, MeController, UserController, TeamController]
