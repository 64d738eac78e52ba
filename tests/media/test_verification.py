"""Verification: what arrives is re-hashed, sniffed and decoded before it is evidence; the
evidence ledger chains every entry; abandoned uploads expire."""

import asyncio
import dataclasses
import hashlib
import io
import os
import struct
import uuid
import zlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from minio.error import S3Error
from PIL import ExifTags, Image

from kernel.clock import utcnow
from kernel.statements import Statement
from media import ledger
from media.sql import EvidenceRow
from media.store import S3Config, S3Store
from media.verify import Verifier
from tests.factories import World
from tests.media import samples
from tests.media.test_uploads import call, create, declaration, engineers_work_order, put

pytestmark = pytest.mark.usefixtures("each_store")


def jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    """A photo as a phone takes it: EXIF capture time and GPS position."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:12:04 09:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (31.0, 13.0, 48.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (121.0, 28.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb() -> bytes:
    """A small PNG whose header claims 30,000 x 30,000 pixels (900 megapixels)."""
    out = io.BytesIO()
    Image.new("1", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    header = b"IHDR" + struct.pack(">II", 30_000, 30_000) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


ALTER = Statement("UPDATE media_evidence SET sha256 = :sha256 WHERE id = :id")


async def chain(world: World, work_order_id: str) -> list[EvidenceRow]:
    """The work order's ledger, as the database holds it."""
    async with world.client.app.state.services.db.snapshot() as reader:
        return await ledger.chain(
            reader, tenant_id=world.tenant_id, work_order_id=uuid.UUID(work_order_id)
        )


async def verify_all(world: World) -> int:
    services = world.client.app.state.services
    verifier, handled = Verifier(db=services.db, store=services.media), 0
    while done := await verifier.run_once():
        handled += done
    return handled


async def upload(
    world: World, wo: str, data: bytes, sent: bytes | None = None, **fields: Any
) -> str:
    session = await create(world, wo, declaration(data, **fields))
    await put(world, session["upload"], data if sent is None else sent)
    await call(world, "eng_a", session["id"], "complete")
    return str(session["id"])


async def test_a_photo_is_verified_promoted_and_chained(world: World) -> None:
    wo, photo = await engineers_work_order(world), jpeg()
    first = await upload(world, wo, photo, requirement="photo_before")
    await upload(world, wo, jpeg((640, 480)), requirement="photo_after")
    assert await verify_all(world) >= 2  # (and what earlier tests left in the shared database)
    assert (await call(world, "eng_a", first))["status"] == "verified"
    entries = await chain(world, wo)
    assert [(e.seq, e.requirement) for e in entries] == [
        (1, "photo_before"),
        (2, "photo_after"),
    ]
    entry = entries[0]
    assert (entry.content_type, entry.size) == ("image/jpeg", len(photo))
    assert entry.sha256 == hashlib.sha256(photo).hexdigest()
    assert abs(entry.latitude - 31.23) < 0.001  # from EXIF: the app sent no position
    assert entry.prev_hash == ledger.GENESIS
    assert entries[1].prev_hash == entry.entry_hash
    assert ledger.check_chain(entries) == []
    # Out of quarantine, into evidence; the thumbnail carries no EXIF (no GPS leaks out).
    store = world.client.app.state.services.media
    assert await store.stat(key=f"quarantine/{world.tenant_id}/{wo}/{first}") is None
    stored = b"".join([c async for c in store.read(key=entry.object_key)])
    assert stored == photo
    thumbnail = b"".join([c async for c in store.read(key=entry.thumbnail_key)])
    with Image.open(io.BytesIO(thumbnail)) as shown:
        assert max(shown.size) == 320
        assert dict(shown.getexif()) == {}
    # Changing an entry behind the API's back breaks the chain, and says where.
    db = world.client.app.state.services.db
    await db.execute(ALTER, sha256="0" * 64, id=entry.id)
    entries = await chain(world, wo)
    assert ledger.check_chain(entries) == ["entry 1 was altered"]


