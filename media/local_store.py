"""The embedded object store: a directory, with upload and download URLs served by the app
itself and signed with HMAC and an expiry, so a mobile client's flow is the one it uses
against S3 (PUT to a signed URL, per part for a multipart upload; GET a signed URL).

A part is written to a temporary file while it streams in (never held in memory) and renamed
into place when complete, so a broken upload leaves no half part behind; re-sending a part
replaces it, as in S3.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import shutil
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kernel.clock import utcnow
from media.store import (
    MultipartNotFound,
    ObjectInfo,
    ObjectNotFound,
    PartMismatch,
    SignedRequest,
    StoredPart,
    TooLarge,
    outside_transaction,
)

ROUTE = "/media/local"


class SignedUrlError(Exception):
    """A local media URL that is forged, altered or expired."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class LocalStore:
    name = "local"

    def __init__(
        self,
        *,
        root: Path,
        base_url: str,
        signing_key: bytes,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.root, self.base_url, self.clock = root, base_url.rstrip("/"), clock
        self._key = hashlib.sha256(b"fieldops-media-url\x00" + signing_key).digest()
        self.objects, self.multipart = root / "objects", root / "multipart"

    # URLs ----------------------------------------------------------------------------------

    def _url(self, claims: dict[str, Any], expires: timedelta) -> tuple[str, datetime]:
        expires_at = self.clock() + expires
        body = _b64(json.dumps({**claims, "exp": int(expires_at.timestamp())}).encode())
        signature = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        return f"{self.base_url}{ROUTE}/{body}.{signature}", expires_at

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a URL token this store signed and that has not expired."""
        body, _, signature = token.partition(".")
        expected = _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise SignedUrlError("link_invalid", "This media link is not valid.")
        try:
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:  # (binascii.Error and JSONDecodeError are ValueErrors)
            raise SignedUrlError("link_invalid", "This media link is not valid.") from None
        if not _well_formed(claims):
            raise SignedUrlError("link_invalid", "This media link is not valid.")
        if claims["exp"] < self.clock().timestamp():
            raise SignedUrlError("link_expired", "This media link has expired: ask for a new one.")
        return dict(claims)

    async def upload_url(
        self, *, key: str, content_type: str, max_bytes: int, expires: timedelta
    ) -> SignedRequest:
        outside_transaction("LocalStore.upload_url")
        url, at = self._url({"op": "put", "key": key, "max": max_bytes}, expires)
        return SignedRequest("PUT", url, {"Content-Type": content_type}, at)

    async def part_url(
        self, *, key: str, upload_id: str, number: int, max_bytes: int, expires: timedelta
    ) -> SignedRequest:
        outside_transaction("LocalStore.part_url")
        claims = {"op": "part", "key": key, "upload": upload_id, "n": number, "max": max_bytes}
        url, at = self._url(claims, expires)
        return SignedRequest("PUT", url, {}, at)

    async def download_url(
        self,
        *,
        key: str,
        expires: timedelta,
        filename: str,
        content_type: str = "application/octet-stream",
    ) -> SignedRequest:
        outside_transaction("LocalStore.download_url")
        claims = {"op": "get", "key": key, "name": filename, "type": content_type}
        url, at = self._url(claims, expires)
        return SignedRequest("GET", url, {}, at)

    # Bytes arriving at, and leaving from, the app's routes ------------------------------------

    async def receive(self, claims: dict[str, Any], chunks: AsyncIterator[bytes]) -> str:
        """Store a PUT body (an object or a part) as it streams in; answers its ETag (MD5)."""
        outside_transaction("LocalStore.receive")
        if claims["op"] == "put":
            target = self._object(claims["key"])
        elif claims["op"] == "part":
            directory = self._upload_dir(claims["upload"])
            if not directory.is_dir():
                raise MultipartNotFound(claims["upload"])
            target = directory / f"{int(claims['n']):05d}"
        else:
            raise SignedUrlError("link_invalid", "This media link is not for uploads.")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        digest, size, limit = hashlib.md5(usedforsecurity=False), 0, int(claims["max"])
        handle = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"more than the {limit} bytes this link accepts")
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            if claims["op"] == "part":  # the ETag first: a listing never pairs new bytes with it
                await asyncio.to_thread(target.with_suffix(".etag").write_text, digest.hexdigest())
            await asyncio.to_thread(os.replace, partial, target)
        except FileNotFoundError:  # the upload was aborted meanwhile
            raise MultipartNotFound(str(claims.get("upload", ""))) from None
        finally:
            handle.close()
            partial.unlink(missing_ok=True)
        return digest.hexdigest()

    def path_of(self, claims: dict[str, Any]) -> Path:
        if claims["op"] != "get":
            raise SignedUrlError("link_invalid", "This media link is not for downloads.")
        return self._object(claims["key"])

    # The store interface ----------------------------------------------------------------------

    async def start_multipart(self, *, key: str, content_type: str) -> str:
        outside_transaction("LocalStore.start_multipart")
        upload_id = uuid.uuid4().hex
        directory = self._upload_dir(upload_id)
        await asyncio.to_thread(directory.mkdir, parents=True)
        meta = json.dumps({"key": key, "content_type": content_type})
        await asyncio.to_thread((directory / "upload.json").write_text, meta)
        return upload_id

    async def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:  # noqa: ARG002
        outside_transaction("LocalStore.list_parts")
        directory = self._upload_dir(upload_id)
        return await asyncio.to_thread(_list_parts, directory)

    async def complete_multipart(
        self, *, key: str, upload_id: str, parts: list[StoredPart]
    ) -> None:
        outside_transaction("LocalStore.complete_multipart")
        directory = self._upload_dir(upload_id)
        stored = {p.number: p for p in await self.list_parts(key=key, upload_id=upload_id)}
        for part in parts:
            if stored.get(part.number) is None or stored[part.number].etag != part.etag:
                raise PartMismatch(f"part {part.number} is not the one stored")
        target = self._object(key)
        await asyncio.to_thread(_concatenate, directory, sorted(p.number for p in parts), target)
        await asyncio.to_thread(shutil.rmtree, directory, True)

    async def abort_multipart(self, *, key: str, upload_id: str) -> None:  # noqa: ARG002
        outside_transaction("LocalStore.abort_multipart")
        await asyncio.to_thread(shutil.rmtree, self._upload_dir(upload_id), True)

    async def stat(self, *, key: str) -> ObjectInfo | None:
        outside_transaction("LocalStore.stat")
        try:
            found = await asyncio.to_thread(self._object(key).stat)
        except FileNotFoundError:
            return None
        return ObjectInfo(found.st_size)

    async def read(self, *, key: str, chunk_size: int = 1 << 20) -> AsyncGenerator[bytes, None]:
        outside_transaction("LocalStore.read")
        try:
            handle = await asyncio.to_thread(self._object(key).open, "rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            handle.close()

    async def put(self, *, key: str, data: bytes, content_type: str) -> None:  # noqa: ARG002
        outside_transaction("LocalStore.put")
        target = self._object(key)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(target.write_bytes, data)

    async def copy(self, *, source: str, target: str) -> None:
        outside_transaction("LocalStore.copy")
        destination = self._object(target)
        await asyncio.to_thread(destination.parent.mkdir, parents=True, exist_ok=True)
        try:
            await asyncio.to_thread(shutil.copyfile, self._object(source), destination)
        except FileNotFoundError:
            raise ObjectNotFound(source) from None

    async def delete(self, *, key: str) -> None:
        outside_transaction("LocalStore.delete")
        await asyncio.to_thread(self._object(key).unlink, True)

    async def retain(self, *, key: str, until: datetime) -> bool:  # noqa: ARG002
        """A directory has no object lock: the ledger's hash chain still shows any change."""
        outside_transaction("LocalStore.retain")
        return False

    def _object(self, key: str) -> Path:
        path = (self.objects / key).resolve()
        if not path.is_relative_to(self.objects.resolve()):
            raise SignedUrlError("link_invalid", "This media key is not valid.")
        return path

    def _upload_dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise MultipartNotFound(upload_id)
        return self.multipart / upload_id


def _list_parts(directory: Path) -> list[StoredPart]:
    if not directory.is_dir():
        raise MultipartNotFound(directory.name)
    parts = []
    for etag_file in sorted(directory.glob("*.etag")):
        part = etag_file.with_suffix("")
        parts.append(StoredPart(int(part.name), etag_file.read_text(), part.stat().st_size))
    return parts


def _concatenate(directory: Path, numbers: list[int], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    try:
        with partial.open("wb") as out:
            for number in numbers:
                with (directory / f"{number:05d}").open("rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


_CLAIMS: dict[str, dict[str, type]] = {  # what each kind of link carries, and its types
    "put": {"key": str, "max": int},
    "part": {"key": str, "upload": str, "n": int, "max": int},
    "get": {"key": str, "name": str},
}


def _well_formed(claims: Any) -> bool:
    """Signed claims of the shape this store signs (a link signed by an older release, or
    with a key shared by mistake, must answer 403, never fail on a missing or odd field)."""
    if not isinstance(claims, dict) or claims.get("op") not in _CLAIMS:
        return False
    fields = {"exp": int, **_CLAIMS[claims["op"]]}
    return all(
        isinstance(claims.get(name), kind) and not isinstance(claims.get(name), bool)
        for name, kind in fields.items()
    ) and isinstance(claims.get("type", ""), str)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
