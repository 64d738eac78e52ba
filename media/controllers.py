"""HTTP routes of media: the local store's signed upload and download links (the embedded
default; with S3 the links point at the bucket instead and these routes are unused)."""

from typing import Any

from litestar import Controller, Request, Response, get, put
from litestar.params import FromPath
from litestar.response import File

from kernel.errors import DomainError, NotFound
from media.local_store import ROUTE, LocalStore, SignedUrlError
from media.store import MultipartNotFound, TooLarge
from mobile_contract.errors import ErrorCode
from server.state import AppServices

PUBLIC = {"exclude_from_auth": True}  # the signed link is the credential


def _local_store(request: Request[Any, Any, Any]) -> LocalStore:
    store = AppServices.of(request).media
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
    async def upload(self, token: FromPath[str], request: Request[Any, Any, Any]) -> Response[None]:
        """Bytes PUT to a signed link, streamed to disk (never held whole in memory); the
        answer's ``ETag`` is what completing a multipart upload names for the part."""
        store = _local_store(request)
        claims = _claims(store, token)
        try:
            etag = await store.receive(claims, request.stream())
        except TooLarge as error:
            raise DomainError(ErrorCode.PAYLOAD_TOO_LARGE, f"Upload refused: {error}.") from None
        except MultipartNotFound:
            raise NotFound("multipart upload", claims.get("upload", "")) from None
        except SignedUrlError as error:
            raise DomainError(ErrorCode(error.code), error.message) from None
        return Response(None, headers={"ETag": f'"{etag}"'})

    @get("/{token:str}", opt=PUBLIC)
    async def download(self, token: FromPath[str], request: Request[Any, Any, Any]) -> File:
        store = _local_store(request)
        claims = _claims(store, token)
        try:
            path = store.path_of(claims)
        except SignedUrlError as error:
            raise DomainError(ErrorCode(error.code), error.message) from None
        if not path.is_file():
            raise NotFound("media object", "link")
        return File(path, filename=str(claims.get("name", path.name)))


CONTROLLERS = [LocalMediaController]
