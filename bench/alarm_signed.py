"""Single-alarm signed requests (a terminal posting each alarm as it happens) against the real
``fieldops serve``, as a share of the trivial endpoint (``/health/live``) of the same server,
measured in the same run. wrk is the load generator (its Lua script sends requests signed
beforehand, each nonce once: ``bench/signed_requests.lua``); 100 terminals take turns, so
most alarms are repeats of an open fault, as in the field. Prints requests/s, medians of the
rounds with their range, and the CPU of the server and of wrk. Target: >= 800 requests/s.

    bench/setup   # once: installs wrk
    .venv/bin/python -m bench.alarm_signed --database sqlite
    .venv/bin/python -m bench.alarm_signed --database postgres
"""

import argparse
import asyncio
import statistics
import tempfile
import uuid
from pathlib import Path

from bench import wrk
from bench.harness import ROOT, connected, database, serve
from bench.terminals import BenchTerminal, alarm, body, fleet, signed_headers

SCRIPT = ROOT / "bench" / "signed_requests.lua"


def write_requests(prefix: Path, terminals: list[BenchTerminal], per_thread: int) -> None:
    """One file per wrk thread of signed requests, each a new alarm id and nonce."""
    run = uuid.uuid4().hex[:8]
    for thread in range(wrk.THREADS):
        lines = []
        for n in range(per_thread):
            terminal = terminals[n % len(terminals)]
            payload = body([alarm(f"{run}-{thread}-{n}")])
            headers = signed_headers(terminal, payload)
            lines.append(
                "\t".join(
                    (
                        headers["X-Device-Id"],
                        headers["X-Timestamp"],
                        headers["X-Nonce"],
                        headers["X-Signature"],
                        payload.decode(),
                    )
                )
            )
        Path(f"{prefix}.{thread}").write_text("\n".join(lines) + "\n")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--terminals", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk run")
    parser.add_argument(
        "--per-thread", type=int, default=40_000, help="signed requests written per wrk thread"
    )
    args = parser.parse_args()
    wrk.require_wrk()
    signed: list[wrk.Load] = []
    trivial: list[wrk.Load] = []
    async with database(args.database) as url:
        async with connected(url) as db:
            made = await fleet(db, args.terminals)
        with serve(url) as server, tempfile.TemporaryDirectory() as folder:
            prefix = Path(folder) / "requests"
            for _ in range(args.rounds):
                trivial.append(wrk.run(server, "/health/live", seconds=args.seconds, headers={}))
                write_requests(prefix, made.terminals, args.per_thread)  # fresh timestamps
                signed.append(
                    wrk.run(
                        server,
                        "/api/v1/iot/alarms",
                        seconds=args.seconds,
                        headers={},
                        script=SCRIPT,
                        script_args=(str(prefix),),
                    )
                )
    rates = [load.requests_per_second for load in signed]
    bases = [load.requests_per_second for load in trivial]
    shares = [rate / base for rate, base in zip(rates, bases, strict=True)]
    print(
        f"database: {args.database}; wrk -t{wrk.THREADS} -c{wrk.CONNECTIONS} "
        f"-d{args.seconds:g}s; {args.terminals} terminals; medians of {args.rounds} rounds (range)"
    )
    for name, loads, values in (
        ("GET /health/live", trivial, bases),
        ("signed POST /api/v1/iot/alarms", signed, rates),
    ):
        server_cpu = statistics.median(load.server_cpu / load.seconds for load in loads)
        client_cpu = statistics.median(load.client_cpu / load.seconds for load in loads)
        print(
            f"{name:32s} {statistics.median(values):>8,.0f} ({min(values):,.0f}-"
            f"{max(values):,.0f}) req/s  cpu/s server {server_cpu:.2f} wrk {client_cpu:.2f}"
        )
    print(
        f"signed / trivial: {statistics.median(shares):.2f} ({min(shares):.2f}-{max(shares):.2f})"
    )


if __name__ == "__main__":
    asyncio.run(main())
