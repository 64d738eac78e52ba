"""Object stores for evidence: one interface, S3 (MinIO or any S3 through minio-py) and a local
directory (the embedded default), so mobile clients use the same flow against both: they PUT
bytes to signed URLs (one URL, or one per part of a multipart upload) and never send them
through the API.

minio-py is blocking (urllib3), so every call runs in a worker thread. The region is always
given (minio-py otherwise asks the server for it before signing: a 6 s stall when it is down).
Presigned URLs come from a second client built on the *public* endpoint, because the host is
part of the signature: a URL signed for ``minio:9000`` does not work from a phone.
"""

import asyncio
import io
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE, CopySource, Filter
from minio.datatypes import Part
from minio.error import S3Error
from minio.lifecycleconfig import Expiration, LifecycleConfig, NoncurrentVersionExpiration, Rule
from minio.retention import Retention

from kernel.clock import utcnow
from kernel.db import Database
from media.presign import sign_again


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a client sends to move bytes: ``method`` on ``url`` with ``headers``."""

    method: str
    url: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredPart:
    number: int
    etag: str
    size: int


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int


class ObjectStore(Protocol):
    name: str

    async def upload_url(
        self, *, key: str, content_type: str, max_bytes: int, expires: timedelta
    ) -> SignedRequest: ...

    async def start_multipart(self, *, key: str, content_type: str) -> str: ...

    async def part_url(
        self, *, key: str, upload_id: str, number: int, max_bytes: int, expires: timedelta
    ) -> SignedRequest: ...

    async def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]: ...

    async def complete_multipart(
        self, *, key: str, upload_id: str, parts: list[StoredPart]
    ) -> None: ...

    async def abort_multipart(self, *, key: str, upload_id: str) -> None: ...

    async def stat(self, *, key: str) -> ObjectInfo | None: ...

    def read(self, *, key: str, chunk_size: int = 1 << 20) -> AsyncGenerator[bytes, None]: ...

    async def put(self, *, key: str, data: bytes, content_type: str) -> None: ...

    async def copy(self, *, source: str, target: str) -> None:
        """Raises ObjectNotFound when there is no ``source``."""
        ...

    async def delete(self, *, key: str) -> None: ...

    async def download_url(
        self,
        *,
        key: str,
        expires: timedelta,
        filename: str,
        content_type: str = "application/octet-stream",
    ) -> SignedRequest:
        """A GET link answering the bytes as an attachment of ``content_type`` (the verified
        type, not what the uploader declared)."""
        ...

    async def retain(self, *, key: str, until: datetime) -> bool: ...


def outside_transaction(call: str) -> None:
    """Every store call asserts it: a slow store must never hold a database transaction (the
    SQLite write lock, a pooled connection) open."""
    Database.assert_outside_transaction(f"object store call {call}")


class MultipartNotFound(Exception):
    """The multipart upload is unknown to the store (completed, aborted or expired)."""


class ObjectNotFound(Exception):
    """No object under that key."""


class PartMismatch(Exception):
    """Completing with a part that is missing, or not the one stored (another ETag)."""


class TooLarge(Exception):
    """More bytes arrived than the signed URL allows (the local store refuses them)."""


ORPHAN_PREFIXES = ("quarantine/", "staging/")  # where bytes wait before they are evidence
ORPHAN_DAYS = 7  # far beyond an upload session (24 h) and a verification backlog


@dataclass(frozen=True, slots=True)
class S3Config:
    endpoint: str  # the server's own way in, e.g. http://minio:9000
    public_endpoint: str  # what phones reach, signed into presigned URLs
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"


def _client(url: str, config: S3Config) -> Minio:
    parts = urlsplit(url)
    return Minio(
        parts.netloc,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=parts.scheme == "https",
        region=config.region,
    )


class S3Store:
    name = "s3"

    def __init__(self, config: S3Config) -> None:
        self.config, self.bucket = config, config.bucket
        self.client = _client(config.endpoint, config)
        self.signer = _client(config.public_endpoint or config.endpoint, config)
        self._locks: bool | None = None  # whether the bucket has object lock (asked once)

    async def retain(self, *, key: str, until: datetime) -> bool:
        """Put the object under retention (governance mode) where the bucket has object lock:
        then nobody deletes or overwrites that version before ``until`` without the explicit
        bypass permission. Answers whether it did."""
        outside_transaction("S3Store.retain")
        if self._locks is None:
            try:
                await asyncio.to_thread(self.client.get_object_lock_config, self.bucket)
                self._locks = True
            except S3Error as error:
                if error.code != "ObjectLockConfigurationNotFoundError":
                    raise
                self._locks = False
        if not self._locks:
            return False
        config = Retention(GOVERNANCE, until.astimezone(UTC).replace(microsecond=0))
        await asyncio.to_thread(self.client.set_object_retention, self.bucket, key, config)
        return True

    async def apply_lifecycle(self) -> list[str]:
        """Let the bucket drop bytes nothing refers to: objects under ``quarantine/`` and
        ``staging/`` (bytes PUT again to a link after their upload was verified, a copy a
        verifier left when it died) after ORPHAN_DAYS, and on a versioned (object-lock) bucket
        the old versions and delete markers our deletes leave there after a day. The bucket's
        other rules are kept (as far as minio-py models them). Incomplete multipart uploads
        are not a rule here: MinIO refuses AbortIncompleteMultipartUpload in a lifecycle (and
        purges them itself after 24 h); the server aborts each one when its session expires.
        Answers the rule ids it set."""
        outside_transaction("S3Store.apply_lifecycle")
        ours: list[Rule] = []
        for prefix in ORPHAN_PREFIXES:
            name = prefix.rstrip("/")
            ours.append(
                Rule(
                    ENABLED,
                    rule_filter=Filter(prefix=prefix),
                    rule_id=f"fieldops-expire-{name}",
                    expiration=Expiration(days=ORPHAN_DAYS),
                    noncurrent_version_expiration=NoncurrentVersionExpiration(noncurrent_days=1),
                )
            )
            ours.append(  # S3 takes no delete-marker cleanup in a rule that has days
                Rule(
                    ENABLED,
                    rule_filter=Filter(prefix=prefix),
                    rule_id=f"fieldops-markers-{name}",
                    expiration=Expiration(expired_object_delete_marker=True),
                )
            )
        ids = {str(rule.rule_id) for rule in ours}
        current = await asyncio.to_thread(self.client.get_bucket_lifecycle, self.bucket)
        kept = [rule for rule in (current.rules if current else []) if rule.rule_id not in ids]
        await asyncio.to_thread(
            self.client.set_bucket_lifecycle, self.bucket, LifecycleConfig(kept + ours)
        )
        return sorted(ids)

    async def ensure_bucket(self) -> None:
        """Create the bucket if missing (the embedded and test setups; compose creates it)."""
        outside_transaction("S3Store.ensure_bucket")
        if not await asyncio.to_thread(self.client.bucket_exists, self.bucket):
            await asyncio.to_thread(self.client.make_bucket, self.bucket)

    async def upload_url(
        self,
        *,
        key: str,
        content_type: str,
        max_bytes: int,
        expires: timedelta,
    ) -> SignedRequest:
        """A PUT link for exactly ``max_bytes`` (the declared size): its signature covers the
        length, so S3 refuses any other body before storing it."""
        outside_transaction("S3Store.upload_url")
        url = await asyncio.to_thread(self.signer.presigned_put_object, self.bucket, key, expires)
        url = self._sized(url, max_bytes)
        return SignedRequest("PUT", url, {"Content-Type": content_type}, utcnow() + expires)

    def _sized(self, url: str, length: int) -> str:
        return sign_again(
            url, method="PUT", secret_key=self.config.secret_key, content_length=length
        )

    async def start_multipart(self, *, key: str, content_type: str) -> str:
        # minio-py keeps its multipart calls private (its own put_object uses them); they are
        # the plain S3 API calls a presigned multipart upload needs.
        outside_transaction("S3Store.start_multipart")
        headers: dict[str, str | list[str] | tuple[str]] = {"Content-Type": content_type}
        upload_id: str = await asyncio.to_thread(
            self.client._create_multipart_upload, self.bucket, key, headers
        )
        return upload_id

    async def part_url(
        self,
        *,
        key: str,
        upload_id: str,
        number: int,
        max_bytes: int,  # the part's exact size, signed in as for upload_url
        expires: timedelta,
    ) -> SignedRequest:
        outside_transaction("S3Store.part_url")
        query: dict[str, str | list[str] | tuple[str]] = {
            "uploadId": upload_id,
            "partNumber": str(number),
        }
        url = await asyncio.to_thread(
            self.signer.get_presigned_url,
            "PUT",
            self.bucket,
            key,
            expires,
            extra_query_params=query,
        )
        return SignedRequest("PUT", self._sized(url, max_bytes), {}, utcnow() + expires)

    async def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        outside_transaction("S3Store.list_parts")
        parts: list[StoredPart] = []
        marker: str | None = None
        while True:
            try:
                result = await asyncio.to_thread(
                    self.client._list_parts,
                    self.bucket,
                    key,
                    upload_id,
                    part_number_marker=marker,
                )
            except S3Error as error:
                if error.code == "NoSuchUpload":
                    raise MultipartNotFound(upload_id) from None
                raise
            parts += [
                StoredPart(p.part_number, p.etag.strip('"'), p.size or 0) for p in result.parts
            ]
            if not result.is_truncated:
                return parts
            marker = str(result.next_part_number_marker)

    async def complete_multipart(
        self, *, key: str, upload_id: str, parts: list[StoredPart]
    ) -> None:
        outside_transaction("S3Store.complete_multipart")
        listed = [Part(p.number, p.etag) for p in sorted(parts, key=lambda p: p.number)]
        try:
            await asyncio.to_thread(
                self.client._complete_multipart_upload, self.bucket, key, upload_id, listed
            )
        except S3Error as error:
            if error.code == "NoSuchUpload":
                raise MultipartNotFound(upload_id) from None
            if error.code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
                raise PartMismatch(error.message) from None
            raise

    async def abort_multipart(self, *, key: str, upload_id: str) -> None:
        outside_transaction("S3Store.abort_multipart")
        try:
            await asyncio.to_thread(
                self.client._abort_multipart_upload, self.bucket, key, upload_id
            )
        except S3Error as error:
            if error.code != "NoSuchUpload":
                raise

    async def stat(self, *, key: str) -> ObjectInfo | None:
        outside_transaction("S3Store.stat")
        try:
            found = await asyncio.to_thread(self.client.stat_object, self.bucket, key)
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise
        return ObjectInfo(int(found.size or 0))

    async def read(self, *, key: str, chunk_size: int = 1 << 20) -> AsyncGenerator[bytes, None]:
        outside_transaction("S3Store.read")
        try:
            response = await asyncio.to_thread(self.client.get_object, self.bucket, key)
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject"):
                raise ObjectNotFound(key) from None
            raise
        try:
            while chunk := await asyncio.to_thread(response.read, chunk_size):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def put(self, *, key: str, data: bytes, content_type: str) -> None:
        outside_transaction("S3Store.put")
        await asyncio.to_thread(
            self.client.put_object,
            self.bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
        )

    async def copy(self, *, source: str, target: str) -> None:
        outside_transaction("S3Store.copy")
        try:
            await asyncio.to_thread(
                self.client.copy_object, self.bucket, target, CopySource(self.bucket, source)
            )
        except S3Error as error:
            if error.code == "NoSuchKey":
                raise ObjectNotFound(source) from None
            raise

    async def delete(self, *, key: str) -> None:
        outside_transaction("S3Store.delete")
        await asyncio.to_thread(self.client.remove_object, self.bucket, key)

    async def download_url(
        self,
        *,
        key: str,
        expires: timedelta,
        filename: str,
        content_type: str = "application/octet-stream",
    ) -> SignedRequest:
        # S3 lets a presigned GET override these two answer headers (not nosniff: a proxy or
        # CDN in front of the bucket adds X-Content-Type-Options).
        outside_transaction("S3Store.download_url")
        disposition: dict[str, str | list[str] | tuple[str]] = {
            "response-content-disposition": f'attachment; filename="{filename}"',
            "response-content-type": content_type,
        }
        url = await asyncio.to_thread(
            self.signer.presigned_get_object,
            self.bucket,
            key,
            expires,
            response_headers=disposition,
        )
        return SignedRequest("GET", url, {}, utcnow() + expires)
