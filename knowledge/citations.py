"""Citations: a note that inserted an article records which work order used which version of
it, who and when. The citation rate (new work orders citing the knowledge base, a health
dimension whose target is 40%) is counted from them."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Transaction
from kernel.errors import DomainError, InvalidReference
from knowledge import sql
from mobile_contract import knowledge as contract
from mobile_contract.errors import ErrorCode
from workorders import queries
from workorders.events import Citing

MAX_DAYS = 400
TARGET = 0.4


async def record(tx: Transaction, event: Citing) -> None:
    """``workorders``' note is citing an article: the article must be one of the tenant's
    that was published (a draft was never shown to anyone who could insert it); the version
    one that was published up to now. Otherwise the note is refused with the field named."""
    head = await tx.fetch_one(
        sql.CITED_HEAD, sql.CitedHead, tenant=event.tenant_id, id=event.article_id
    )
    if head is None or head.published_version == 0:
        raise _refused("kb_article_id", event.article_id, event.note_id)
    version = event.version or head.published_version
    if version > head.published_version:
        raise _refused("kb_article_version", version, event.note_id)
    await tx.execute(
        sql.INSERT_CITATION,
        id=uuid4(),
        tenant=event.tenant_id,
        work_order=event.work_order_id,
        article=event.article_id,
        version=version,
        note=event.note_id,
        user=event.author_id,
        now=event.now,
        channel=event.channel,
    )
    await tx.execute(sql.COUNT_CITATION, tenant=event.tenant_id, id=event.article_id, now=event.now)


def _refused(field: str, value: object, note_id: UUID) -> InvalidReference:
    error = InvalidReference(field, value)
    error.details["note_id"] = str(note_id)
    return error


async def of_work_order(
    *, db: Database, actor: Actor, work_order_id: UUID
) -> contract.CitationList:
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        rows = await reader.fetch(
            sql.CITATIONS_OF, contract.Citation, tenant=actor.tenant_id, work_order=work_order_id
        )
    return contract.CitationList(items=rows)


async def rate(
    *,
    db: Database,
    actor: Actor,
    start: date,
    end: date | None,
    period: contract.CitationPeriod,
    team_id: UUID | None,
) -> contract.CitationRate:
    """New work orders citing the knowledge base, per period (UTC days, ISO weeks from
    Monday, calendar months) and owning team, over ``[start, end)``."""
    require_role(actor, DISPATCH_ROLES, "read the citation rate")
    end = end or datetime.now(UTC).date() + timedelta(days=1)
    if end <= start or (end - start).days > MAX_DAYS:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"end must be after start, at most {MAX_DAYS} days later.",
            {"field": "end"},
        )
    begin, finish = _moment(start), _moment(end)
    async with db.snapshot() as reader:
        rows = await reader.fetch(
            sql.CREATED_AND_CITING, sql.Created, tenant=actor.tenant_id, start=begin, end=finish
        )
        teams = {
            team.id: team.name
            for team in await reader.fetch(sql.TEAM_NAMES, sql.TeamName, tenant=actor.tenant_id)
        }
    counts: dict[tuple[date, UUID | None], list[int]] = {}
    for row in rows:
        if team_id is not None and row.team_id != team_id:
            continue
        key = (_bucket(row.created_at.astimezone(UTC).date(), period), row.team_id)
        count = counts.setdefault(key, [0, 0])
        count[0] += 1
        count[1] += row.citing
    items = [
        contract.CitationRatePeriod(
            start=max(_moment(bucket), begin),
            end=min(_moment(_next(bucket, period)), finish),
            team_id=team,
            team_name=teams.get(team, "") if team else "",
            work_orders=total,
            citing=citing,
            rate=round(citing / total, 4),
        )
        for (bucket, team), (total, citing) in sorted(
            counts.items(), key=lambda item: (item[0][0], str(item[0][1] or ""))
        )
    ]
    total = sum(item.work_orders for item in items)
    citing = sum(item.citing for item in items)
    return contract.CitationRate(
        period=period,
        start=begin,
        end=finish,
        target=TARGET,
        total_work_orders=total,
        total_citing=citing,
        total_rate=round(citing / total, 4) if total else None,
        items=items,
    )


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _bucket(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(bucket: date, period: str) -> date:
    if period == "day":
        return bucket + timedelta(days=1)
    if period == "week":
        return bucket + timedelta(days=7)
    return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)
