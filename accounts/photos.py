"""Staff profile photos: the face the customer's portal page shows beside the engineer's name
and phone.

What is uploaded is decoded and re-encoded here as a small square JPEG: the original's
metadata (GPS position, camera, time) never reaches a customer, a file that is not an image is
refused, and an image that would decode to an enormous bitmap is refused before it is decoded.
"""

import asyncio
import hashlib
import io
from datetime import datetime
from uuid import UUID, uuid4

import msgspec
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts import sql
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database, Reader
from kernel.errors import DomainError, NotFound
from mobile_contract import auth as contract
from mobile_contract.errors import ErrorCode

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 10,000 x 5,000 photo; more is a decompression bomb, not a face
SIDE = 256
ACCEPTED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class StoredPhoto(msgspec.Struct, frozen=True):
    user_id: UUID
    content: bytes
    sha256: str
    updated_at: datetime


async def set_photo(
    *, db: Database, actor: Actor, content: bytes, content_type: str
) -> contract.ProfilePhoto:
    expected = ACCEPTED.get(content_type.split(";")[0].strip().lower())
    if expected is None:
        raise DomainError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            f"Send the photo as {', '.join(sorted(ACCEPTED))} (Content-Type); got "
            f"{content_type or 'nothing'}.",
            {"allowed": sorted(ACCEPTED)},
        )
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"A profile photo may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.",
            {"max_bytes": MAX_UPLOAD_BYTES},
        )
    square = await asyncio.to_thread(_square_jpeg, content, expected)
    now, digest = utcnow(), hashlib.sha256(square).hexdigest()
    async with db.transaction() as tx:
        await tx.execute(
            sql.SAVE_PHOTO,
            id=uuid4(),
            tenant=actor.tenant_id,
            user=actor.user_id,
            content=square,
            sha256=digest,
            now=now,
        )
    return contract.ProfilePhoto(
        user_id=actor.user_id, sha256=digest, size=len(square), updated_at=now
    )


async def delete_photo(*, db: Database, actor: Actor) -> None:
    async with db.transaction() as tx:
        await tx.execute(sql.DELETE_PHOTO, tenant=actor.tenant_id, user=actor.user_id)


async def photo_of(reader: Reader, *, tenant_id: UUID, user_id: UUID) -> StoredPhoto | None:
    return await reader.fetch_one(sql.PHOTO, StoredPhoto, tenant=tenant_id, user=user_id)


async def get_photo(*, db: Database, actor: Actor, user_id: UUID) -> StoredPhoto:
    """A colleague's photo (any staff member of the tenant)."""
    async with db.snapshot() as reader:
        photo = await photo_of(reader, tenant_id=actor.tenant_id, user_id=user_id)
    if photo is None:
        raise NotFound("photo", user_id)
    return photo


def _square_jpeg(content: bytes, expected: str) -> bytes:
    """The centre square of the image, upright, SIDE pixels, as a JPEG with no metadata."""
    refused = DomainError(
        ErrorCode.VALIDATION_FAILED,
        "This is not a readable JPEG, PNG or WebP image; take the photo again and send it.",
        {"field": "body"},
    )
    too_large = DomainError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        "This image has too many pixels for a profile photo; send a smaller one.",
        {"max_pixels": MAX_PIXELS},
    )
    try:
        with Image.open(io.BytesIO(content)) as image:  # reads the header only
            if image.format != expected:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise too_large
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError as error:  # Pillow's own, larger limit
        raise too_large from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise refused from error
    square = ImageOps.fit(upright, (SIDE, SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
