"""Where a small request's time goes: CPU per request through the ASGI app, no network.

wrk measures what a client sees; this splits the server's side. It calls the app directly
(no uvicorn, no sockets, no access log) for ``/health/live``, ``GET /api/v1/me`` and the
caught-up pull, and the pull's service alone (``sync.pull.pull``, the query and the page), so
the rest of a request is the framework's path, authentication and the response. With
``--profile ROUTE`` it prints that route's cProfile (which roughly doubles the times).

    .venv/bin/python -m bench.request_cpu --database sqlite
    .venv/bin/python -m bench.request_cpu --database postgres --profile pull
"""

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import time
from typing import Any

import httpx

from bench.harness import connected, database, environment, login
from bench.seed import PASSWORD, seed
from kernel.context import Actor
from mobile_contract.enums import Role
from server.app import create_app
from server.settings import Settings
from sync.pull import pull

ROUTES = ("live", "me", "pull")


def scope(path: str, token: str) -> dict[str, Any]:
    path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def per_request(app: Any, request: dict[str, Any], count: int, profile: bool) -> float:
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    for _ in range(200):  # warm caches (the caller, compiled statements)
        await app(dict(request, state={}), receive, send)
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(count):
        await app(dict(request, state={}), receive, send)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    assert statuses == {200}, statuses
    return (time.process_time() - started) / count * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--profile", choices=ROUTES)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    async with database(args.database) as url:
        async with connected(url) as db:
            seeded = await seed(db, work_orders=1000)
        os.environ.update(environment(url))
        app = create_app(Settings.from_env())
        async with app.lifespan():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                token = await login(client, seeded.slug, "eng0", PASSWORD)
                auth = {"Authorization": f"Bearer {token}"}
                first = await client.get("/api/v1/sync/work_orders/pull?limit=1000", headers=auth)
                checkpoint = first.json()["checkpoint"]
            paths = {
                "live": "/health/live",
                "me": "/api/v1/me",
                "pull": f"/api/v1/sync/work_orders/pull?checkpoint={checkpoint}&limit=100",
            }
            print(f"database: {args.database}; CPU per request, {args.requests} requests each")
            for name, path in paths.items():
                cost = await per_request(
                    app, scope(path, token), args.requests, args.profile == name
                )
                print(f"{name:28s} {cost:7.1f} µs")
            actor = Actor(
                tenant_id=seeded.tenant_id, user_id=seeded.engineers[0], role=Role.ENGINEER
            )
            started = time.process_time()
            for _ in range(args.requests):
                await pull(
                    db=app.state.services.db,
                    actor=actor,
                    collection="work_orders",
                    checkpoint=checkpoint,
                    limit=100,
                )
            service = (time.process_time() - started) / args.requests * 1e6
            print(f"{'pull service alone':28s} {service:7.1f} µs")


if __name__ == "__main__":
    asyncio.run(main())
