"""What the customer's web page needs from the composition root: its content security policy
(our own script and styles; uploads may go to the object store's public address), the
captured request metadata, and an access log that never prints a portal link's token."""

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection

import portal
from kernel.context import RequestMeta
from server.request_meta import capture
from server.settings import Settings
from server.state import AppServices

PORTAL_ASSETS = Path(portal.__file__).parent / "static"

# A portal token wherever it appears in a log line: in the page's path, or anywhere else.
_TOKEN = re.compile(r"fpt_[A-Za-z0-9_-]+")


def page_policy(settings: Settings) -> str:
    """The page's Content-Security-Policy: only our script and styles; it talks to this
    server, and PUTs upload bytes to the object store's public address when that is another
    origin."""
    stores = " ".join(
        sorted(
            {
                f"{parts.scheme}://{parts.netloc}"
                for url in (
                    settings.base_url(),
                    settings.s3_public_endpoint or settings.s3_endpoint,
                )
                if url and (parts := urlsplit(url)).scheme in {"http", "https"}
            }
        )
    )
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"media-src 'self' blob:; connect-src 'self' {stores}; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def provide_meta(request: ASGIConnection[Any, Any, Any, Any]) -> RequestMeta:
    settings = AppServices.of(request).settings
    return capture(
        request,
        trust_forwarded_for=settings.trust_forwarded_for,
        hops=settings.trusted_proxy_hops,
    )


class MaskPortalTokens(logging.Filter):
    """Rewrites a record's arguments so a portal token prints as ``fpt_…`` (uvicorn's access
    log prints each request's path, and the page's path holds the customer's token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN.sub("fpt_…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN.sub("fpt_…", record.msg)
        return True


def mask_tokens_in_logs() -> None:
    """Installed on the loggers that print request paths (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskPortalTokens) for f in logger.filters):
            logger.addFilter(MaskPortalTokens())
