"""Customers, sites (cold-storage warehouses, plants) and assets (the installed base)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from mobile_contract.enums import CustomerTier, SiteKind
from mobile_contract.types import (
    DeviceCode,
    Latitude,
    Longitude,
    LongText,
    Name,
    Phone,
    ShortText,
    TimeZone,
)

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET

#: The id a WeChat official account knows a follower by (letters, digits, - and _).
OpenId = Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[A-Za-z0-9_-]*$(?!\n)")]
ContactLocale = Literal["", "zh-CN", "en"]


class Contact(msgspec.Struct, kw_only=True):
    """A person at the customer. ``notify``: receives the work orders' milestone notifications
    (by SMS to ``phone``, by WeChat to ``wechat_open_id``, where the tenant has the channel);
    unset, they do. ``locale``: their language (unset or "": the tenant's). The three are left
    out of an answer until they are set, so a contact reads as it did before they existed."""

    name: Name
    phone: Phone = ""
    email: ShortText = ""
    role: ShortText = ""
    wechat_open_id: OpenId | Unset = UNSET
    locale: ContactLocale | Unset = UNSET
    notify: bool | Unset = UNSET


class Customer(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    tier: CustomerTier
    contacts: list[Contact] = []
    created_at: datetime
    updated_at: datetime


class CustomerCreate(msgspec.Struct, kw_only=True):
    name: Name
    tier: CustomerTier = CustomerTier.STANDARD
    contacts: list[Contact] = []


class CustomerUpdate(msgspec.Struct, kw_only=True):
    name: Name | Unset = UNSET
    tier: CustomerTier | Unset = UNSET
    contacts: list[Contact] | Unset = UNSET


class CustomerList(msgspec.Struct, kw_only=True):
    items: list[Customer]


class Site(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: SiteKind
    customer_id: UUID | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str
    created_at: datetime
    updated_at: datetime


class SiteCreate(msgspec.Struct, kw_only=True):
    name: Name
    kind: SiteKind = SiteKind.COLD_STORAGE
    customer_id: UUID | None = None
    address: LongText = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    timezone: TimeZone = "UTC"


class SiteUpdate(msgspec.Struct, kw_only=True):
    name: Name | Unset = UNSET
    kind: SiteKind | Unset = UNSET
    customer_id: UUID | None | Unset = UNSET
    address: LongText | Unset = UNSET
    latitude: Latitude | None | Unset = UNSET
    longitude: Longitude | None | Unset = UNSET
    timezone: TimeZone | Unset = UNSET


class SiteList(msgspec.Struct, kw_only=True):
    items: list[Site]


class Asset(msgspec.Struct, kw_only=True):
    id: UUID
    site_id: UUID
    device_code: str
    name: str = ""
    model: str = ""
    family: str = ""
    production_line: str = ""
    system_module: str = ""
    serial_number: str = ""
    created_at: datetime
    updated_at: datetime


class AssetCreate(msgspec.Struct, kw_only=True):
    site_id: UUID
    device_code: DeviceCode
    name: ShortText = ""
    model: ShortText = ""
    family: ShortText = ""
    production_line: ShortText = ""
    system_module: ShortText = ""
    serial_number: ShortText = ""


class AssetUpdate(msgspec.Struct, kw_only=True):
    site_id: UUID | Unset = UNSET
    name: ShortText | Unset = UNSET
    model: ShortText | Unset = UNSET
    family: ShortText | Unset = UNSET
    production_line: ShortText | Unset = UNSET
    system_module: ShortText | Unset = UNSET
    serial_number: ShortText | Unset = UNSET


class AssetList(msgspec.Struct, kw_only=True):
    items: list[Asset]
