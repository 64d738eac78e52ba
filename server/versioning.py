"""Contract and app versions: every answer names the contract version it speaks; a client on
another contract MAJOR, or an app older than the supported minimum, is told to upgrade (426)
instead of failing in stranger ways."""

import re
from typing import Any

from litestar import Request
from litestar.types import Message, Scope

from kernel.errors import DomainError
from mobile_contract import CONTRACT_VERSION
from mobile_contract.errors import ErrorCode
from server.request_meta import header
from server.state import AppServices

_NUMBERS = re.compile(r"^v?(\d+(?:\.\d+)*)")
_MAJOR = int(CONTRACT_VERSION.split(".")[0])


def version_key(text: str) -> tuple[int, ...] | None:
    """``"2.10.1-beta"`` → ``(2, 10, 1)``; None when there is no leading version number."""
    match = _NUMBERS.match(text.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


async def check_client_versions(request: Request[Any, Any, Any]) -> None:
    """Runs before every API handler."""
    contract = header(request, b"x-contract-version")
    if contract:
        wanted = version_key(contract)
        if wanted is None or wanted[0] != _MAJOR:
            raise DomainError(
                ErrorCode.UPGRADE_REQUIRED,
                f"This server speaks contract {CONTRACT_VERSION}, not {contract}: update the app.",
                {"contract_version": CONTRACT_VERSION, "client_contract_version": contract},
            )
    minimum = AppServices.of(request).settings.min_app_version
    if not minimum:
        return
    app_version = version_key(header(request, b"x-app-version").rsplit("/", 1)[-1])
    if app_version is not None and app_version < (version_key(minimum) or ()):
        raise DomainError(
            ErrorCode.UPGRADE_REQUIRED,
            f"This app version is no longer supported; update to {minimum} or later.",
            {"min_app_version": minimum, "app_version": request.headers.get("x-app-version")},
        )


_CONTRACT_HEADER = (b"x-contract-version", CONTRACT_VERSION.encode("latin-1"))


async def send_contract_version(message: Message, scope: Scope) -> None:  # noqa: ARG001 - Litestar's hook signature
    if message["type"] == "http.response.start":
        message["headers"] = [*message.get("headers", ()), _CONTRACT_HEADER]
