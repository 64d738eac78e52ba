"""Alarm ingest over MQTT: T simulated terminals publish batches of alarms (QoS 1, signed) to the
Mosquitto on 127.0.0.1:1883, and the real ``fieldops mqtt`` process ingests them. A run ends
when every message's answer is back on its result topic (published after the commit). Prints
alarms/s (median of the runs, with the range), the CPU seconds of the ``fieldops mqtt``
process and of the publisher (paho, messages signed before the clock starts: it must not be
the bottleneck), which keeps at most 500 messages unanswered (see WINDOW). Target: >= 2,000
alarms/s.

    .venv/bin/python -m bench.mqtt_ingest --database sqlite
    .venv/bin/python -m bench.mqtt_ingest --database postgres
    .venv/bin/python -m bench.mqtt_ingest --database sqlite --size 1 --alarms 6000  # one each
"""

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from bench.harness import ROOT, connected, cpu_seconds, database, environment
from bench.terminals import BenchTerminal, alarm, body, fleet
from device_registry import signing
from kernel.statements import Statement

HOST, PORT = "127.0.0.1", 1883
# Messages published and not yet answered. Mosquitto queues at most max_queued_messages (1,000
# by default) for a subscriber and silently drops the rest (README, MQTT): a burst larger than
# that is lost at the broker before the ingest sees it, so the publisher keeps below it.
WINDOW = 500
_COUNT = Statement("SELECT count(*) AS n FROM alarms_alarm WHERE tenant = :tenant")


class _Count(msgspec.Struct, frozen=True):
    n: int


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def envelope(terminal: BenchTerminal, topic: str, payload: bytes) -> bytes:
    """The message firmware publishes: the HTTP body, signed for PUBLISH and the topic."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    signature = signing.sign(terminal.secret, "PUBLISH", topic, timestamp, nonce, payload)
    message = {
        "device_id": terminal.id,
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature,
        "body": payload.decode(),
    }
    return json.dumps(message, separators=(",", ":")).encode()


@contextmanager
def ingest_process(url: str, client_id: str, slug: str) -> Iterator[int]:
    """``fieldops mqtt`` as an operator starts it, on this tenant's topics only (other users
    of the broker keep their messages); its session is dropped afterwards."""
    env = {
        **environment(url),
        "FIELDOPS_MQTT_URL": f"mqtt://{HOST}:{PORT}",
        "FIELDOPS_MQTT_CLIENT_ID": client_id,
        "FIELDOPS_MQTT_TOPIC_FILTER": f"fieldops/{slug}/+/alarms",
    }
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "mqtt"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while b"ingest connected" not in (text := Path(log.name).read_bytes()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fieldops mqtt did not connect: {text.decode()}")
                time.sleep(0.1)
            yield process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)
            said = Path(log.name).read_text()
            if said.count("\n") > 1:
                print(f"fieldops mqtt said:\n{said[-3000:]}", file=sys.stderr)
            forget = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
            forget.connect(HOST, PORT)  # a clean session replaces the persistent one
            forget.disconnect()


def one_run(
    terminals: list[BenchTerminal], slug: str, batches: int, size: int, pid: int
) -> tuple[float, float, float, int]:
    """Alarms/s, mqtt process CPU s, publisher CPU s, alarms accepted (fresh alarm ids)."""
    run = uuid.uuid4().hex[:8]
    messages = []
    for b in range(batches):  # each terminal's batches in order, all terminals at once
        for terminal in terminals:
            topic = f"fieldops/{slug}/{terminal.device_code}/alarms"
            alarms = [alarm(f"{run}-{terminal.device_code}-{b}-{n}") for n in range(size)]
            messages.append((topic, envelope(terminal, topic, body(alarms))))
    answers: list[dict[str, Any]] = []
    all_back, subscribed = threading.Event(), threading.Event()
    window = threading.Semaphore(WINDOW)

    def on_message(_client: paho.Client, _data: Any, message: paho.MQTTMessage) -> None:
        window.release()
        answers.append(json.loads(message.payload))
        if len(answers) == len(messages):
            all_back.set()

    publisher = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-publisher-{run}")
    publisher.max_inflight_messages_set(0)  # no limit of ours: the broker's
    publisher.on_message = on_message
    publisher.on_subscribe = lambda *_: subscribed.set()
    publisher.connect(HOST, PORT)
    publisher.loop_start()
    try:
        publisher.subscribe(f"fieldops/{slug}/+/alarms/result", qos=1)
        if not subscribed.wait(10):
            raise RuntimeError("the broker did not confirm the subscription")
        ingest_before, publisher_before = cpu_seconds(pid), own_cpu()
        started = time.perf_counter()
        for topic, payload in messages:
            if not window.acquire(timeout=600):
                raise RuntimeError(f"{len(answers)} of {len(messages)} answers came back")
            publisher.publish(topic, payload, qos=1)
        if not all_back.wait(600):
            raise RuntimeError(f"{len(answers)} of {len(messages)} answers came back")
        elapsed = time.perf_counter() - started
        ingest_cpu, publisher_cpu = cpu_seconds(pid) - ingest_before, own_cpu() - publisher_before
    finally:
        publisher.disconnect()
        publisher.loop_stop()
    refused = [a for a in answers if "error" in a]
    if refused:
        raise RuntimeError(f"{len(refused)} messages refused, e.g. {refused[0]}")
    accepted = sum(o["outcome"] == "accepted" for a in answers for o in a["outcomes"])
    return batches * len(terminals) * size / elapsed, ingest_cpu, publisher_cpu, accepted


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--size", type=int, default=50, help="alarms per message")
    parser.add_argument("--alarms", type=int, default=20_000, help="per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    batches = max(1, args.alarms // (args.terminals * args.size))
    async with database(args.database) as url:
        async with connected(url) as db:
            made = await fleet(db, args.terminals)
        client_id = f"bench-ingest-{uuid.uuid4().hex[:8]}"
        with ingest_process(url, client_id, made.slug) as pid:
            results = [
                await asyncio.to_thread(one_run, made.terminals, made.slug, batches, args.size, pid)
                for _ in range(args.runs)
            ]
        async with connected(url) as db:
            stored = await db.fetch_one(_COUNT, _Count, tenant=made.tenant_id)
    total = batches * args.terminals * args.size
    assert stored is not None
    if stored.n != total * args.runs or sum(r[3] for r in results) != stored.n:
        raise RuntimeError(f"stored {stored.n} alarms, accepted {sum(r[3] for r in results)}")
    rates = [r[0] for r in results]
    print(
        f"database: {args.database}; {args.terminals} terminals x {batches} messages of "
        f"{args.size} alarms ({total:,} alarms) per run; {args.runs} runs; all stored once"
    )
    for n, (rate, ingest_cpu, publisher_cpu, _) in enumerate(results, 1):
        print(
            f"  run {n}: {rate:,.0f} alarms/s ({total / rate:.1f} s); CPU: fieldops mqtt "
            f"{ingest_cpu:.2f} s, publisher {publisher_cpu:.2f} s"
        )
    print(
        f"alarms/s: median {statistics.median(rates):,.0f} "
        f"(range {min(rates):,.0f}-{max(rates):,.0f}); CPU per run (median): fieldops mqtt "
        f"{statistics.median(r[1] for r in results):.2f} s, "
        f"publisher {statistics.median(r[2] for r in results):.2f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
