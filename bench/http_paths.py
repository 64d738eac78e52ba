"""A device's everyday requests against the framework floor, with wrk as the load generator.

One engineer with N assigned work orders (embedded default or PostgreSQL). In each round,
wrk (2 threads, 32 connections) runs against the bare Litestar floor (``bench/floor.py``:
a small JSON, a list of 100 Structs) and against the real ``fieldops serve``:
``/health/live``, ``GET /api/v1/me``, the caught-up pull (the poll a device makes), and pulls
of the first 100 and 500 documents. Prints requests/s and the share of the floor (the small
JSON for single answers, the 100 Structs for pages), medians of the rounds with their range,
and the CPU seconds of the server and of wrk (wrk must not be the saturated one).

    bench/setup   # once: installs wrk
    .venv/bin/python -m bench.http_paths --database sqlite
    .venv/bin/python -m bench.http_paths --database postgres
    .venv/bin/python -m bench.http_paths --database sqlite --log-level warning  # no access log
"""

import argparse
import asyncio
import statistics
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from bench import wrk
from bench.harness import Server, connected, database, login, serve
from bench.seed import PASSWORD, seed
from bench.sync_pull import pull_everything


@dataclass(frozen=True)
class Target:
    name: str
    floor: str  # "small" or "structs": the floor it is a share of
    path: str
    authenticated: bool = True
    documents: int = 0  # per answer, for documents/s


def targets(checkpoint: str) -> list[Target]:
    pull = "/api/v1/sync/work_orders/pull?"
    return [
        Target("GET /health/live", "small", "/health/live", authenticated=False),
        Target("GET /api/v1/me", "small", "/api/v1/me"),
        Target(
            "pull, caught up",
            "small",
            pull + urlencode({"limit": 100, "checkpoint": checkpoint}),
        ),
        Target("pull, first 100 documents", "structs", pull + "limit=100", documents=100),
        Target("pull, first 500 documents", "structs", pull + "limit=500", documents=500),
    ]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--work-orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument(
        "--log-level",
        choices=["info", "warning"],
        default="info",
        help="of both servers (info, the default of both, logs every request)",
    )
    parser.add_argument(
        "--caller-cache-seconds",
        type=int,
        default=None,
        help="the server's FIELDOPS_CALLER_CACHE_SECONDS (0: every call asks the database "
        "who the token is, as for a fleet of devices each polling now and then)",
    )
    args = parser.parse_args()
    wrk.require_wrk()
    async with database(args.database) as url:
        async with connected(url) as db:
            seeded = await seed(db, work_orders=args.work_orders)
        env = {"FIELDOPS_LOG_LEVEL": args.log_level.upper()}
        if args.caller_cache_seconds is not None:
            env["FIELDOPS_CALLER_CACHE_SECONDS"] = str(args.caller_cache_seconds)
        with serve(url, extra_env=env) as server, wrk.floor(args.log_level) as floor:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                token = await login(client, seeded.slug, "eng0", PASSWORD)
                total, checkpoint = await pull_everything(client, token, 500)
                assert total == args.work_orders, total
            measured = measure(server, floor, token, checkpoint, args)
    report(measured, args)


def measure(
    server: Server, floor: Server, token: str, checkpoint: str, args: argparse.Namespace
) -> dict[str, list[wrk.Load]]:
    auth = {"Authorization": f"Bearer {token}"}
    runs: dict[str, list[wrk.Load]] = {}
    for _ in range(args.rounds):
        for name, path in (("floor: small JSON", "/"), ("floor: 100 Structs", "/structs")):
            load = wrk.run(floor, path, seconds=args.seconds, headers={})
            runs.setdefault(name, []).append(load)
        for target in targets(checkpoint):
            headers = auth if target.authenticated else {}
            load = wrk.run(server, target.path, seconds=args.seconds, headers=headers)
            runs.setdefault(target.name, []).append(load)
    return runs


def report(runs: dict[str, list[wrk.Load]], args: argparse.Namespace) -> None:
    cache = args.caller_cache_seconds
    print(
        f"database: {args.database}; {args.work_orders} work orders; wrk -t{wrk.THREADS} "
        f"-c{wrk.CONNECTIONS} -d{args.seconds:g}s; log level {args.log_level} (both servers); "
        f"caller cache: {'default' if cache is None else f'{cache} s'}; "
        f"medians of {args.rounds} rounds (range)"
    )
    floors = {
        "small": [load.requests_per_second for load in runs["floor: small JSON"]],
        "structs": [load.requests_per_second for load in runs["floor: 100 Structs"]],
    }
    kinds = {target.name: target for target in targets("")}
    for name, loads in runs.items():
        rates = [load.requests_per_second for load in loads]
        line = f"{name:28s} {spread(rates):>24s} req/s"
        target = kinds.get(name)
        if target is not None:
            shares = [rate / base for rate, base in zip(rates, floors[target.floor], strict=True)]
            line += f"  share of floor ({target.floor}) {statistics.median(shares):.2f}"
            line += f" ({min(shares):.2f}-{max(shares):.2f})"
            if target.documents:
                line += f"  {statistics.median(rates) * target.documents:,.0f} documents/s"
        server_cpu = statistics.median(load.server_cpu / load.seconds for load in loads)
        client_cpu = statistics.median(load.client_cpu / load.seconds for load in loads)
        line += f"  cpu/s server {server_cpu:.2f} wrk {client_cpu:.2f}"
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
