"""Upload sessions: declare a file, PUT its bytes to signed URLs, complete (or abort).

The declared kind, content type and size are checked against the kind's limits when the
session is created, and what arrived is checked against the declaration when it completes;
the verification worker then re-hashes and decodes it. Store calls (network, for S3) never run
inside a database transaction (the stores assert it): the SQLite write lock is not held across
them.

Staff upload to the work orders in their scope; a customer holding a portal link uploads to
its one work order under the rules the package that issues links supplies (``UploadRules``).
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID, uuid4

import msgspec

from kernel.clock import utcnow
from kernel.context import Actor, PortalCaller
from kernel.db import Database, Reader, Transaction
from kernel.errors import AlreadyExists, DomainError, Forbidden, NotFound
from kernel.wakeup import Wakeup
from media import sql
from media.sql import UploadRow
from media.store import MultipartNotFound, ObjectStore, PartMismatch, SignedRequest, StoredPart
from mobile_contract import media as contract
from mobile_contract.enums import EvidenceKind, UploadStatus
from mobile_contract.errors import ErrorCode
from workorders import queries

MIB = 1 << 20
SINGLE_PUT_MAX = 16 * MIB  # larger files go up in parts
LINK_TTL = timedelta(hours=1)  # an upload link; resuming issues new ones
SESSION_TTL = timedelta(hours=24)  # then an unfinished upload is aborted
VERIFY_WAKEUP = Wakeup()  # a completed upload wakes this process's verifiers
Caller = Actor | PortalCaller  # staff, or a customer holding a portal link


@dataclass(frozen=True, slots=True)
class KindLimits:
    content_types: frozenset[str]
    max_bytes: int


LIMITS: dict[EvidenceKind, KindLimits] = {
    EvidenceKind.PHOTO: KindLimits(
        frozenset({"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"}),
        25 * MIB,
    ),
    EvidenceKind.VIDEO: KindLimits(frozenset({"video/mp4", "video/quicktime"}), 1024 * MIB),
    EvidenceKind.DOCUMENT: KindLimits(frozenset({"application/pdf"}), 50 * MIB),
    EvidenceKind.SIGNATURE: KindLimits(frozenset({"image/png"}), 2 * MIB),
}


class UploadRules(Protocol):
    """What a portal link's holder must also satisfy (the portal package supplies it)."""

    def check_work_order(self, caller: PortalCaller, work_order_id: UUID) -> None:
        """Before anything else: the work order is the link's."""

    async def check_request(
        self, reader: Reader, caller: PortalCaller, request: contract.UploadCreate
    ) -> None:
        """A new declaration (not a replay) may be made."""

    async def check_quota(self, tx: Transaction, caller: PortalCaller, client_key: str) -> None:
        """In the transaction that inserts the session: the link may declare one more."""

    async def check_open(self, reader: Reader, caller: PortalCaller) -> None:
        """Before completing: the work order still takes files."""


def part_size_for(size: int) -> int:
    """8 MiB parts, 16 MiB above 512 MiB (S3 allows 10,000 parts of at least 5 MiB)."""
    return 8 * MIB if size <= 512 * MIB else 16 * MIB


def check_limits(request: contract.UploadCreate) -> None:
    limits = LIMITS[request.kind]
    if request.content_type not in limits.content_types:
        raise DomainError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            f"A {request.kind} must be one of {', '.join(sorted(limits.content_types))}; "
            f"got {request.content_type}.",
            {"field": "content_type", "allowed": sorted(limits.content_types)},
        )
    if request.size > limits.max_bytes:
        raise DomainError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"A {request.kind} may be at most {limits.max_bytes // MIB} MiB; "
            f"this one is {math.ceil(request.size / MIB)} MiB.",
            {"field": "size", "max_bytes": limits.max_bytes},
        )


