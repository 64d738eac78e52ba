"""The report worker: makes the PDF of each closed work order and stores it in the object store.

A report is claimed with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one writer at a
time on SQLite), so however many workers run each report is made once; one that dies
mid-way leaves it to another when the lease ends. Each attempt writes its own object and only
the attempt holding the claim marks the report ready, so a late loser cannot swap the bytes.
A failed attempt is tried again with a growing delay; after ``MAX_ATTEMPTS`` the report is
``failed`` and on-call is alerted (``push.alerts``). No store call runs inside a transaction.
"""

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from kernel.clock import utcnow
from kernel.db import Database
from kernel.wakeup import run_rounds
from media.store import ObjectStore
from push.alert_texts import REPORT_FAILED
from push.alerts import raise_alert
from reports import sql
from reports.content import gather
from reports.fonts import FontMissing, find_font
from reports.reactions import WAKEUP
from reports.render import render
from workorders import queries

log = logging.getLogger("fieldops.reports")

MAX_ATTEMPTS = 5
# Waits after the 1st, 2nd, … failed attempt (the last repeats): an object store that is down
# for a while, not a report that cannot be made, is what retries are for.
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
_NOBODY = UUID(int=0)  # bound where the tenant filter is off


class ReportWorker:
    def __init__(
        self,
        *,
        db: Database,
        store: ObjectStore,
        font: str = "",
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 10,
        poll_seconds: float = 5.0,
        tenant_id: UUID | None = None,
    ) -> None:
        """``font``: ``FIELDOPS_REPORT_FONT`` (empty: where the setup installs it).
        ``tenant_id``: make one tenant's reports only (a test's own, among others')."""
        self.db, self.store, self.font, self.clock = db, store, font, clock
        self.lease, self.batch_size, self.poll_seconds = lease, batch_size, poll_seconds
        self.tenant_id = tenant_id

    async def run(self) -> None:
        """Until cancelled: make what is due, then sleep until woken or the next poll."""
        try:
            find_font(self.font)
        except FontMissing as missing:  # said at start; each report then fails with it
            log.error("reports: %s", missing)
        await run_rounds(
            wakeup=WAKEUP,
            round_=self.run_once,
            poll_seconds=self.poll_seconds,
            name="report worker",
            log=log,
        )

    async def run_once(self) -> int:
        """One round: up to ``batch_size`` reports, one at a time; answers how many it tried."""
        tried = 0
        while tried < self.batch_size and (claimed := await self._claim()) is not None:
            await self._generate(claimed)
            tried += 1
        return tried

    async def _claim(self) -> sql.Claimed | None:
        now = self.clock()
        async with self.db.transaction() as tx:
            return await tx.fetch_one(
                sql.CLAIM,
                sql.Claimed,
                until=now + self.lease,
                now=now,
                every_tenant=self.tenant_id is None,
                tenant=self.tenant_id or _NOBODY,
            )

    async def _generate(self, claimed: sql.Claimed) -> None:
        key = f"reports/{claimed.tenant}/{claimed.work_order}/{claimed.attempts}.pdf"
        try:
            font = find_font(self.font)
            content = await gather(
                db=self.db,
                store=self.store,
                tenant_id=claimed.tenant,
                work_order_id=claimed.work_order,
                now=self.clock(),
            )
            data = await asyncio.to_thread(render, content, font)  # CPU: off the event loop
            await self.store.put(key=key, data=data, content_type="application/pdf")
        except Exception as error:  # one report failing must not hold up the others
            log.exception("reports: the report of work order %s failed", claimed.work_order)
            await self._failed(claimed, error)
            return
        now = self.clock()
        async with self.db.transaction() as tx:
            marked = await tx.fetch(
                sql.MARK_READY,
                sql.Id,
                object_key=key,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                now=now,
                id=claimed.id,
                attempts=claimed.attempts,
            )
        if not marked:  # claimed again after our lease ended: the other attempt decides
            log.warning("reports: %s was made after its claim lapsed; not used", key)

    async def _failed(self, claimed: sql.Claimed, error: Exception) -> None:
        said = str(error) if isinstance(error, FontMissing) else f"{type(error).__name__}: {error}"
        reason, now = said[:1000], self.clock()
        async with self.db.transaction() as tx:
            if claimed.attempts < MAX_ATTEMPTS:
                delay = RETRY_DELAYS[min(claimed.attempts, len(RETRY_DELAYS)) - 1]
                await tx.fetch(
                    sql.RETRY_LATER,
                    sql.Id,
                    due=now + delay,
                    error=reason,
                    now=now,
                    id=claimed.id,
                    attempts=claimed.attempts,
                )
                return
            if not await tx.fetch(
                sql.GIVE_UP, sql.Id, error=reason, now=now, id=claimed.id, attempts=claimed.attempts
            ):
                return  # claimed again meanwhile: that attempt decides
            row = await queries.load_row_in_tenant(claimed.tenant, claimed.work_order, reader=tx)
            await raise_alert(
                tx=tx,
                tenant_id=claimed.tenant,
                kind=REPORT_FAILED,
                message=f"The PDF report of work order {row.number} could not be made after "
                f"{claimed.attempts} attempts; the customer has none: {reason}",
                now=now,
                details={
                    "work_order_number": row.number,
                    "attempts": claimed.attempts,
                    "error": reason,
                },
                subject_id=claimed.work_order,
            )
        log.error(
            "reports: gave up the report of work order %s after %d attempts: %s",
            claimed.work_order,
            claimed.attempts,
            reason,
        )
