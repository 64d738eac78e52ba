"""HTTP routes of media: upload sessions, and the local store's signed upload and download
links (the embedded default; with S3 the links point at the bucket and those routes idle)."""

from typing import Any, TypeAlias
from uuid import UUID

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, SkipValidation
from litestar.response import File

from kernel.clock import utcnow
from kernel.errors import DomainError, NotFound
from media import downloads, evidence, requirements, uploads
from media.local_store import ROUTE, LocalStore, SignedUrlError
from media.store import MultipartNotFound, ObjectStore, TooLarge
from mobile_contract import media as contract
from mobile_contract.enums import WorkOrderType
from mobile_contract.errors import ErrorCode
from web.http import BEARER, DB, CurrentActor

# The app's object store, provided by server/app.py. Not validated per request: a Protocol
# admits no isinstance check.
Store: TypeAlias = SkipValidation[NamedDependency[ObjectStore]]

PUBLIC = {"exclude_from_auth": True}  # the signed link is the credential
# A browser must take the bytes for the type they are served as (verified evidence), never
# sniff an HTML or script page out of them.
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff"}


def _local_store(store: ObjectStore) -> LocalStore:
    if not isinstance(store, LocalStore):
        raise NotFound("media link", "local")
    return store


def _claims(store: LocalStore, token: str) -> dict[str, Any]:
    try:
        return store.verify(token)
    except SignedUrlError as error:
        raise DomainError(ErrorCode(error.code), error.message) from None
    except ValueError:  # not even decodable
        raise DomainError(ErrorCode.LINK_INVALID, "This media link is not valid.") from None


class LocalMediaController(Controller):
    path = ROUTE
    tags = ["media"]

    @put("/{token:str}", opt=PUBLIC, status_code=200, request_max_body_size=None)
    async def upload(
        self, token: FromPath[str], request: Request[Any, Any, Any], store: Store
    ) -> Response[None]:
        """Bytes PUT to a signed link, streamed to disk (never held whole in memory); the
        answer's ``ETag`` is what completing a multipart upload names for the part."""
        local = _local_store(store)
        claims = _claims(local, token)
        try:
            etag = await local.receive(claims, request.stream())
        except TooLarge as error:
            raise DomainError(ErrorCode.PAYLOAD_TOO_LARGE, f"Upload refused: {error}.") from None
        except MultipartNotFound:
            raise NotFound("multipart upload", claims.get("upload", "")) from None
        except SignedUrlError as error:
            raise DomainError(ErrorCode(error.code), error.message) from None
        return Response(None, headers={"ETag": f'"{etag}"'})

    @get("/{token:str}", opt=PUBLIC)
    async def download(self, token: FromPath[str], store: Store) -> File:
        local = _local_store(store)
        claims = _claims(local, token)
        try:
            path = local.path_of(claims)
        except SignedUrlError as error:
            raise DomainError(ErrorCode(error.code), error.message) from None
        if not path.is_file():
            raise NotFound("media object", "link")
        return File(
            path,
            filename=str(claims.get("name", path.name)),
            media_type=str(claims.get("type") or "application/octet-stream"),
            content_disposition_type="attachment",  # evidence is saved, never shown inline
            headers=DOWNLOAD_HEADERS,
        )


class UploadController(Controller):
    path = "/api/v1"
    tags = ["media"]
    security = BEARER

    @post("/work-orders/{work_order_id:uuid}/uploads", status_code=201)
    async def create(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.UploadCreate],
        db: DB,
        actor: CurrentActor,
        store: Store,
    ) -> Response[contract.UploadSession]:
        """Declare a file of evidence; answers where to PUT its bytes (201). The same
        ``client_key`` again answers the same session with fresh links (200)."""
        session, created = await uploads.create(
            db=db,
            store=store,
            actor=actor,
            work_order_id=work_order_id,
            request=data,
        )
        return Response(session, status_code=201 if created else 200)

    @get("/uploads/{upload_id:uuid}")
    async def show(
        self,
        upload_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        store: Store,
    ) -> contract.UploadSession:
        """The session, with fresh links for the parts the store does not hold yet (resume)."""
        return await uploads.show(db=db, store=store, actor=actor, upload_id=upload_id)

    @post("/uploads/{upload_id:uuid}/complete", status_code=200)
    async def complete(
        self,
        upload_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        store: Store,
    ) -> contract.UploadSession:
        """Every byte is up: check it against the declaration and queue its verification."""
        return await uploads.complete(db=db, store=store, actor=actor, upload_id=upload_id)

    @post("/uploads/{upload_id:uuid}/abort", status_code=200)
    async def abort(
        self,
        upload_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        store: Store,
    ) -> contract.UploadSession:
        """Give the upload up; the store drops what arrived."""
        return await uploads.abort(db=db, store=store, actor=actor, upload_id=upload_id)


class EvidenceController(Controller):
    path = "/api/v1"
    tags = ["media"]
    security = BEARER

    @get("/work-orders/{work_order_id:uuid}/evidence")
    async def show(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.WorkOrderEvidence:
        """What the work order's type requires and how far each is; the ledger's entries
        (references and hashes, never bytes) and whether its hash chain is intact."""
        return await evidence.show(db=db, actor=actor, work_order_id=work_order_id)

    @post("/work-orders/{work_order_id:uuid}/readings", status_code=201)
    async def record_reading(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.ReadingCreate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.EvidenceEntry:
        """A value read on site (e.g. the cold room's temperature), added to the ledger."""
        return await evidence.record_reading(
            db=db, actor=actor, work_order_id=work_order_id, data=data
        )

    @get("/evidence-rules")
    async def list_rules(self, db: DB, actor: CurrentActor) -> contract.EvidenceRuleSetList:
        """The evidence each work-order type requires before resolving, in this tenant."""
        return await requirements.list_rules(db=db, actor=actor)

    @put("/evidence-rules/{work_order_type:str}")
    async def set_rules(
        self,
        work_order_type: FromPath[WorkOrderType],
        data: JSONBody[contract.EvidenceRules],
        db: DB,
        actor: CurrentActor,
    ) -> contract.EvidenceRuleSet:
        """Replace the tenant's list for one work-order type (admins)."""
        return await requirements.set_rules(
            db=db, actor=actor, work_order_type=work_order_type, rules=data, now=utcnow()
        )

    @post("/evidence/{evidence_id:uuid}/download", status_code=200)
    async def download(
        self,
        evidence_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        store: Store,
        thumbnail: FromQuery[bool] = False,
    ) -> contract.DownloadLink:
        """A link to the file (or its thumbnail) valid for 10 minutes; every one is audited."""
        return await downloads.download_link(
            db=db,
            store=store,
            actor=actor,
            evidence_id=evidence_id,
            thumbnail=thumbnail,
        )

    @get("/work-orders/{work_order_id:uuid}/evidence/downloads")
    async def download_audit(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.DownloadAuditList:
        """Who was given a link to which evidence of the work order, and when."""
        return await downloads.audit(db=db, actor=actor, work_order_id=work_order_id)

    @post("/evidence/{evidence_id:uuid}/remove", status_code=200)
    async def remove(
        self,
        evidence_id: FromPath[UUID],
        data: JSONBody[contract.EvidenceRemoval],
        db: DB,
        actor: CurrentActor,
    ) -> contract.EvidenceEntry:
        """Remove evidence by a tombstone with a reason (supervisors, admins)."""
        return await downloads.remove(
            db=db, actor=actor, evidence_id=evidence_id, reason=data.reason
        )


CONTROLLERS = [LocalMediaController, UploadController, EvidenceController]
