"""HTTP load with wrk against 127.0.0.1, and the floor app beside the server under test.

wrk (C, one event loop per thread) is the load generator: a Python client measured as its own
bottleneck (it used as much CPU as the server). Each run reports the server's and wrk's CPU
seconds, so a reader can see which one was saturated.
"""

import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.harness import ROOT, Server, answers, cpu_seconds, free_port

THREADS = 2
CONNECTIONS = 32


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    server_cpu: float  # seconds of the server process during the run
    client_cpu: float  # seconds of wrk during the run
    seconds: float


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit("wrk is not installed: run bench/setup first")
    return found


def run(
    server: Server,
    path: str,
    *,
    seconds: float,
    headers: dict[str, str],
    script: Path | None = None,
    script_args: tuple[str, ...] = (),
) -> Load:
    """wrk for ``seconds`` against ``path`` (or what ``script``, a wrk Lua script, sends);
    refuses a run with non-2xx answers."""
    command = [require_wrk(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(server.url + path)
    if script_args:
        command += ["--", *script_args]
    before_server = cpu_seconds(server.pid)
    before_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after_client = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{path}: {errors.group(1)} failed requests\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert rate is not None, output
    client = (after_client.ru_utime - before_client.ru_utime) + (
        after_client.ru_stime - before_client.ru_stime
    )
    return Load(float(rate.group(1)), cpu_seconds(server.pid) - before_server, client, seconds)


@contextlib.contextmanager
def floor(log_level: str = "info") -> Iterator[Server]:
    """The bare Litestar app (``bench/floor.py``) under uvicorn's settings for ``fieldops
    serve``: one process, uvloop and httptools where installed, the same log level (the access
    log is on at info, the default of both), its output to a file as the server's is."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the process, below
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "bench.floor:app", "--host", "127.0.0.1"),
            *("--port", str(port), "--log-level", log_level, "--timeout-graceful-shutdown", "5"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not answers(base + "/", within=30):
            raise RuntimeError("the floor app did not start")
        yield Server(url=base, pid=process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
