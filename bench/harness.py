"""What every benchmark needs: a throwaway database (SQLite file or PostgreSQL database), the
real server as a separate process on 127.0.0.1, and its peak memory. Benchmarks only ever
target 127.0.0.1."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from kernel.db import Database
from server import wiring

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "FIELDOPS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SECRET = "benchmark-secret-key-0123456789-abcdefghij"


@contextlib.asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    """A migrated, empty database; dropped afterwards."""
    if kind == "postgres":
        name = f"fieldops_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            migrate(url)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate(url)
            yield url


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FIELDOPS_SECRET_KEY": SECRET,
        "FIELDOPS_LOG_LEVEL": "WARNING",
        "FIELDOPS_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
    }


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
        env=environment(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[Database]:
    db = wiring.database(url)
    await db.start()
    try:
        yield db
    finally:
        await db.stop()


@dataclass
class Server:
    url: str
    pid: int


def answers(url: str, *, within: float) -> bool:
    """Whether ``url`` answers 200 before ``within`` seconds pass (a server starting)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(url: str, workers: int = 1, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    env = {**environment(url), **(extra_env or {}), "FIELDOPS_PORT": str(port)}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            if not answers(f"{base}/health/ready", within=60):
                log.seek(0)
                raise RuntimeError(f"server did not start: {log.read().decode()}")
            yield Server(url=base, pid=process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children that have exited (``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def login(client: httpx.AsyncClient, tenant: str, username: str, password: str) -> str:
    response = await client.post(
        "/api/v1/auth/login",
        json={
            "tenant": tenant,
            "username": username,
            "password": password,
            "device_id": f"bench-{username}",
        },
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class RawHttpConnection:
    """A minimal HTTP/1.1 keep-alive client for load generation: the benchmark client must
    not be the bottleneck (httpx spends about as much CPU per request as the server)."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._writer.write(head.encode() + b"\r\n" + body)
        status_line = await self._reader.readuntil(b"\r\n")
        length = 0
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self._reader.readexactly(length)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
