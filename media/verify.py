"""The verification worker: completed uploads become evidence only after their bytes are
checked; abandoned uploads are aborted.

For each completed upload it streams the object from quarantine and re-hashes it (the declared
SHA-256 must match: the S3 server does not check, so this is what catches tampering), sniffs the
real type from the bytes (an executable named ``.jpg`` is refused), walks its container to the
end and scans it for executables (a polyglot is refused: ``media.containers``,
``media.executables``), decodes images under a decompression-bomb guard and a memory budget,
reads EXIF capture time and place, and makes a thumbnail with EXIF stripped. A verified upload
is copied out of quarantine to its evidence key and appended to the work order's evidence
ledger; a rejected one is deleted and keeps its reason.
"""

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kernel.clock import utcnow
from kernel.db import Database
from kernel.wakeup import run_rounds
from media import containers, ledger, sql
from media.executables import ExecutableScan
from media.inspect import Inspection, inspect_image, sniff
from media.sql import ClaimedUpload, EvidenceFields
from media.store import ObjectNotFound, ObjectStore
from media.uploads import LIMITS, VERIFY_WAKEUP, discard
from mobile_contract.enums import EvidenceKind, UploadStatus

log = logging.getLogger("fieldops.media")

MAX_ATTEMPTS = 5  # then an upload that keeps failing is rejected, not retried for ever
DECODED = frozenset({"image/jpeg", "image/png", "image/webp"})  # what Pillow decodes here
SNIFF_BYTES = 64  # the first bytes that say what a file claims to be


class Verifier:
    def __init__(
        self,
        *,
        db: Database,
        store: ObjectStore,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = timedelta(minutes=10),
        retention: timedelta = timedelta(days=3 * 365),
        batch_size: int = 4,
        poll_seconds: float = 2.0,
    ) -> None:
        self.db, self.store, self.clock = db, store, clock
        self.lease, self.batch_size, self.poll_seconds = lease, batch_size, poll_seconds
        self.retention = retention

    async def run(self) -> None:
        """Until cancelled: verify what is waiting, then sleep until woken or the next poll."""
        await run_rounds(
            wakeup=VERIFY_WAKEUP,
            round_=self.run_once,
            poll_seconds=self.poll_seconds,
            name="media verifier",
            log=log,
        )

    async def run_once(self) -> int:
        """One round: expire abandoned uploads, verify a batch; answers how many it handled."""
        handled = await self.expire_abandoned()
        for row in await self._claim():
            if not await self._renew(row):
                continue  # decided, or claimed again after our lease lapsed: not ours now
            try:
                await self.verify(row)
            except ObjectNotFound:
                await self._decide(row, UploadStatus.REJECTED, "the uploaded object is missing")
            except Exception as error:  # one bad upload must not hold up the others
                log.exception("media: verifying upload %s failed", row.id)
                if row.verify_attempts >= MAX_ATTEMPTS:
                    reason = f"could not be verified ({type(error).__name__})"
                    if await self._decide(row, UploadStatus.REJECTED, reason):
                        await self.store.delete(key=_staged(row))
            handled += 1
        return handled

    async def expire_abandoned(self) -> int:
        async with self.db.transaction() as tx:
            rows = await tx.fetch(sql.EXPIRE_ABANDONED, sql.AbandonedUpload, now=self.clock())
        for row in rows:
            try:
                await discard(
                    self.store, object_key=row.object_key, store_upload_id=row.store_upload_id
                )
            except Exception:  # the others still go; a bucket lifecycle rule is the backstop
                log.exception("media: dropping expired upload %s failed", row.id)
        return len(rows)

    async def _claim(self) -> list[ClaimedUpload]:
        now = self.clock()
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                sql.CLAIM_UPLOADS,
                ClaimedUpload,
                until=now + self.lease,
                now=now,
                limit=self.batch_size,
            )
        return sorted(rows, key=lambda row: row.completed_at)  # RETURNING has no order

    async def _renew(self, row: ClaimedUpload) -> bool:
        """A batch's lease starts when it is claimed; each upload gets a full lease when its
        turn comes, unless another verifier claimed it meanwhile (its attempt count moved)."""
        async with self.db.transaction() as tx:
            renewed = await tx.fetch(
                sql.RENEW_CLAIM,
                sql.Id,
                until=self.clock() + self.lease,
                id=row.id,
                attempts=row.verify_attempts,
            )
        return bool(renewed)

    async def verify(self, row: ClaimedUpload) -> None:
        """Check a copy no upload link can reach, and promote exactly that copy: re-PUTting
        to the upload's link after completion cannot swap the bytes that become evidence."""
        quarantined, staged = row.object_key, _staged(row)
        key = quarantined.replace("quarantine/", "evidence/", 1)
        try:
            await self.store.copy(source=quarantined, target=staged)
        except ObjectNotFound:
            if await self.store.stat(key=staged) is None:
                raise
            # A verifier that died after staging it: the staged copy is the upload's bytes.
        await self.store.delete(key=quarantined)
        # From here the staged copy is the upload's only copy: it is dropped once the upload
        # is decided, and kept for the next attempt when this one fails or is cancelled.
        found = await self._inspect(row, staged)
        if found.problem:
            await self._decide(row, UploadStatus.REJECTED, found.problem)
            log.info("media: upload %s rejected: %s", row.id, found.problem)
        else:
            thumbnail_key = f"{key}.thumb.jpg" if found.thumbnail else ""
            await self.store.copy(source=staged, target=key)
            retained_until = self.clock() + self.retention
            if await self.store.retain(key=key, until=retained_until):
                found.details["retained_until"] = retained_until.isoformat()
            if found.thumbnail:
                await self.store.put(
                    key=thumbnail_key, data=found.thumbnail, content_type="image/jpeg"
                )
            await self._record(row, found, key, thumbnail_key)
        await self.store.delete(key=staged)

    async def _inspect(self, row: ClaimedUpload, key: str) -> Inspection:
        """Stream the object once (hash, sniff, scan for executables, walk its container; for
        images at most the kind's limit kept for decoding), each chunk in a worker thread:
        CPU-bound work never runs on the event loop the API serves from."""
        kind = row.kind
        keep = kind in (EvidenceKind.PHOTO, EvidenceKind.SIGNATURE)
        streamed = _Streamed(keep=LIMITS[kind].max_bytes if keep else 0)
        async with contextlib.aclosing(self.store.read(key=key)) as chunks:
            async for chunk in chunks:
                await asyncio.to_thread(streamed.absorb, chunk)
        problem = await asyncio.to_thread(streamed.finish)
        sniffed = streamed.sniffed
        if streamed.size != row.size:
            return Inspection(
                sniffed, f"{streamed.size} bytes are stored, {row.size} were declared"
            )
        if streamed.digest.hexdigest() != row.sha256:
            return Inspection(
                sniffed,
                "the bytes do not match the declared SHA-256 (they changed after capture or "
                "in transit)",
            )
        allowed = LIMITS[kind].content_types
        if sniffed not in allowed:
            what = sniffed or "of an unrecognised type"
            return Inspection(
                sniffed, f"the content is {what}, not a {kind} ({', '.join(sorted(allowed))})"
            )
        if problem:
            return Inspection(sniffed, problem)
        if sniffed in DECODED:
            return await asyncio.to_thread(inspect_image, bytes(streamed.kept), sniffed)
        return Inspection(sniffed)

    async def _decide(self, row: ClaimedUpload, status: UploadStatus, reason: str) -> bool:
        async with self.db.transaction() as tx:
            decided = await tx.fetch(
                sql.DECIDE_UPLOAD, sql.Id, status=status.value, reason=reason[:300], id=row.id
            )
        return bool(decided)

    async def _record(
        self, row: ClaimedUpload, found: Inspection, key: str, thumbnail_key: str
    ) -> None:
        """Mark the upload verified and append it to the ledger, in one transaction (a
        concurrent append at the same place fails the unique index: tried again)."""
        for attempt in range(3):
            try:
                async with self.db.transaction() as tx:
                    if not await tx.fetch(
                        sql.DECIDE_UPLOAD,
                        sql.Id,
                        status=UploadStatus.VERIFIED.value,
                        reason="",
                        id=row.id,
                    ):
                        return  # decided meanwhile (another verifier after the lease)
                    await ledger.append(
                        tx=tx,
                        tenant_id=row.tenant,
                        work_order_id=row.work_order,
                        fields=_entry(row, found, key, thumbnail_key),
                        now=self.clock(),
                    )
                return
            except Exception:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))


