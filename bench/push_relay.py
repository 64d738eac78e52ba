"""Push relay throughput: D devices, N deliveries queued through the outbox, drained by one
relay over one HTTP/2 connection to the local APNs (its own process, 127.0.0.1, TLS, ES256
verified once per token, its age on every request). Reported: deliveries/s for the backlog,
and commit-to-200 latency (notification committed → APNs answered 200 → recorded) for a
steady trickle afterwards.

    .venv/bin/python -m bench.push_relay --database sqlite
    .venv/bin/python -m bench.push_relay --database postgres
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from bench.harness import connected, database, percentile
from bench.seed import seed
from device_registry.tables import Device
from kernel.clock import utcnow
from kernel.db import Database
from kernel.statements import Statement
from push import outbox
from push.apns import ApnsConfig, ApnsProvider
from push.providers import LogProvider
from push.relay import Relay
from tests.push.apns_server import KEY_ID, TEAM_ID, es256_key_pair

_LATENCY = Statement(
    "SELECT d.sent_at, n.created_at FROM push_delivery d"
    " JOIN push_notification n ON n.id = d.notification WHERE n.kind = :kind"
)
_COUNT = Statement(
    "SELECT status, count(*) AS n FROM push_delivery WHERE tenant = :tenant GROUP BY status"
)


class _Latency(msgspec.Struct, frozen=True):
    sent_at: datetime | None
    created_at: datetime


class _Count(msgspec.Struct, frozen=True):
    status: str
    n: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="deliveries a relay round claims")
    parser.add_argument("--profile", action="store_true", help="cProfile the backlog drain")
    args = parser.parse_args()
    private, public = es256_key_pair()
    public_file = Path(tempfile.mkstemp(suffix=".pem")[1])
    public_file.write_text(public)
    apns = subprocess.Popen(
        [sys.executable, "-m", "bench.local_apns", str(public_file), TEAM_ID, KEY_ID],
        stdout=subprocess.PIPE,
    )
    try:
        assert apns.stdout is not None
        where = json.loads(apns.stdout.readline())
        asyncio.run(measure(args, private, where, apns.pid))
    finally:
        apns.kill()
        public_file.unlink()


async def measure(
    args: argparse.Namespace, private: str, where: dict[str, str], server_pid: int
) -> None:
    async with database(args.database) as url, connected(url) as db:
        await run(db, args, private, where, server_pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(
    db: Database, args: argparse.Namespace, private: str, where: dict[str, str], server_pid: int
) -> None:
    seeded = await seed(db, work_orders=0, engineers=args.devices)
    now = utcnow()
    for engineer in seeded.engineers:
        await Device.insert(
            Device(
                id=uuid.uuid4(),
                installation=uuid.uuid4(),
                tenant=seeded.tenant_id,
                user=engineer,
                platform="ios",
                push_token=uuid.uuid4().hex * 2,
                apns_environment="production",
                app_bundle_id="com.example.fieldops",
                token_registered_at=now,
                last_seen_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    rounds = args.deliveries // args.devices
    for index in range(rounds):
        async with db.transaction() as tx:
            await outbox.enqueue(
                tx=tx,
                tenant_id=seeded.tenant_id,
                recipients=seeded.engineers,
                message=outbox.Message(kind="backlog", title=f"Backlog {index}", body="x"),
                now=utcnow(),
            )
    provider = ApnsProvider(
        ApnsConfig(
            team_id=TEAM_ID,
            key_id=KEY_ID,
            private_key_pem=private,
            production_url=where["url"],
            ca_file=where["ca_file"],
        )
    )
    relay = Relay(db=db, providers={"apns": provider, "fcm": LogProvider()}, batch_size=args.batch)
    await relay.run_once()  # warm up: the TLS connection and the provider token
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(server_pid)
    drained = 0
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    while sent := await relay.run_once():
        drained += sent
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_cpu = cpu_seconds(server_pid) - server_cpu

    # A steady trickle: 20 notifications every 50 ms, the relay woken at each commit.
    running = asyncio.create_task(relay.run())
    for index in range(50):
        async with db.transaction() as tx:
            await outbox.enqueue(
                tx=tx,
                tenant_id=seeded.tenant_id,
                recipients=seeded.engineers[:20],
                message=outbox.Message(kind="trickle", title=f"Trickle {index}"),
                now=utcnow(),
            )
        await asyncio.sleep(0.05)
    await asyncio.sleep(2)
    running.cancel()
    await relay.close()
    rows = await db.fetch(_LATENCY, _Latency, kind="trickle")
    latencies = [
        (_aware(r.sent_at) - _aware(r.created_at)).total_seconds() for r in rows if r.sent_at
    ]
    counts = {r.status: r.n for r in await db.fetch(_COUNT, _Count, tenant=seeded.tenant_id)}
    print(f"database: {args.database}; {args.devices} devices, {drained} backlog deliveries")
    print(
        f"backlog drained: {drained / elapsed:,.0f} deliveries/s ({elapsed:.1f} s, relay CPU "
        f"{cpu:.1f} s, local APNs CPU {server_cpu:.1f} s, rounds of {args.batch})"
    )
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"commit to APNs 200 (trickle of {len(rows)}): p50 {p50:.0f} ms, p99 {p99:.0f} ms;"
        f" recorded {len(latencies)}"
    )
    print(f"final states: {counts}")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    main()
