"""How late the real ``fieldops worker`` fires 10,000 active SLA timers.

A tenant with one supervisor and a P1 policy (response 1 h, arrival 2 h, resolution 4 h, a
warning at 50%, one escalation stage at 1 h to the supervisors) gets work orders created
through the service layer until about ``--timers`` timers wait: 7 per work order (response:
warning, breach, escalation; arrival and resolution: warning and breach), counted, not assumed.
One transaction then moves every timer's due time into the next ``--window`` seconds, evenly spread,
starting 20 s from now (``--burst``: all due at that one instant); a ``fieldops worker`` starts,
and the run ends when every timer has fired (or after 5 minutes).

Lateness is given twice: ``fired_at - due_at`` (what the row says: the worker's clock when it
claimed the batch) and visible lateness, from the due time until this script, polling every
0.1 s, saw the batch committed (when the timeline entry, escalation and push rows exist).
An escalation pushes the supervisor: one ``push_notification`` row each (the supervisor has no
registered device, so no delivery rows and no work for the relay).

    .venv/bin/python -m bench.sla_timers --database sqlite
    .venv/bin/python -m bench.sla_timers --database postgres
    .venv/bin/python -m bench.sla_timers --database sqlite --burst
    .venv/bin/python -m bench.sla_timers --database postgres --burst --workers 2

``--profile FILE`` (with ``--py-spy PATH`` when py-spy is not on PATH) samples the worker with
py-spy from just before the first due time until the drain ends (raw collapsed stacks).
"""

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import IO

import msgspec

from accounts import services as accounts
from bench.harness import ROOT, connected, cpu_seconds, database, environment, percentile
from kernel.context import Actor
from kernel.db import Database
from kernel.statements import Array, Statement
from mobile_contract import auth as auth_contract
from mobile_contract import sla as sla_contract
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import Priority, Role
from sla import policies
from workorders import services as work_orders

START_AFTER = 20.0  # seconds from the shift to the first due time
GIVE_UP = 300.0  # seconds after the first due time
POLL = 0.1

UNFIRED_IDS = Statement("SELECT id FROM sla_timer WHERE fired_at IS NULL ORDER BY id")
COUNT_TIMERS = Statement("SELECT COUNT(*) AS n FROM sla_timer WHERE fired_at IS NULL")
# One UPDATE: the ids and their new due times as two arrays (PostgreSQL) ...
SHIFT_POSTGRES = Statement(
    "UPDATE sla_timer SET due_at = v.due FROM unnest(CAST(:ids AS uuid[]),"
    " CAST(:dues AS timestamptz[])) AS v(id, due) WHERE sla_timer.id = v.id"
)
# ... and one statement per timer in one transaction on SQLite (in process: milliseconds).
SHIFT_ONE = Statement("UPDATE sla_timer SET due_at = :due WHERE id = :id")
SHIFT_ALL = Statement("UPDATE sla_timer SET due_at = :due WHERE fired_at IS NULL")
BATCHES_SINCE = Statement(
    "SELECT fired_at, COUNT(*) AS n FROM sla_timer WHERE fired_at > :after GROUP BY fired_at"
)
FIRED = Statement(
    "SELECT kind, due_at, fired_at FROM sla_timer WHERE fired_at IS NOT NULL ORDER BY fired_at"
)
LEFT_BEHIND = Statement(
    "SELECT (SELECT COUNT(*) FROM sla_escalation) AS escalations,"
    " (SELECT COUNT(*) FROM push_notification WHERE kind = 'escalation') AS pushes,"
    " (SELECT COUNT(*) FROM workorders_event WHERE action IN"
    " ('sla_warning', 'sla_breached', 'escalated')) AS entries"
)


class Id(msgspec.Struct):
    id: uuid.UUID


class Count(msgspec.Struct):
    n: int


class Batch(msgspec.Struct):
    fired_at: datetime
    n: int


class Fired(msgspec.Struct):
    kind: str
    due_at: datetime
    fired_at: datetime


class LeftBehind(msgspec.Struct):
    escalations: int
    pushes: int
    entries: int


