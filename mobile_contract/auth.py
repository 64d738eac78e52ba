"""Authentication and identity documents."""

from datetime import datetime
from uuid import UUID

import msgspec

from mobile_contract.enums import Role
from mobile_contract.types import DeviceId, Name, Password, Phone, Slug, Username


class LoginRequest(msgspec.Struct, kw_only=True):
    tenant: Slug
    username: Username
    password: Password
    device_id: DeviceId


class RefreshRequest(msgspec.Struct, kw_only=True):
    refresh_token: str
    device_id: DeviceId


class LogoutRequest(msgspec.Struct, kw_only=True):
    """Ends the session of the access token used; ``all_devices`` ends every session."""

    all_devices: bool = False


class TokenPair(msgspec.Struct, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_expires_in: int


class TeamRef(msgspec.Struct, kw_only=True):
    id: UUID
    name: str


class Me(msgspec.Struct, kw_only=True):
    id: UUID
    tenant_id: UUID
    tenant: str
    username: str
    display_name: str
    phone: str
    role: Role
    teams: list[TeamRef] = []


class User(msgspec.Struct, kw_only=True):
    id: UUID
    username: str
    display_name: str
    phone: str
    role: Role
    is_active: bool
    team_ids: list[UUID] = []
    created_at: datetime


class UserCreate(msgspec.Struct, kw_only=True):
    username: Username
    display_name: Name
    password: Password
    role: Role
    phone: Phone = ""
    team_ids: list[UUID] = []


class UserUpdate(msgspec.Struct, kw_only=True):
    display_name: Name | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET
    team_ids: list[UUID] | msgspec.UnsetType = msgspec.UNSET


class UserList(msgspec.Struct, kw_only=True):
    items: list[User]


class Team(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    member_ids: list[UUID] = []
    created_at: datetime


class TeamCreate(msgspec.Struct, kw_only=True):
    name: Name


class TeamUpdate(msgspec.Struct, kw_only=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    member_ids: list[UUID] | msgspec.UnsetType = msgspec.UNSET


class TeamList(msgspec.Struct, kw_only=True):
    items: list[Team]


class ProfilePhoto(msgspec.Struct, kw_only=True):
    """``PUT /api/v1/me/photo`` (the image as the body: JPEG, PNG or WebP): the photo the
    customer's portal page shows once you handle their repair. The server keeps a 256-pixel
    square JPEG of it, without the original's metadata (no location, no camera details)."""

    user_id: UUID
    sha256: str  # of the stored JPEG
    size: int
    updated_at: datetime
