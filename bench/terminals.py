"""What the alarm benchmarks share: a tenant with one asset and one terminal per simulated
device (registered through the services, secrets known to the benchmark), and alarms and
signed requests as firmware builds them."""

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from accounts import services as accounts
from bench.harness import SECRET
from device_registry import signing, terminals
from device_registry.secrets import SecretBox
from directory import services as directory
from kernel.context import Actor
from kernel.db import Database
from mobile_contract import directory as dir_contract
from mobile_contract import iot
from mobile_contract.enums import Role

ALARMS_PATH = "/api/v1/iot/alarms"


@dataclass(frozen=True)
class BenchTerminal:
    id: str
    secret: str
    device_code: str


@dataclass(frozen=True)
class Fleet:
    slug: str
    tenant_id: uuid.UUID
    terminals: list[BenchTerminal]


async def fleet(db: Database, count: int) -> Fleet:
    """A tenant, a cold store, and ``count`` assets each watched by a terminal."""
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    tenant = await accounts.create_tenant(db=db, slug=slug, name="Benchmark tenant")
    operator = Actor(tenant_id=tenant, user_id=uuid.uuid4(), role=Role.ADMIN)
    site = await directory.create_site(
        db=db, actor=operator, data=dir_contract.SiteCreate(name="Bench cold store")
    )
    box = SecretBox(SECRET)
    made = []
    for n in range(count):
        code = f"CS-FR-{n:04d}"
        asset = await directory.create_asset(
            db=db,
            actor=operator,
            data=dir_contract.AssetCreate(site_id=site.id, device_code=code),
        )
        created = await terminals.register(
            db=db,
            actor=operator,
            box=box,
            data=iot.TerminalRegistration(asset_id=asset.id, device_code=code),
        )
        made.append(BenchTerminal(str(created.terminal.id), created.secret, code))
    return Fleet(slug, tenant, made)


def alarm(alarm_id: str, alarm_type: str = "over_temperature") -> dict[str, Any]:
    return {
        "id": alarm_id,
        "type": alarm_type,
        "severity": "critical",
        "state": "raised",
        "value": -12.5,
        "threshold": -18.0,
        "unit": "°C",
        "occurred_at": datetime.now(UTC).isoformat(),
    }


def body(alarms: list[dict[str, Any]]) -> bytes:
    return json.dumps({"alarms": alarms}, separators=(",", ":")).encode()


def signed_headers(
    terminal: BenchTerminal, payload: bytes, path: str = ALARMS_PATH
) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    return {
        "Content-Type": "application/json",
        "X-Device-Id": terminal.id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signing.sign(terminal.secret, "POST", path, timestamp, nonce, payload),
    }