POLICY = sla_contract.PolicyIn(
    name="Bench P1",
    priority=Priority.P1,
    response_seconds=3600,
    arrival_seconds=7200,
    resolution_seconds=14400,
    warn_at_percent=[50],
    escalation=[
        sla_contract.EscalationStage(
            after_seconds=3600,
            clock="response",
            recipients=[sla_contract.Recipient(kind=sla_contract.RecipientKind.SUPERVISORS)],
            strong=True,
        )
    ],
)


async def prepare(db: Database, timers: int) -> tuple[int, int]:
    """The tenant, its policy and enough P1 work orders; answers (work orders, timers)."""
    tenant = await accounts.create_tenant(
        db=db, slug=f"bench-{uuid.uuid4().hex[:8]}", name="Benchmark tenant"
    )
    users = {}
    for name, role in (("dispatcher", Role.DISPATCHER), ("supervisor", Role.SUPERVISOR)):
        created = await accounts.create_user(
            db=db,
            tenant_id=tenant,
            data=auth_contract.UserCreate(
                username=name, display_name=name.title(), password="bench-password-1", role=role
            ),
        )
        users[name] = created.id
    admin = Actor(tenant_id=tenant, user_id=uuid.uuid4(), role=Role.ADMIN)
    await policies.create_policy(db=db, actor=admin, data=POLICY)
    dispatcher = Actor(tenant_id=tenant, user_id=users["dispatcher"], role=Role.DISPATCHER)

    async def create(n: int) -> None:
        await work_orders.create(
            db=db,
            actor=dispatcher,
            data=wo_contract.WorkOrderCreate(
                title=f"Cold room {n % 40} not cooling", priority=Priority.P1
            ),
        )

    await create(0)
    per_order = await count(db)
    orders = -(-timers // per_order)
    for n in range(1, orders):
        await create(n)
    return orders, await count(db)


async def count(db: Database) -> int:
    async with db.snapshot() as reader:
        found = await reader.fetch_one(COUNT_TIMERS, Count)
    assert found is not None
    return found.n


async def shift(db: Database, first: datetime, window: float, burst: bool) -> None:
    """Every unfired timer due in [first, first + window), evenly spread in random order
    (so the timers of one work order do not come due together), or all at ``first``."""
    async with db.transaction() as tx:
        if burst:
            await tx.execute(SHIFT_ALL, due=first)
            return
        ids = [row.id for row in await tx.fetch(UNFIRED_IDS, Id)]
        order = sorted(ids, key=lambda _: uuid.uuid4())
        step = window / len(order)
        dues = [first + timedelta(seconds=index * step) for index in range(len(order))]
        if db.is_sqlite:
            for timer_id, due in zip(order, dues, strict=True):
                await tx.execute(SHIFT_ONE, id=timer_id, due=due)
        else:
            await tx.execute(SHIFT_POSTGRES, ids=Array(order), dues=Array(dues))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds")
    parser.add_argument("--burst", action="store_true", help="every timer due at one instant")
    parser.add_argument(
        "--workers", type=int, default=1, help="fieldops worker processes sharing the timers"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy the worker during the drain (raw stacks)"
    )
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy executable")
    args = parser.parse_args()
    async with database(args.database) as url, connected(url) as db:
        started = time.perf_counter()
        orders, timers = await prepare(db, args.timers)
        made_in = time.perf_counter() - started
        first = datetime.now(UTC) + timedelta(seconds=START_AFTER)
        await shift(db, first, args.window, args.burst)
        with tempfile.TemporaryFile() as log:
            workers = [start_worker(url, log) for _ in range(args.workers)]
            worker = workers[0]
            try:
                profiler = None
                if args.profile:
                    await asyncio.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds() - 1))
                    profiler = start_profiler(args.py_spy, worker.pid, args.profile)
                seen, cpu = await watch(db, [w.pid for w in workers], first)
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)
                    profiler.wait(timeout=60)
            finally:
                for each in workers:
                    each.terminate()
                for each in workers:
                    each.wait(timeout=30)
            if any(each.returncode not in (0, -15) for each in workers):
                log.seek(0)
                print(log.read().decode()[-3000:])
        async with db.snapshot() as reader:
            fired = await reader.fetch(FIRED, Fired)
            left = await reader.fetch_one(LEFT_BEHIND, LeftBehind)
    report(args, orders, timers, made_in, fired, seen, cpu, left)