async def test_bad_bytes_are_rejected_with_a_reason_and_never_promoted(world: World) -> None:
    wo, photo = await engineers_work_order(world), jpeg()
    tampered = bytearray(photo)
    tampered[-100] ^= 0xFF  # same size, other bytes: what moto's S3 would accept silently
    cases = {
        await upload(world, wo, photo, bytes(tampered)): "do not match the declared SHA-256",
        await upload(world, wo, b"MZ\x90\x00" + b"\x00" * 2000): "application/x-msdownload",
        await upload(world, wo, png_bomb(), content_type="image/png"): "too large to decode",
        await upload(world, wo, photo[: len(photo) // 2]): "cannot be decoded",
        await upload(world, wo, jpeg(), content_type="image/png"): None,  # a JPEG is a photo
    }
    assert await verify_all(world) >= len(cases)
    for upload_id, reason in cases.items():
        shown = await call(world, "eng_a", upload_id)
        if reason is None:
            assert shown["status"] == "verified"
            continue
        assert shown["status"] == "rejected"
        assert reason in shown["rejection_reason"]
    entries = await chain(world, wo)
    assert len(entries) == 1  # only the good one is evidence


async def test_abandoned_uploads_expire_and_their_parts_are_dropped(world: World) -> None:
    wo = await engineers_work_order(world)
    data = b"v" * (17 * (1 << 20))
    session = await create(world, wo, declaration(data, kind="video", content_type="video/mp4"))
    await put(world, session["parts"][0]["url"], data[: 8 << 20])
    services = world.client.app.state.services
    later = Verifier(
        db=services.db, store=services.media, clock=lambda: utcnow() + timedelta(days=2)
    )
    assert await later.expire_abandoned() >= 1
    shown = await call(world, "eng_a", session["id"])
    assert (shown["status"], shown["rejection_reason"]) == (
        "expired",
        "not completed before it expired",
    )


async def test_verified_evidence_is_retained_where_the_bucket_locks_objects(
    world: World, moto_endpoint: str, each_store: str
) -> None:
    """With object lock on the bucket, the verified evidence's version cannot be deleted
    before its retention ends (governance mode); without it, nothing is claimed."""
    if each_store != "moto":
        pytest.skip("object lock is an S3 feature; the local store's integrity is the ledger")
    bucket = f"locked-{uuid.uuid4().hex[:12]}"
    store = S3Store(S3Config(moto_endpoint, moto_endpoint, "test", "test", bucket))
    await asyncio.to_thread(store.client.make_bucket, bucket, None, True)
    services = world.client.app.state.services
    world.client.app.state.services = dataclasses.replace(services, media=store)
    try:
        wo = await engineers_work_order(world)
        await upload(world, wo, jpeg(), requirement="photo_before")
        await Verifier(db=services.db, store=store).run_once()
    finally:
        world.client.app.state.services = services
    (entry,) = await chain(world, wo)
    details = entry.details
    until = datetime.fromisoformat(details["retained_until"])
    assert until > utcnow() + timedelta(days=1000)
    version = (
        await asyncio.to_thread(store.client.stat_object, bucket, entry.object_key)
    ).version_id
    with pytest.raises(S3Error, match="AccessDenied"):
        await asyncio.to_thread(store.client.remove_object, bucket, entry.object_key, version)


async def test_bytes_swapped_while_verifying_never_become_evidence(world: World) -> None:
    """The upload link still works after completion: bytes PUT again while the verifier
    inspects must not be what it promotes (it checks and promotes a copy no link reaches)."""
    wo, photo = await engineers_work_order(world), jpeg()
    session = await create(world, wo, declaration(photo, requirement="photo_before"))
    await put(world, session["upload"], photo)
    await call(world, "eng_a", session["id"], "complete")
    services = world.client.app.state.services
    verifier = Verifier(db=services.db, store=services.media)
    inspect = verifier._inspect

    async def swapped_meanwhile(row: dict[str, Any], key: str) -> Any:
        found = await inspect(row, key)
        await put(world, session["upload"], jpeg((640, 480)))  # the attacker's re-PUT
        return found

    verifier._inspect = swapped_meanwhile  # type: ignore[method-assign]
    while await verifier.run_once():
        pass
    (entry,) = await chain(world, wo)
    stored = b"".join([c async for c in services.media.read(key=entry.object_key)])
    assert hashlib.sha256(stored).hexdigest() == entry.sha256 == hashlib.sha256(photo).hexdigest()


async def test_a_verifier_that_died_after_staging_loses_nothing(world: World) -> None:
    """It copied the upload out of quarantine and died: the next one verifies the staged copy
    instead of calling the upload missing."""
    wo, photo = await engineers_work_order(world), jpeg()
    upload_id = await upload(world, wo, photo, requirement="photo_before")
    store = world.client.app.state.services.media
    quarantined = f"quarantine/{world.tenant_id}/{wo}/{upload_id}"
    await store.copy(source=quarantined, target=quarantined.replace("quarantine/", "staging/"))
    await store.delete(key=quarantined)
    await verify_all(world)
    assert (await call(world, "eng_a", upload_id))["status"] == "verified"
    (entry,) = await chain(world, wo)
    assert entry.sha256 == hashlib.sha256(photo).hexdigest()


async def test_each_upload_of_a_batch_gets_a_full_lease_and_a_lapsed_one_is_let_go(
    world: World,
) -> None:
    wo = await engineers_work_order(world)
    first, second = (await upload(world, wo, jpeg()), await upload(world, wo, jpeg((640, 480))))
    services, start = world.client.app.state.services, utcnow()
    now = [start]
    slow = Verifier(db=services.db, store=services.media, clock=lambda: now[0], batch_size=1000)
    claimed = {str(row.id): row for row in await slow._claim()}
    assert {first, second} <= set(claimed)
    # Nine minutes into the batch (lease: ten), the first upload's turn comes: renewed.
    now[0] = start + timedelta(minutes=9)
    assert await slow._renew(claimed[first])
    # At eleven minutes another verifier takes over what is past its lease: the second only.
    other = Verifier(
        db=services.db, store=services.media, clock=lambda: start + timedelta(minutes=11)
    )
    taken = {str(row.id) for row in await other._claim()}
    assert second in taken
    assert first not in taken
    # The slow verifier's turn for the second: no longer its own, it lets it go.
    assert not await slow._renew(claimed[second])


async def test_a_verification_that_fails_midway_keeps_the_bytes_for_the_next_try(
    world: World,
) -> None:
    """A read timeout, a refused copy, a shutdown: the attempt fails after the bytes left
    quarantine; the staged copy stays, and the next attempt verifies it."""
    wo, photo = await engineers_work_order(world), jpeg()
    upload_id = await upload(world, wo, photo, requirement="photo_before")
    services = world.client.app.state.services
    failing = Verifier(db=services.db, store=services.media, batch_size=1000)

    async def timed_out(row: dict[str, Any], key: str) -> Any:
        raise TimeoutError("the store stopped answering")

    failing._inspect = timed_out  # type: ignore[method-assign]
    await failing.run_once()
    assert (await call(world, "eng_a", upload_id))["status"] == "uploaded"
    later = Verifier(
        db=services.db, store=services.media, clock=lambda: utcnow() + timedelta(minutes=11)
    )
    while await later.run_once():
        pass
    assert (await call(world, "eng_a", upload_id))["status"] == "verified"
    (entry,) = await chain(world, wo)
    assert entry.sha256 == hashlib.sha256(photo).hexdigest()
    staged = f"staging/{world.tenant_id}/{wo}/{upload_id}"
    assert await services.media.stat(key=staged) is None  # dropped once decided


async def test_polyglots_are_rejected_and_well_formed_containers_verified(world: World) -> None:
    """A HEIC header followed by a Windows program was verified photo evidence: containers are
    walked to their end and every object is scanned for executables."""
    wo = await engineers_work_order(world)
    video = {"kind": "video", "content_type": "video/mp4"}
    document = {"kind": "document", "content_type": "application/pdf"}
    heic = {"content_type": "image/heic"}
    cases: dict[str, str | None] = {
        await upload(world, wo, samples.heic(), **heic): None,
        await upload(world, wo, samples.mp4(os.urandom(5000)), **video): None,
        await upload(world, wo, samples.pdf(), **document): None,
        await upload(world, wo, samples.pdf(xref_stream=True), **document): None,
        await upload(world, wo, samples.heic() + samples.pe(), **heic): "a Windows executable",
        await upload(world, wo, samples.heic() + b"\0\0\0\x10free", **heic): "runs 8 bytes past",
        await upload(world, wo, samples.mp4(samples.elf()), **video): "hides a Linux executable",
        await upload(world, wo, jpeg() + samples.pe(4096)): "hides a Windows executable (PE)",
        await upload(world, wo, samples.pdf() + b"PK\x03\x04" + os.urandom(200), **document): (
            "bytes follow its last %%EOF"
        ),
    }
    assert await verify_all(world) >= len(cases)
    for upload_id, reason in cases.items():
        shown = await call(world, "eng_a", upload_id)
        if reason is None:
            assert shown["status"] == "verified", shown["rejection_reason"]
            continue
        assert shown["status"] == "rejected"
        assert reason in shown["rejection_reason"]
    entries = await chain(world, wo)
    assert len(entries) == 4  # never the polyglots
    store = world.client.app.state.services.media
    for upload_id in (u for u, reason in cases.items() if reason):
        for prefix in ("quarantine", "staging", "evidence"):
            key = f"{prefix}/{world.tenant_id}/{wo}/{upload_id}"
            assert await store.stat(key=key) is None  # dropped like any rejected upload


async def test_a_49_megapixel_png_is_verified_without_its_pixels_in_memory(world: World) -> None:
    wo, data = await engineers_work_order(world), samples.large_png()
    upload_id = await upload(world, wo, data, content_type="image/png")
    assert await verify_all(world) >= 1
    assert (await call(world, "eng_a", upload_id))["status"] == "verified"
    (entry,) = await chain(world, wo)
    assert entry.thumbnail_key == ""  # too large to decode within the budget: no thumbnail
