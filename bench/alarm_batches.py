"""Batched alarm ingest over signed HTTP: 100 simulated terminals, each posting batches of 500
new alarms (a terminal flushing its offline buffer) one after the other, all terminals at
once, against the real ``fieldops serve``. Prints alarms/s (median of the runs, with the
range), the server's CPU per second, and the client's (a raw HTTP/1.1 client with bodies
signed before the clock starts: it must not be the bottleneck). Target: >= 5,000 alarms/s.

    .venv/bin/python -m bench.alarm_batches --database sqlite
    .venv/bin/python -m bench.alarm_batches --database postgres
"""

import argparse
import asyncio
import resource
import statistics
import time
import uuid

from bench.harness import RawHttpConnection, Server, connected, cpu_seconds, database, serve
from bench.terminals import ALARMS_PATH, BenchTerminal, alarm, body, fleet, signed_headers


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_run(
    server: Server, terminals: list[BenchTerminal], batches: int, size: int
) -> tuple[float, float, float]:
    """Alarms/s, server CPU s/s, client CPU s/s of one run (fresh alarm ids)."""
    run = uuid.uuid4().hex[:8]
    requests = [
        [(terminal, body([alarm(f"{run}-{b}-{n}") for n in range(size)])) for b in range(batches)]
        for terminal in terminals
    ]

    async def terminal_posts(queue: list[tuple[BenchTerminal, bytes]]) -> None:
        connection = RawHttpConnection(server.url)
        try:
            for terminal, payload in queue:
                status, answer = await connection.request(
                    "POST", ALARMS_PATH, payload, signed_headers(terminal, payload)
                )
                if status != 200:
                    raise RuntimeError(f"{status}: {answer[:300]!r}")
        finally:
            await connection.close()

    server_before, client_before = cpu_seconds(server.pid), own_cpu()
    started = time.perf_counter()
    await asyncio.gather(*(terminal_posts(queue) for queue in requests))
    elapsed = time.perf_counter() - started
    total = len(terminals) * batches * size
    return (
        total / elapsed,
        (cpu_seconds(server.pid) - server_before) / elapsed,
        (own_cpu() - client_before) / elapsed,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--terminals", type=int, default=100)
    parser.add_argument("--batches", type=int, default=4, help="per terminal and run")
    parser.add_argument("--size", type=int, default=500, help="alarms per batch")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    async with database(args.database) as url:
        async with connected(url) as db:
            made = await fleet(db, args.terminals)
        with serve(url, extra_env={"FIELDOPS_LOG_LEVEL": "WARNING"}) as server:
            results = [
                await one_run(server, made.terminals, args.batches, args.size)
                for _ in range(args.runs)
            ]
    rates = [r[0] for r in results]
    print(
        f"database: {args.database}; {args.terminals} terminals x {args.batches} batches of "
        f"{args.size} alarms per run; {args.runs} runs"
    )
    print(
        f"alarms/s: median {statistics.median(rates):,.0f} "
        f"(range {min(rates):,.0f}-{max(rates):,.0f}); "
        f"server cpu/s {statistics.median(r[1] for r in results):.2f}; "
        f"client cpu/s {statistics.median(r[2] for r in results):.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
