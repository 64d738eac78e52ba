"""The progress card a matched query is answered: what the portal page shows at the top (the
portal's own view of the work order, through the link just issued), the latest message, and
the link; as data and as the text a chat bubble shows."""

from datetime import datetime, tzinfo
from uuid import UUID

from chat import texts
from kernel.clock import zone_named
from kernel.context import PortalCaller
from kernel.db import Database
from messaging import services as messages
from messaging.sql import MessageRow
from mobile_contract import chat as contract
from mobile_contract.portal import PortalPromise, PortalWorkOrder
from portal import texts as portal_texts
from portal import views

MESSAGE_CHARACTERS = 100  # of the latest message, in the card


async def card(
    *,
    db: Database,
    caller: PortalCaller,
    portal_link: str,
    language: contract.ChatLanguage,
    now: datetime,
) -> contract.ChatCard:
    async with db.snapshot() as reader:
        shown = await views.read(reader, caller=caller, language=language, now=now)
        latest = await messages.latest(
            reader, tenant_id=caller.tenant_id, work_order_id=caller.work_order_id
        )
    zone = zone_named(shown.site_timezone)
    return contract.ChatCard(
        number=shown.number,
        title=shown.title,
        step=shown.step,
        state=portal_texts.now_words(language, shown.status, shown.hold_reason),
        handler=contract.ChatHandler(name=shown.handler.name, phone=shown.handler.phone)
        if shown.handler
        else None,
        promise=shown.promise,
        promise_words=_promise_words(shown.promise, language, zone, now),
        eta=shown.eta,
        eta_words=_eta_words(shown, language, zone),
        latest_message=_latest(latest, language) if latest else None,
        portal_link=portal_link,
        link_expires_at=caller.expires_at,
        language=language,
    )


def text_of(card: contract.ChatCard) -> str:
    """The card as lines of text, for channels that show text only."""
    words, page = texts.words(card.language), portal_texts.texts(card.language)

    def line(label: str, value: str) -> str:
        return words["line"].format(label=label, value=value)

    lines = [
        words["heading"].format(number=card.number, title=card.title),
        line(words["state"], card.state),
    ]
    if card.handler is not None:
        lines.append(line(page["handler"], f"{card.handler.name} {card.handler.phone}".strip()))
    if card.promise_words:
        lines.append(line(page["promise"], card.promise_words))
    if card.eta_words:
        lines.append(line(page["eta"], card.eta_words))
    if card.latest_message is not None:
        message = card.latest_message
        lines.append(line(words["latest"].format(author=message.author), message.text))
    lines.append(line(words["details"], card.portal_link))
    return "\n".join(lines)


def _promise_words(
    promise: PortalPromise | None, language: str, zone: tzinfo, now: datetime
) -> str:
    page = portal_texts.texts(language)
    if promise is None:
        return ""
    if promise.late:
        return page["promise_late"]
    if promise.paused:
        return page["promise_paused"]
    if promise.due_at is None:
        return ""
    left = portal_texts.duration_words(language, (promise.due_at - now).total_seconds())
    return texts.words(language)["with_left"].format(
        due=portal_texts.local_time(promise.due_at, language, zone),
        left=page["promise_left"].format(left=left),
    )


def _eta_words(shown: PortalWorkOrder, language: str, zone: tzinfo) -> str:
    if shown.eta is None:
        return ""
    return portal_texts.texts(language)["eta_range"].format(
        start=portal_texts.local_time(shown.eta.p50_at, language, zone),
        end=portal_texts.local_time(shown.eta.p80_at, language, zone),
    )


def _latest(row: MessageRow, language: str) -> contract.ChatLatestMessage:
    customer = row.author_side == "customer"
    text = " ".join(row.body.split()) or (
        texts.words(language)["attachment"] if row.attachment_ids else ""
    )
    if len(text) > MESSAGE_CHARACTERS:
        text = text[: MESSAGE_CHARACTERS - 1] + "…"
    return contract.ChatLatestMessage(
        side="customer" if customer else "staff",
        author=portal_texts.texts(language)["you"] if customer else row.author_name,
        text=text,
        at=row.created_at,
    )


def caller_for(
    *, tenant_id: UUID, work_order_id: UUID, link_id: UUID, expires_at: datetime
) -> PortalCaller:
    """The customer as the link just issued to them makes them: the portal's view is theirs."""
    return PortalCaller(
        tenant_id=tenant_id, work_order_id=work_order_id, link_id=link_id, expires_at=expires_at
    )
