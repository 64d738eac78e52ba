"""``fieldops``: serve, worker, mqtt, migrate, create-tenant, create-user, demo, contract export."""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mobile_contract import schema
from server.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        sys.exit(f"fieldops: {error}")


async def _migrate(settings: Settings) -> None:
    """Piccolo's forward migrations for every app, on DATABASE_URL (SQLite or PostgreSQL)."""
    os.environ["DATABASE_URL"] = settings.database_url
    os.environ["PICCOLO_CONF"] = "server.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.engine import engine_finder

    from kernel.engines import TunedSQLiteEngine

    try:
        result = await run_forwards(app_name="all")
    finally:
        engine = engine_finder()
        if isinstance(engine, TunedSQLiteEngine):
            await engine.close_pool()  # its connection threads would keep the process alive
    if not result.success:
        sys.exit(f"fieldops: migration failed: {result.message}")
    await _prepare_bucket(settings)


async def _prepare_bucket(settings: Settings) -> None:
    """With S3, the bucket's lifecycle rules that drop orphan upload bytes (media/store.py).
    The database is migrated by then: a refusal is reported, and fixed by hand or by a key
    allowed to set lifecycle rules, rather than failing the deploy."""
    from minio.error import MinioException
    from urllib3.exceptions import HTTPError

    from media.store import S3Store
    from server.media import build_store

    store = build_store(settings)
    if not isinstance(store, S3Store):
        return
    try:
        rules = await store.apply_lifecycle()
    except (MinioException, HTTPError, OSError) as error:
        print(
            f"fieldops: WARNING: the lifecycle rules of bucket {store.bucket} were not set "
            f"({error}); orphan upload bytes under quarantine/ and staging/ will not expire. "
            "Allow this key s3:PutLifecycleConfiguration and run `fieldops migrate` again.",
            file=sys.stderr,
        )
        return
    print(f"fieldops: bucket {store.bucket}: lifecycle rules {', '.join(rules)}")


def _serve(settings: Settings, workers: int) -> None:
    import uvicorn

    if workers > 1 and settings.database_url.startswith("sqlite"):
        sys.exit("fieldops: SQLite serves from one process; use PostgreSQL for --workers > 1")
    print(f"fieldops: serving on http://{settings.host}:{settings.port} (docs at /schema)")
    uvicorn.run(
        "server.asgi:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.trust_forwarded_for,
        timeout_graceful_shutdown=5,  # live streams never end on their own
    )


