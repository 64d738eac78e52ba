"""A 200 MiB video through the multipart flow: the engineer's client declares it, PUTs 8 MiB
parts straight to the object store (four at a time), completes, and waits until the server has
verified it (re-hashed the whole object). Reported: MB/s end to end (declare → verified), the
upload alone, and the API process's peak RSS before and after (bytes never pass through it).

    .venv/bin/python -m bench.media_upload                 # S3 API: moto's server, own process
    .venv/bin/python -m bench.media_upload --store local   # the embedded local store
"""

import argparse
import asyncio
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
from minio import Minio

from bench.harness import ROOT, database, environment, login, peak_rss_mib, serve
from tests.media.samples import video

MIB = 1 << 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["s3", "local"], default="s3")
    parser.add_argument("--mib", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=4, help="parts in flight at once")
    args = parser.parse_args()
    asyncio.run(measure(args))


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(endpoint, timeout=1)
                break
            time.sleep(0.2)
        client = Minio(
            f"127.0.0.1:{port}", "bench", "bench-secret", secure=False, region="us-east-1"
        )
        client.make_bucket("fieldops")
        yield endpoint
    finally:
        process.kill()


def demo(env: dict[str, str]) -> None:
    """The demo tenant (its dispatcher and engineer log in below)."""
    command = [sys.executable, "-m", "server.cli", "demo"]
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)


async def measure(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        extra: dict[str, str] = {"FIELDOPS_PUSH_RELAY_IN_PROCESS": "true"}
        if args.store == "s3":
            endpoint = stack.enter_context(moto_server())
            extra |= {
                "FIELDOPS_MEDIA_STORE": "s3",
                "FIELDOPS_S3_ENDPOINT": endpoint,
                "FIELDOPS_S3_ACCESS_KEY": "bench",
                "FIELDOPS_S3_SECRET_KEY": "bench-secret",
                "FIELDOPS_S3_BUCKET": "fieldops",
            }
        async with database("sqlite") as url:
            demo({**environment(url), **extra})
            with serve(url, extra_env=extra) as server:
                await run(server.url, server.pid, args)


async def run(base: str, pid: int, args: argparse.Namespace) -> None:
    data = video(args.mib * MIB)  # a well-formed MP4: verification walks its boxes
    digest = hashlib.sha256(data).hexdigest()
    async with (
        httpx.AsyncClient(base_url=base, timeout=120) as api,
        httpx.AsyncClient(timeout=120) as store,
    ):
        dispatcher = {
            "Authorization": f"Bearer {await login(api, 'demo', 'dispatch', 'fieldops-demo')}"
        }
        engineer = {
            "Authorization": f"Bearer {await login(api, 'demo', 'eng.li', 'fieldops-demo')}"
        }
        me = (await api.get("/api/v1/me", headers=engineer)).json()
        wo = (
            await api.post(
                "/api/v1/work-orders", json={"title": "Compressor noise video"}, headers=dispatcher
            )
        ).json()["work_order"]
        assign = {"target": "assigned", "assignee_id": me["id"]}
        await api.post(
            f"/api/v1/work-orders/{wo['id']}/transitions", json=assign, headers=dispatcher
        )
        rss_before = peak_rss_mib(pid)

        started = time.perf_counter()
        declaration: dict[str, Any] = {
            "client_key": f"bench-{os.urandom(6).hex()}",
            "kind": "video",
            "content_type": "video/mp4",
            "size": len(data),
            "sha256": digest,
            "requirement": "",
        }
        created = await api.post(
            f"/api/v1/work-orders/{wo['id']}/uploads", json=declaration, headers=engineer
        )
        session = created.json()
        if created.status_code != 201:
            raise SystemExit(f"create: {created.status_code} {created.text}")
        part_size = session["part_size"]
        gate = asyncio.Semaphore(args.parallel)

        async def send(part: dict[str, Any]) -> None:
            start = (part["number"] - 1) * part_size
            chunk = data[start : start + part["size"]]
            async with gate:
                link = part["url"]
                target = store if "/media/local/" not in link["url"] else api
                response = await target.request(
                    link["method"], link["url"], headers=link["headers"], content=chunk
                )
                response.raise_for_status()

        await asyncio.gather(*(send(part) for part in session["parts"]))
        uploaded = time.perf_counter()
        completed = await api.post(f"/api/v1/uploads/{session['id']}/complete", headers=engineer)
        if completed.status_code != 200:
            raise SystemExit(f"complete: {completed.status_code} {completed.text}")
        status = "uploaded"
        while status == "uploaded":
            await asyncio.sleep(0.1)
            status = (await api.get(f"/api/v1/uploads/{session['id']}", headers=engineer)).json()[
                "status"
            ]
        verified = time.perf_counter()
        rss_after = peak_rss_mib(pid)

    mb = len(data) / 1e6
    print(
        f"store: {args.store}; {args.mib} MiB video, {len(session['parts'])} parts of "
        f"{part_size // MIB} MiB, {args.parallel} in flight; final status: {status}"
    )
    print(f"upload (PUT parts): {mb / (uploaded - started):,.1f} MB/s ({uploaded - started:.1f} s)")
    print(
        f"end to end (declare → verified): {mb / (verified - started):,.1f} MB/s "
        f"({verified - started:.1f} s; verification {verified - uploaded:.1f} s)"
    )
    print(
        f"API process peak RSS: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after "
        f"(growth {rss_after - rss_before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
