"""Initial sync and pull throughput, against the real server on 127.0.0.1.

One engineer with N visible work orders pulls them in pages of 500 over HTTP: documents/s as
the server delivers them (targets: >= 20,000/s). Then the pull endpoint's requests/s as a ratio
of a trivial JSON endpoint of the same app, measured in the same run with the same concurrency
(target >= 0.4), and the server's peak RSS.

    .venv/bin/python -m bench.sync_pull --database sqlite
    .venv/bin/python -m bench.sync_pull --database postgres
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import time
from typing import Any

import httpx

from bench.harness import ROOT, connected, database, login, peak_rss_mib, serve
from bench.seed import PASSWORD, seed


async def pull_everything(client: httpx.AsyncClient, token: str, page: int) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"}
    checkpoint: str | None = None
    total = 0
    while True:
        params: dict[str, Any] = {"limit": page}
        if checkpoint:
            params["checkpoint"] = checkpoint
        response = await client.get("/api/v1/sync/work_orders/pull", params=params, headers=headers)
        response.raise_for_status()
        body = response.json()
        total += len(body["documents"])
        checkpoint = body["checkpoint"] or checkpoint
        if len(body["documents"]) < page:
            assert checkpoint is not None
            return total, checkpoint


def rxdb_initial_sync(base: str, tenant: str, expected: int) -> str:
    """A fresh RxDB client's initial sync (bench/rxdb_initial_sync.mjs), or why it did not run."""
    if shutil.which("node") is None or not (ROOT / "tests/e2e/rxdb/node_modules").is_dir():
        return "not run (needs node and `npm ci --prefix tests/e2e/rxdb`)"
    env = {
        **os.environ,
        "BASE_URL": base,
        "TENANT": tenant,
        "USERNAME": "eng0",
        "PASSWORD": PASSWORD,
        "EXPECTED": str(expected),
    }
    done = subprocess.run(
        ["node", str(ROOT / "bench/rxdb_initial_sync.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"RxDB initial sync failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return f"{result['documents']} documents in {result['seconds']:.2f} s"


async def requests_per_second(
    base: str,
    path: str,
    params: dict[str, Any],
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            while time.perf_counter() < deadline:
                response = await client.get(path, params=params)
                response.raise_for_status()
                done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--work-orders", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    async with database(args.database) as url:
        async with connected(url) as db:
            seeded = await seed(db, work_orders=args.work_orders)
        with serve(url) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                token = await login(client, seeded.slug, "eng0", PASSWORD)
                rates = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    total, checkpoint = await pull_everything(client, token, args.page)
                    elapsed = time.perf_counter() - start
                    assert total == args.work_orders, total
                    rates.append(total / elapsed)
            headers = {"Authorization": f"Bearer {token}"}
            trivial = await requests_per_second(
                server.url, "/health/live", {}, {}, args.concurrency, args.seconds
            )
            caught_up = await requests_per_second(
                server.url,
                "/api/v1/sync/work_orders/pull",
                {"limit": 100, "checkpoint": checkpoint},
                headers,
                args.concurrency,
                args.seconds,
            )
            page_100 = await requests_per_second(
                server.url,
                "/api/v1/sync/work_orders/pull",
                {"limit": 100},
                headers,
                args.concurrency,
                args.seconds,
            )
            rxdb = rxdb_initial_sync(server.url, seeded.slug, args.work_orders)
            rss = peak_rss_mib(server.pid)

    print(f"database: {args.database}; {args.work_orders} work orders, pages of {args.page}")
    print(
        f"initial sync over HTTP: median {statistics.median(rates):,.0f} docs/s "
        f"(best {max(rates):,.0f}, worst {min(rates):,.0f}, {args.rounds} rounds)"
    )
    print(f"fresh RxDB client (Node, memory storage), initial sync: {rxdb}")
    print(
        f"trivial JSON endpoint (/health/live): {trivial:,.0f} req/s "
        f"(concurrency {args.concurrency})"
    )
    print(
        f"pull, caught up (typical poll):      {caught_up:,.0f} req/s "
        f"-> ratio {caught_up / trivial:.2f}"
    )
    print(
        f"pull, page of 100 documents:         {page_100:,.0f} req/s "
        f"-> ratio {page_100 / trivial:.2f}"
    )
    print(f"server peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