async def _worker(settings: Settings) -> None:
    """The background workers (push and notify relays, media verifier, SLA timers, report
    worker) in a process of their own, until SIGTERM or Ctrl-C."""
    import signal

    from notify.relay import NotifyRelay
    from notify.secrets import Sealer
    from push.retry import RetryPolicy
    from reports.worker import ReportWorker
    from server import wiring
    from server.app import stop_task
    from server.media import build_store, build_verifier
    from server.relay import build_relay
    from sla.timers import TimerWorker

    db = wiring.database(settings.database_url)
    await db.start()
    relay = build_relay(db=db, settings=settings)
    notify_relay = NotifyRelay(
        db=db,
        sealer=Sealer(settings.signing_key()),
        public_url=settings.base_url(),
        policy=RetryPolicy(max_retries=settings.push_max_retries),
        timeout_seconds=settings.notify_timeout_seconds,
    )
    verifier = build_verifier(db=db, store=build_store(settings), settings=settings)
    task = asyncio.create_task(relay.run())
    notifying = asyncio.create_task(notify_relay.run())
    verifying = asyncio.create_task(verifier.run())
    timing = asyncio.create_task(TimerWorker(db=db, poll_seconds=settings.sla_poll_seconds).run())
    reporting = asyncio.create_task(
        ReportWorker(db=db, store=build_store(settings), font=settings.report_font).run()
    )
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for stop in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop, stopping.set)
    print(
        "fieldops: push and notify relays, media verifier, SLA timers and report worker "
        "running (Ctrl-C stops them)",
        flush=True,
    )
    signalled = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait(
            {task, notifying, verifying, timing, reporting, signalled},
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        signalled.cancel()
        await stop_task(task, "push relay")
        await stop_task(notifying, "notify relay")
        await stop_task(verifying, "media verifier")
        await stop_task(timing, "sla timers")
        await stop_task(reporting, "report worker")
        await relay.close()
        await notify_relay.close()
        await db.stop()


async def _mqtt(settings: Settings) -> None:
    """The MQTT alarm ingest in a process of its own, until SIGTERM or Ctrl-C. One process
    per broker subscription (each subscriber gets every message; several processes share
    one through FIELDOPS_MQTT_TOPIC_FILTER=$share/GROUP/fieldops/+/+/alarms, on PostgreSQL)."""
    import signal

    from alarms.mqtt import MqttIngest, broker_address
    from device_registry.secrets import SecretBox
    from device_registry.terminals import Authenticator
    from server import wiring
    from server.app import stop_task
    from server.state import intake_rules

    try:
        host, port, _ = broker_address(settings.mqtt_url)
    except ValueError as error:
        sys.exit(f"fieldops: FIELDOPS_MQTT_URL: {error}")
    db = wiring.database(settings.database_url, pool_size=settings.db_pool_size)
    await db.start()

    def connected() -> None:
        print(
            f"fieldops: MQTT alarm ingest connected to {host}:{port} as "
            f"{settings.mqtt_client_id}, subscribed to {settings.mqtt_topic_filter} "
            "(Ctrl-C stops it)",
            flush=True,
        )

    ingest = MqttIngest(
        db=db,
        terminals=Authenticator(SecretBox(settings.signing_key())),
        rules=intake_rules(settings),
        url=settings.mqtt_url,
        client_id=settings.mqtt_client_id,
        username=settings.mqtt_username or None,
        password=settings.mqtt_password or None,
        topic_filter=settings.mqtt_topic_filter,
        on_connected=connected,
    )
    task = asyncio.create_task(ingest.run())
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for stop in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop, stopping.set)
    signalled = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({task, signalled}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        signalled.cancel()
        await stop_task(task, "MQTT alarm ingest")
        await db.stop()


async def _with_db(settings: Settings, action: str, args: argparse.Namespace) -> None:
    from server import admin, wiring

    db = wiring.database(settings.database_url)
    await db.start()
    try:
        if action == "demo":  # its terminals' secrets are derived from the server key
            await admin.demo(db=db, settings=settings)
        else:
            await getattr(admin, action)(db=db, args=args)
    finally:
        await db.stop()


def _contract(command: str, output: str | None) -> None:
    try:
        if command == "release":
            print(f"fieldops: contract {schema.release_snapshot()} released (snapshot frozen)")
        elif output == "-":
            sys.stdout.write(schema.dump_contract(schema.export_contract()))
        elif output:
            Path(output).write_text(schema.dump_contract(schema.export_contract()), "utf-8")
            print(f"fieldops: contract written to {output}")
        else:
            print(f"fieldops: contract snapshot written to {schema.write_snapshot()}")
    except schema.ReleasedSnapshotError as error:
        sys.exit(f"fieldops: {error}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--workers", type=int, default=1)
    commands.add_parser(
        "migrate",
        help="apply database migrations (SQLite or PostgreSQL), and with S3 the bucket's "
        "lifecycle rules",
    )
    commands.add_parser(
        "worker", help="run the push relay without the HTTP API (any number, on PostgreSQL)"
    )
    commands.add_parser(
        "mqtt",
        help="run the MQTT alarm ingest: subscribe to fieldops/+/+/alarms at FIELDOPS_MQTT_URL",
    )
    tenant = commands.add_parser("create-tenant", help="create a tenant")
    tenant.add_argument("slug")
    tenant.add_argument("name")
    tenant.add_argument(
        "--locale",
        choices=["zh-CN", "en"],
        default="zh-CN",
        help="the language of the tenant's on-call alerts (default zh-CN)",
    )
    user = commands.add_parser("create-user", help="create a user in a tenant")
    user.add_argument("tenant", help="tenant slug")
    user.add_argument("username")
    user.add_argument(
        "--role", required=True, choices=["admin", "dispatcher", "supervisor", "engineer"]
    )
    user.add_argument("--display-name", required=True)
    user.add_argument("--phone", default="")
    user.add_argument("--password", help="read from FIELDOPS_NEW_PASSWORD when omitted")
    commands.add_parser("demo", help="create the demo tenant (idempotent) and print its logins")
    contract = commands.add_parser("contract", help="mobile contract tools")
    contract_commands = contract.add_subparsers(dest="contract_command", required=True)
    export = contract_commands.add_parser("export", help="write the contract's JSON Schema")
    export.add_argument(
        "--output", help="a file, or - for stdout (default: the snapshot of CONTRACT_VERSION)"
    )
    contract_commands.add_parser(
        "release", help="freeze the snapshot of CONTRACT_VERSION (shipped apps rely on it)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "contract":
        _contract(args.contract_command, getattr(args, "output", None))
        return
    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    # httpx logs each request's URL at INFO: an on-call robot's URL carries its access token
    # and signature, which do not belong in a log.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.root.level))
    if args.command == "serve":
        _serve(settings, args.workers)
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command == "worker":
        asyncio.run(_worker(settings))
    elif args.command == "mqtt":
        asyncio.run(_mqtt(settings))
    else:
        asyncio.run(_with_db(settings, args.command.replace("-", "_"), args))


if __name__ == "__main__":
    main()
