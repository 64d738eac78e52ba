"""Constrained scalar types reused across the contract, so limits are the same everywhere."""

from typing import Annotated

from msgspec import Meta

Name = Annotated[str, Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, Meta(max_length=200)]
LongText = Annotated[str, Meta(max_length=20_000)]
Username = Annotated[str, Meta(min_length=3, max_length=120, pattern=r"^[A-Za-z0-9._@+-]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=256)]
Slug = Annotated[str, Meta(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Phone = Annotated[str, Meta(max_length=40, pattern=r"^[0-9+() -]*$")]
DeviceId = Annotated[str, Meta(min_length=1, max_length=200)]
Tag = Annotated[str, Meta(min_length=1, max_length=60)]
Tags = Annotated[list[Tag], Meta(max_length=30)]
DeviceCode = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
TimeZone = Annotated[str, Meta(min_length=1, max_length=64)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