def start_worker(url: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "worker"],
        env=environment(url),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_profiler(py_spy: str, pid: int, output: str) -> subprocess.Popen[bytes]:
    """py-spy sampling the worker (100 Hz, idle frames left out) until SIGINT."""
    return subprocess.Popen(
        [py_spy, "record", "-p", str(pid), "-o", output, "--format", "raw", "-r", "100"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def watch(
    db: Database, pids: list[int], first: datetime
) -> tuple[dict[datetime, datetime], tuple[float, float]]:
    """Poll until no timer is left unfired: when each batch (one ``fired_at``) was first seen
    committed, and the workers' CPU seconds (at the first due time, at the end)."""

    def cpu() -> float:
        return sum(cpu_seconds(pid) for pid in pids)

    seen: dict[datetime, datetime] = {}
    last = datetime(2000, 1, 1, tzinfo=UTC)
    cpu_at_first: float | None = None
    deadline = first + timedelta(seconds=GIVE_UP)
    while True:
        now = datetime.now(UTC)
        if cpu_at_first is None and now >= first:
            cpu_at_first = cpu()
        async with db.snapshot() as reader:
            batches = await reader.fetch(BATCHES_SINCE, Batch, after=last)
            left = await reader.fetch_one(COUNT_TIMERS, Count)
        seen_at = datetime.now(UTC)
        for batch in batches:
            seen.setdefault(batch.fired_at, seen_at)
            last = max(last, batch.fired_at)
        if left is not None and left.n == 0 and cpu_at_first is not None:
            return seen, (cpu_at_first, cpu())
        if now > deadline:
            print(f"gave up: {left.n if left else '?'} timers unfired after {GIVE_UP:.0f} s")
            return seen, (cpu_at_first or 0.0, cpu())
        await asyncio.sleep(POLL)


def report(
    args: argparse.Namespace,
    orders: int,
    timers: int,
    made_in: float,
    fired: list[Fired],
    seen: dict[datetime, datetime],
    cpu: tuple[float, float],
    left: LeftBehind | None,
) -> None:
    late = [(row.fired_at - row.due_at).total_seconds() for row in fired]
    done = max(seen.values())
    visible = [(seen.get(row.fired_at, done) - row.due_at).total_seconds() for row in fired]
    first_due = min(row.due_at for row in fired)
    drain = (done - first_due).total_seconds()
    mode = "burst (all due at once)" if args.burst else f"spread over {args.window:.0f} s"
    mode += f", {args.workers} worker(s)"
    kinds: dict[str, int] = {}
    for row in fired:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    print(
        f"database: {args.database}; {timers} timers on {orders} work orders "
        f"(made in {made_in:.1f} s), {mode}; fired {len(fired)} {kinds}"
    )
    print(
        f"lateness fired_at - due_at s: p50 {percentile(late, 0.5):.2f}, "
        f"p99 {percentile(late, 0.99):.2f}, max {max(late):.2f}"
    )
    print(
        f"visible lateness (committed) s: p50 {percentile(visible, 0.5):.2f}, "
        f"p99 {percentile(visible, 0.99):.2f}, max {max(visible):.2f}"
    )
    batches = len(seen)
    print(
        f"drain: first due to last committed {drain:.1f} s, {len(fired) / drain:.0f} timers/s; "
        f"{batches} batches (mean {len(fired) / batches:.0f} timers)"
    )
    spent = cpu[1] - cpu[0]
    print(
        f"workers' CPU from the first due time: {spent:.1f} s "
        f"({spent / len(fired) * 1e3:.2f} ms per timer, {spent / drain:.2f} CPU-s/s)"
    )
    if left is not None:
        print(
            f"left behind: {left.escalations} escalations, {left.pushes} escalation pushes, "
            f"{left.entries} timeline entries"
        )


if __name__ == "__main__":
    asyncio.run(main())
