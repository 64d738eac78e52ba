"""One terminal flooding the real ``fieldops serve`` with 100 alarms/s for 60 s (a flapping
sensor, one alarm per request): it must open one work order, add at most one timeline entry
per debounce window, and send no push. Prints what the flood left behind and the request
latencies. The debounce window is short here (``--debounce``, 10 s) so a minute spans several.

    .venv/bin/python -m bench.alarm_flood --database sqlite
    .venv/bin/python -m bench.alarm_flood --database postgres
"""

import argparse
import asyncio
import json
import time
import uuid

import msgspec

from bench.harness import RawHttpConnection, connected, database, percentile, serve
from bench.terminals import ALARMS_PATH, alarm, body, fleet, signed_headers
from kernel.statements import Statement

WORK_ORDERS = Statement(
    "SELECT id FROM workorders_work_order WHERE tenant = :tenant AND channel = 'iot'"
)
TIMELINE = Statement(
    "SELECT action, server_time FROM workorders_event WHERE tenant = :tenant ORDER BY server_time"
)
PUSHES = Statement("SELECT COUNT(*) AS n FROM push_notification WHERE tenant = :tenant")


class Id(msgspec.Struct):
    id: uuid.UUID


class Entry(msgspec.Struct):
    action: str


class Count(msgspec.Struct):
    n: int


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=int, default=100, help="alarms per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--debounce", type=int, default=10, help="seconds")
    args = parser.parse_args()
    async with database(args.database) as url:
        async with connected(url) as db:
            made = await fleet(db, 1)
        (terminal,) = made.terminals
        env = {
            "FIELDOPS_ALARM_DEBOUNCE_SECONDS": str(args.debounce),
            "FIELDOPS_LOG_LEVEL": "WARNING",
        }
        latencies: list[float] = []
        with serve(url, extra_env=env) as server:
            connection = RawHttpConnection(server.url)
            started = time.perf_counter()
            for n in range(args.rate * args.seconds):
                due = started + n / args.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                payload = body([alarm(f"flood-{n}")])
                sent = time.perf_counter()
                status, answer = await connection.request(
                    "POST", ALARMS_PATH, payload, signed_headers(terminal, payload)
                )
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    raise RuntimeError(f"{status}: {answer[:300]!r}")
            elapsed = time.perf_counter() - started
            await connection.close()
        async with connected(url) as db:
            opened = await db.fetch(WORK_ORDERS, Id, tenant=made.tenant_id)
            entries = await db.fetch(TIMELINE, Entry, tenant=made.tenant_id)
            pushes = await db.fetch_one(PUSHES, Count, tenant=made.tenant_id)
    actions: dict[str, int] = {}
    for entry in entries:
        actions[entry.action] = actions.get(entry.action, 0) + 1
    sent_count = args.rate * args.seconds
    print(
        f"database: {args.database}; {sent_count} alarms in {elapsed:.1f} s "
        f"({sent_count / elapsed:.0f}/s, one per request); debounce {args.debounce} s"
    )
    print(f"work orders opened: {len(opened)}; pushes: {pushes.n if pushes else 0}")
    windows = args.seconds // args.debounce
    print(f"timeline entries: {json.dumps(actions)} (at most 1 + {windows} expected)")
    print(
        f"latency ms: p50 {percentile(latencies, 0.5) * 1000:.1f}, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f}, max {max(latencies) * 1000:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