async def create(
    *,
    db: Database,
    store: ObjectStore,
    actor: Caller,
    work_order_id: UUID,
    request: contract.UploadCreate,
    rules: UploadRules | None = None,
) -> tuple[contract.UploadSession, bool]:
    """A new session (True), or the one this client key already made (False)."""
    check_limits(request)
    async with db.snapshot() as reader:
        if isinstance(actor, PortalCaller):
            _portal(rules).check_work_order(actor, work_order_id)
        else:
            work_order = await queries.load_row(actor, work_order_id, reader=reader)
            if not (actor.dispatches or queries.is_assignee(actor, work_order)):
                raise Forbidden("Only the work order's engineer or dispatch roles add evidence.")
        existing = await _by_client_key(reader, actor, request.client_key)  # a replay first
        if existing is None and isinstance(actor, PortalCaller):
            await _portal(rules).check_request(reader, actor, request)
    if existing is not None:
        return await _replayed(store, existing, work_order_id, request), False
    upload_id, now = uuid4(), utcnow()
    key = f"quarantine/{actor.tenant_id}/{work_order_id}/{upload_id}"
    multipart = request.size > SINGLE_PUT_MAX
    part_size = part_size_for(request.size) if multipart else 0
    store_upload_id = (
        await store.start_multipart(key=key, content_type=request.content_type) if multipart else ""
    )
    row = UploadRow(
        id=upload_id,
        tenant=actor.tenant_id,
        work_order=work_order_id,
        created_by=None if isinstance(actor, PortalCaller) else actor.user_id,
        portal_link=actor.link_id if isinstance(actor, PortalCaller) else None,
        client_key=request.client_key,
        kind=request.kind,
        requirement=request.requirement,
        content_type=request.content_type,
        size=request.size,
        sha256=request.sha256,
        captured_at=request.captured_at,
        latitude=request.latitude,
        longitude=request.longitude,
        object_key=key,
        store_upload_id=store_upload_id,
        part_size=part_size,
        part_count=math.ceil(request.size / part_size) if multipart else 0,
        status=UploadStatus.PENDING,
        rejection_reason="",
        created_at=now,
        expires_at=now + SESSION_TTL,
        completed_at=None,
    )
    try:
        async with db.transaction() as tx:
            if isinstance(actor, PortalCaller):
                await _portal(rules).check_quota(tx, actor, request.client_key)
            inserted = await tx.fetch(sql.INSERT_UPLOAD, sql.Id, **_values(row))
            winner = None if inserted else await _by_client_key(tx, actor, request.client_key)
    except Exception:
        if multipart:  # nothing refers to it: do not leave it in the store
            await store.abort_multipart(key=key, upload_id=store_upload_id)
        raise
    if winner is not None:  # a concurrent retry of the same request got there first
        if multipart:
            await store.abort_multipart(key=key, upload_id=store_upload_id)
        return await _replayed(store, winner, work_order_id, request), False
    return await session_of(store, row), True


async def show(
    *, db: Database, store: ObjectStore, actor: Caller, upload_id: UUID
) -> contract.UploadSession:
    """The session with fresh links for whatever the store does not hold yet (resume)."""
    async with db.snapshot() as reader:
        row = await _load(reader, actor, upload_id)
    return await session_of(store, row)


async def complete(
    *,
    db: Database,
    store: ObjectStore,
    actor: Caller,
    upload_id: UUID,
    rules: UploadRules | None = None,
) -> contract.UploadSession:
    """Check what arrived against the declaration and hand it to verification. Safe to repeat:
    a completed session answers as it is."""
    async with db.snapshot() as reader:
        row = await _load(reader, actor, upload_id)
    if row.status != UploadStatus.PENDING:
        if row.status in (UploadStatus.UPLOADED, UploadStatus.VERIFIED):
            return await session_of(store, row)
        raise _not_pending(row)
    if isinstance(actor, PortalCaller):
        async with db.snapshot() as reader:
            await _portal(rules).check_open(reader, actor)
    if row.part_size:
        await _complete_parts(store, row)
    found = await store.stat(key=row.object_key)
    if found is None:
        raise DomainError(
            ErrorCode.UPLOAD_INCOMPLETE,
            "Nothing has been uploaded yet: PUT the file to the upload link first.",
            {"missing_parts": [1]},
        )
    if found.size != row.size:
        reason = f"{found.size} bytes arrived, {row.size} were declared"
        if not await _finish(db, row, UploadStatus.REJECTED, reason):
            return await _as_it_is(db, store, actor, upload_id)
        await store.delete(key=row.object_key)
        raise DomainError(
            ErrorCode.UPLOAD_REJECTED,
            f"The upload was rejected: {reason}. Create a new upload for this file.",
            {"reason": reason},
        )
    if not await _finish(db, row, UploadStatus.UPLOADED, ""):
        return await _as_it_is(db, store, actor, upload_id)
    return await session_of(store, _with_status(row, UploadStatus.UPLOADED))


