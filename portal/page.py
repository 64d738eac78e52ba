"""The customer's portal page, ``GET /p/{token}``: server-rendered HTML that works on a phone
without any script framework (a small script of our own sends messages and files).

The token is in the path because it is the link the customer was sent; so the page answers
with ``Referrer-Policy: no-referrer`` (it never leaves in a ``Referer``), the access log masks
it (``server/logs.py``), and a link that is tampered with, expired or revoked gets one and the
same friendly page, revealing nothing about which it was or what it was for.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2
import msgspec

from kernel.clock import utcnow, zone_named
from kernel.context import PortalCaller, RequestMeta
from kernel.db import Database
from kernel.errors import DomainError
from media.attachments import CATALOG as ATTACHMENTS
from media.store import ObjectStore
from messaging import services as messages
from mobile_contract import messaging as messaging_contract
from mobile_contract import portal as contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from portal import links, sql, texts, views, visits
from reports import services as reports

TOKEN_MAX_LENGTH = 100  # ours are 47 characters; anything far longer is not one of ours


@dataclass(frozen=True, slots=True)
class Page:
    html: str
    status_code: int
    language: str


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


async def open_page(
    *, db: Database, token: str, meta: RequestMeta, accept_language: str, override: str
) -> Page:
    """The page for a link; every opening through a valid link is counted."""
    caller = await _caller(db, token, meta)
    if caller is None:
        language = texts.choose_language(
            accept_language=accept_language, override=override, tenant_default=""
        )
        return Page(html=_invalid(language), status_code=404, language=language)
    now = utcnow()
    async with db.snapshot() as reader:
        company = await reader.fetch_one(sql.COMPANY, sql.Company, tenant=caller.tenant_id)
        language = texts.choose_language(
            accept_language=accept_language,
            override=override,
            tenant_default=company.locale if company else "",
        )
        shown = await views.read(reader, caller=caller, language=language, now=now, company=company)
    conversation = await messages.list_for_portal(
        db=db, caller=caller, attachments=ATTACHMENTS, limit=messaging_contract.MAX_PAGE
    )
    await visits.count_visit(db=db, caller=caller, now=now)
    html = _render(shown, conversation.items, language, now, base=f"/p/{token}")
    return Page(html=html, status_code=200, language=language)


async def handler_photo(*, db: Database, token: str, meta: RequestMeta) -> bytes | None:
    """The handling engineer's photo for a live link, else None."""
    caller = await _caller(db, token, meta)
    return await views.handler_photo(db=db, caller=caller) if caller else None


async def _caller(db: Database, token: str, meta: RequestMeta) -> PortalCaller | None:
    if len(token) > TOKEN_MAX_LENGTH or not links.looks_like_portal_token(token):
        return None
    try:
        return await links.authenticate(db=db, token=token, meta=meta)
    except DomainError:  # invalid, revoked or expired: the same page for each
        return None


def _invalid(language: str) -> str:
    words = texts.texts(language)
    return _templates().get_template("invalid.html.j2").render(t=words, language=language)


# The texts the page's script shows (sending, uploading); the rest is rendered here.
_SCRIPT_TEXTS = (
    "no_messages",
    "you",
    "read",
    "sending",
    "send_failed",
    "upload_waiting",
    "upload_done",
    "upload_failed",
)


async def report_pdf(
    *, db: Database, store: ObjectStore, token: str, meta: RequestMeta
) -> tuple[bytes, str] | None:
    """The report of a live link's repair, once it is ready (None for anything else)."""
    caller = await _caller(db, token, meta)
    if caller is None:
        return None
    try:
        return await reports.portal_pdf(db=db, store=store, caller=caller)
    except DomainError:  # not ready (yet): the page says so
        return None


async def post_message(*, db: Database, token: str, meta: RequestMeta, body: str) -> bool:
    """The page's form without its script: the message is sent (False: not a live link)."""
    caller = await _caller(db, token, meta)
    if caller is None:
        return False
    try:  # held to the same limits as the API's JSON body (length, no control characters)
        data = msgspec.convert({"body": body.strip()}, messaging_contract.MessageCreate)
    except msgspec.ValidationError as error:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"This message cannot be sent ({error}); shorten it or remove unusual characters.",
            {"field": "body"},
        ) from None
    await messages.post_as_customer(db=db, caller=caller, data=data, attachments=ATTACHMENTS)
    return True


def _render(
    shown: contract.PortalWorkOrder,
    conversation: list[messaging_contract.Message],
    language: str,
    now: datetime,
    *,
    base: str,
) -> str:
    words = texts.texts(language)
    zone = zone_named(shown.site_timezone)
    reached = texts.STEPS.index(shown.step)

    def local(moment: datetime | None) -> str:
        return texts.local_time(moment, language, zone) if moment else ""

    promise_left = ""
    if shown.promise is not None and not shown.promise.late:
        seconds = (
            shown.promise.remaining_seconds
            if shown.promise.paused
            else (shown.promise.due_at - now).total_seconds()
            if shown.promise.due_at
            else None
        )
        if seconds is not None:
            promise_left = texts.duration_words(language, seconds)
    return (
        _templates()
        .get_template("page.html.j2")
        .render(
            t=words,
            language=language,
            other_language=texts.EN if language == texts.ZH else texts.ZH,
            wo=shown,
            steps=[(step, index <= reached) for index, step in enumerate(texts.STEPS)],
            step_times={entry.step: entry.at for entry in shown.timeline},
            now_words=texts.now_words(language, shown.status, shown.hold_reason),
            promise_left=promise_left,
            local=local,
            cancelled=shown.status == WorkOrderStatus.CANCELLED,
            open=shown.status not in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED),
            messages=conversation,
            base=base,
            js_texts={key: words[key] for key in _SCRIPT_TEXTS},
        )
    )
