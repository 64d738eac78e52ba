"""Outage replay: many devices come back online at once and push their queued changes.

Each of D devices (an engineer with one assigned work order) queued M mutations offline: one
work-order change (accepted -> in progress with a description, pushed as one document) and
M-1 notes. All devices push at once against the real server on 127.0.0.1. Reported:
mutations/s, p50/p99 latency of a push request, and a check that the final state holds every
mutation exactly once, also after every device replays its whole queue (a retry after a lost
answer).

    .venv/bin/python -m bench.sync_replay --database sqlite
    .venv/bin/python -m bench.sync_replay --database postgres
"""

import argparse
import asyncio
import time
import uuid
from typing import Any

import httpx
import msgspec

from bench.harness import (
    RawHttpConnection,
    connected,
    cpu_seconds,
    database,
    login,
    peak_rss_mib,
    percentile,
    serve,
)
from bench.seed import PASSWORD, seed
from sync.tables import SyncChange
from workorders.tables import Note, WorkOrder, WorkOrderEvent


async def queued_changes(
    client: httpx.AsyncClient, headers: dict[str, str], notes: int
) -> list[tuple[str, list[dict[str, Any]]]]:
    """What one device holds after working offline: its pushes, per collection."""
    response = await client.get(
        "/api/v1/sync/work_orders/pull", params={"limit": 10}, headers=headers
    )
    response.raise_for_status()
    (work_order,) = response.json()["documents"]
    changed = {**work_order, "status": "in_progress", "description": "Fan motor replaced"}
    note_rows = [
        {
            "assumedMasterState": None,
            "newDocumentState": {
                "id": str(uuid.uuid4()),
                "work_order_id": work_order["id"],
                "body": f"offline note {index}",
                "device_time": "2026-11-25T03:00:00Z",
            },
        }
        for index in range(notes)
    ]
    return [
        ("work_orders", [{"assumedMasterState": work_order, "newDocumentState": changed}]),
        ("work_order_notes", note_rows),
    ]


async def replay(
    base: str, devices: list[tuple[dict[str, str], list[Any]]]
) -> tuple[float, list[float]]:
    """Every device pushes its queue at once, one keep-alive connection each."""
    latencies: list[float] = []
    encoded = [
        (
            headers,
            [
                (collection, msgspec.json.encode(rows), {r["newDocumentState"]["id"] for r in rows})
                for collection, rows in pushes
            ],
        )
        for headers, pushes in devices
    ]

    async def device(headers: dict[str, str], pushes: list[tuple[str, bytes, set[str]]]) -> None:
        connection = RawHttpConnection(base)
        try:
            for collection, body, ids in pushes:
                start = time.perf_counter()
                status, answer = await connection.request(
                    "POST",
                    f"/api/v1/sync/{collection}/push",
                    body,
                    {**headers, "Content-Type": "application/json"},
                )
                latencies.append(time.perf_counter() - start)
                assert status == 200, (status, answer[:300])
                # Every document comes back as stored (a new version, the note's author and
                # server time): the device adopts it. Nothing is refused.
                answered = {d["id"] for d in msgspec.json.decode(answer)}
                assert answered == ids, answer[:300]
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(device(headers, pushes) for headers, pushes in encoded))
    return time.perf_counter() - start, latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--mutations", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    args = parser.parse_args()
    notes = args.mutations - 1

    async with database(args.database) as url:
        async with connected(url) as db:
            seeded = await seed(db, work_orders=args.devices, engineers=args.devices)
            # The seed marks work orders "assigned"; the devices accepted them before going
            # offline, so accept them here (through SQL: it is set-up, not the measurement).
            await WorkOrder.update({WorkOrder.status: "accepted"}).where(
                WorkOrder.tenant == seeded.tenant_id
            )
        with serve(url, workers=args.workers) as server:
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
            async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as client:
                gate = asyncio.Semaphore(8)

                async def prepare(index: int) -> tuple[dict[str, str], list[Any]]:
                    async with gate:
                        token = await login(client, seeded.slug, f"eng{index}", PASSWORD)
                        headers = {"Authorization": f"Bearer {token}"}
                        return headers, await queued_changes(client, headers, notes)

                devices = await asyncio.gather(*(prepare(i) for i in range(args.devices)))
                server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
                elapsed, latencies = await replay(server.url, devices)
                server_cpu = cpu_seconds(server.pid) - server_cpu
                client_cpu = time.process_time() - client_cpu
                again, replay_latencies = await replay(server.url, devices)
            rss = peak_rss_mib(server.pid)

        async with connected(url) as db:
            tenant = seeded.tenant_id
            note_count = await Note.count().where(Note.tenant == tenant)
            distinct = len(
                {
                    row["client_id"]
                    for row in await Note.select(Note.client_id).where(Note.tenant == tenant)
                }
            )
            in_progress = await WorkOrder.count().where(
                (WorkOrder.tenant == tenant) & (WorkOrder.status == "in_progress")
            )
            starts = await WorkOrderEvent.count().where(
                (WorkOrderEvent.tenant == tenant) & (WorkOrderEvent.action == "transition:start")
            )
            logged = await SyncChange.count().where(
                (SyncChange.tenant == tenant) & (SyncChange.collection == "work_order_notes")
            )

    mutations = args.devices * args.mutations
    expected_notes = args.devices * notes
    exactly_once = (
        note_count == distinct == expected_notes == logged and in_progress == starts == args.devices
    )
    print(
        f"database: {args.database}, {args.workers} server process(es); {args.devices} devices"
        f" x {args.mutations} mutations = {mutations} mutations, all devices at once"
    )
    print(
        f"first replay: {mutations / elapsed:,.0f} mutations/s ({elapsed:.1f} s); push "
        f"latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
    )
    print(
        f"CPU during the first replay: server {server_cpu:.1f} s, this client "
        f"{client_cpu:.1f} s (in {elapsed:.1f} s, 2 cores)"
    )
    print(
        f"second replay (every device retries everything): {again:.1f} s, p99 "
        f"{percentile(replay_latencies, 0.99) * 1000:.0f} ms, all no-ops"
    )
    print(
        f"exactly once: {exactly_once} (notes {note_count}/{expected_notes}, distinct "
        f"{distinct}, logged {logged}; work orders in progress {in_progress}, start "
        f"transitions {starts})"
    )
    print(f"server peak RSS: {rss:.0f} MiB")
    if not exactly_once:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