async def _as_it_is(
    db: Database, store: ObjectStore, actor: Caller, upload_id: UUID
) -> contract.UploadSession:
    """Another request (or the expiry) decided the session first: answer its real state."""
    async with db.snapshot() as reader:
        row = await _load(reader, actor, upload_id)
    if row.status in (UploadStatus.UPLOADED, UploadStatus.VERIFIED):
        return await session_of(store, row)
    if row.status == UploadStatus.PENDING:  # past its expiry, not yet reaped
        row = _with_status(row, UploadStatus.EXPIRED)
    raise _not_pending(row)


async def abort(
    *, db: Database, store: ObjectStore, actor: Caller, upload_id: UUID
) -> contract.UploadSession:
    async with db.snapshot() as reader:
        row = await _load(reader, actor, upload_id)
    if row.status == UploadStatus.ABORTED:
        return await session_of(store, row)
    if row.status != UploadStatus.PENDING:
        raise _not_pending(row)
    if not await _finish(db, row, UploadStatus.ABORTED, "aborted by the client"):
        return await _as_it_is(db, store, actor, upload_id)  # completed meanwhile: kept
    await discard(store, object_key=row.object_key, store_upload_id=row.store_upload_id)
    return await session_of(store, _with_status(row, UploadStatus.ABORTED))


async def discard(store: ObjectStore, *, object_key: str, store_upload_id: str) -> None:
    """Drop whatever a session left in the store."""
    if store_upload_id:
        await store.abort_multipart(key=object_key, upload_id=store_upload_id)
    await store.delete(key=object_key)