class _Streamed:
    """What one pass over an object learns: its hash and size, its first bytes (the sniffed
    type), executables inside it, its container's structure, and (images) its bytes."""

    def __init__(self, *, keep: int) -> None:
        self.digest, self.size, self.head = hashlib.sha256(), 0, b""
        self.keep, self.kept = keep, bytearray()
        self.sniffed = ""
        self.executables = ExecutableScan()
        self.check: containers.Check | None = None
        self._early: list[bytes] = []  # chunks before the head is complete (tiny ones)

    def absorb(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.size += len(chunk)
        if self.size <= self.keep:
            self.kept.extend(chunk)
        self.executables.feed(chunk)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
            self._early.append(chunk)
            if len(self.head) == SNIFF_BYTES:
                self._start()
        elif self.check is not None:
            self.check.feed(chunk)

    def _start(self) -> None:
        self.sniffed = sniff(self.head)
        self.check = containers.check_for(self.sniffed)
        for early in self._early:
            if self.check is not None:
                self.check.feed(early)
        self._early = []

    def finish(self) -> str:
        """Why the bytes cannot be evidence whatever was declared; "" when they may be."""
        if len(self.head) < SNIFF_BYTES:
            self._start()
        if found := self.executables.finish():
            return f"the content hides {found}"
        if self.check is not None and (problem := self.check.finish()):
            return f"the content is not a well-formed {self.sniffed}: {problem}"
        return ""


def _staged(row: ClaimedUpload) -> str:
    """Where the verifier checks an upload's bytes: a key no upload link reaches."""
    return row.object_key.replace("quarantine/", "staging/", 1)


def _entry(row: ClaimedUpload, found: Inspection, key: str, thumbnail_key: str) -> EvidenceFields:
    details: dict[str, Any] = dict(found.details)
    if found.width:
        details.update(width=found.width, height=found.height)
    if found.captured_at:
        details["exif_captured_at"] = found.captured_at.isoformat()
    if found.latitude is not None:
        details.update(exif_latitude=found.latitude, exif_longitude=found.longitude)
    if row.portal_link is not None:  # sent by the customer, not by staff
        details["portal_link"] = str(row.portal_link)
    return EvidenceFields(
        entry="added",
        upload=row.id,
        kind=row.kind.value,
        requirement=row.requirement,
        content_type=found.content_type,
        size=row.size,
        sha256=row.sha256,
        object_key=key,
        thumbnail_key=thumbnail_key,
        captured_at=row.captured_at or found.captured_at,
        latitude=row.latitude if row.latitude is not None else found.latitude,
        longitude=row.longitude if row.longitude is not None else found.longitude,
        recorded_by=row.created_by,
        details=details,
    )