async def session_of(store: ObjectStore, row: UploadRow) -> contract.UploadSession:
    status = row.status
    upload: SignedRequest | None = None
    parts: list[contract.UploadPart] = []
    if row.part_size:
        parts = await _parts(store, row, links=status is UploadStatus.PENDING)
    elif status is UploadStatus.PENDING:
        upload = await store.upload_url(
            key=row.object_key,
            content_type=row.content_type,
            max_bytes=row.size,
            expires=LINK_TTL,
        )
    return contract.UploadSession(
        id=row.id,
        work_order_id=row.work_order,
        kind=row.kind,
        requirement=row.requirement,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        status=status,
        rejection_reason=row.rejection_reason,
        upload=_signed(upload) if upload else None,
        part_size=row.part_size,
        parts=parts,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def _expected_sizes(row: UploadRow) -> dict[int, int]:
    size, part_size, count = row.size, row.part_size, row.part_count
    return {
        n: part_size if n < count else size - part_size * (count - 1) for n in range(1, count + 1)
    }


async def _stored_parts(store: ObjectStore, row: UploadRow) -> dict[int, StoredPart]:
    try:
        listed = await store.list_parts(key=row.object_key, upload_id=row.store_upload_id)
    except MultipartNotFound:
        return {}
    return {part.number: part for part in listed}


async def _parts(store: ObjectStore, row: UploadRow, *, links: bool) -> list[contract.UploadPart]:
    stored = await _stored_parts(store, row) if links else {}
    parts = []
    for number, size in _expected_sizes(row).items():
        held = stored.get(number)
        uploaded = (held is not None and held.size == size) or not links
        url = None
        if not uploaded:
            url = await store.part_url(
                key=row.object_key,
                upload_id=row.store_upload_id,
                number=number,
                max_bytes=size,
                expires=LINK_TTL,
            )
        parts.append(
            contract.UploadPart(
                number=number, size=size, uploaded=uploaded, url=_signed(url) if url else None
            )
        )
    return parts


async def _complete_parts(store: ObjectStore, row: UploadRow) -> None:
    """Assemble the parts into the object. Safe after a crash between the store's assembly and
    the row's update: the multipart upload is gone then, and the object is there."""
    expected = _expected_sizes(row)
    stored = await _stored_parts(store, row)
    if not stored and await store.stat(key=row.object_key) is not None:
        return  # assembled by an earlier complete whose outcome was lost
    missing = [n for n in expected if n not in stored]
    wrong = [n for n, part in stored.items() if expected.get(n) != part.size]
    if missing or wrong:
        raise DomainError(
            ErrorCode.UPLOAD_INCOMPLETE,
            f"{len(missing)} part(s) missing and {len(wrong)} of the wrong size: upload them "
            "(GET the upload for fresh links), then complete again.",
            {"missing_parts": missing, "wrong_size_parts": wrong},
        )
    try:
        await store.complete_multipart(
            key=row.object_key,
            upload_id=row.store_upload_id,
            parts=[stored[n] for n in expected],
        )
    except (PartMismatch, MultipartNotFound) as error:  # replaced or expired meanwhile
        if isinstance(error, MultipartNotFound) and await store.stat(key=row.object_key):
            return  # a concurrent complete assembled it first
        raise DomainError(
            ErrorCode.UPLOAD_INCOMPLETE,
            f"The parts changed while completing ({error}): complete again.",
            {"missing_parts": [], "wrong_size_parts": []},
        ) from None


async def sent_through(reader: Reader, caller: PortalCaller) -> list[sql.SentUpload]:
    """Every upload the caller's portal link declared, oldest first."""
    return await reader.fetch(
        sql.LINK_UPLOADS, sql.SentUpload, tenant=caller.tenant_id, link=caller.link_id
    )


async def count_sent_through(reader: Reader, caller: PortalCaller, *, but: str) -> int:
    """How many uploads the caller's portal link declared, but the one with client key ``but``
    (a replay of it is answered, not counted)."""
    found = await reader.fetch_one(
        sql.LINK_UPLOADS_BUT,
        sql.Count,
        tenant=caller.tenant_id,
        link=caller.link_id,
        client_key=but,
    )
    return found.n if found else 0


async def _finish(db: Database, row: UploadRow, status: UploadStatus, reason: str) -> bool:
    """Move a pending, unexpired session on; False when something else moved it first."""
    async with db.transaction() as tx:
        moved = await tx.fetch(
            sql.FINISH_UPLOAD,
            sql.Id,
            status=status.value,
            reason=reason[:300],
            now=utcnow(),
            id=row.id,
        )
        if moved and status is UploadStatus.UPLOADED:
            tx.after_commit(VERIFY_WAKEUP.wake)
    return bool(moved)


def _portal(rules: UploadRules | None) -> UploadRules:
    if rules is None:
        raise TypeError("a portal caller's uploads follow the portal's UploadRules: pass them")
    return rules


def _owners(caller: Caller) -> dict[str, UUID | None]:
    """Who an upload belongs to: the staff user, or the portal link that sent it."""
    if isinstance(caller, PortalCaller):
        return {"user": None, "link": caller.link_id}
    return {"user": caller.user_id, "link": None}


async def _load(reader: Reader, actor: Caller, upload_id: UUID) -> UploadRow:
    """The caller's own upload, or any of the tenant's for the dispatch roles; else 404."""
    row = await reader.fetch_one(
        sql.UPLOAD,
        UploadRow,
        tenant=actor.tenant_id,
        id=upload_id,
        anyone=isinstance(actor, Actor) and actor.dispatches,
        **_owners(actor),
    )
    if row is None:
        raise NotFound("upload", upload_id)
    return row


async def _by_client_key(reader: Reader, actor: Caller, client_key: str) -> UploadRow | None:
    return await reader.fetch_one(
        sql.UPLOAD_BY_CLIENT_KEY,
        UploadRow,
        tenant=actor.tenant_id,
        client_key=client_key,
        **_owners(actor),
    )


def _with_status(row: UploadRow, status: UploadStatus) -> UploadRow:
    return msgspec.structs.replace(row, status=status)


def _values(row: UploadRow) -> dict[str, object]:
    """The row as the insert binds it (enums by value)."""
    return {**msgspec.structs.asdict(row), "kind": row.kind.value, "status": row.status.value}


async def _replayed(
    store: ObjectStore, row: UploadRow, work_order_id: UUID, request: contract.UploadCreate
) -> contract.UploadSession:
    same = (
        row.work_order == work_order_id
        and row.sha256 == request.sha256
        and row.size == request.size
        and row.kind is request.kind
    )
    if not same:
        raise AlreadyExists("upload", "client_key", request.client_key)
    return await session_of(store, row)


def _not_pending(row: UploadRow) -> DomainError:
    return DomainError(
        ErrorCode.ILLEGAL_TRANSITION,
        f"This upload is {row.status}: create a new upload for the file.",
        {"status": row.status},
    )


def _signed(request: SignedRequest) -> contract.SignedUrl:
    return contract.SignedUrl(
        method=request.method,
        url=request.url,
        headers=request.headers,
        expires_at=request.expires_at,
    )
