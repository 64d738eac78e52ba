"""Small factories: a tenant "world" built through the services, and HTTP helpers."""

import hashlib
import io
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar
from PIL import Image

from accounts import services as accounts
from device_registry import signing
from directory import services as directory
from kernel.context import Actor
from media.verify import Verifier
from mobile_contract import auth as auth_contract
from mobile_contract import directory as dir_contract
from mobile_contract.enums import Role
from server.tables import ALL_TABLES

PASSWORD = "correct-horse-battery"


class Client(httpx.AsyncClient):
    """An HTTP client calling the app in-process, on the test's own event loop."""

    def __init__(self, app: Litestar) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self.app = app


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Client]:
    """Start the app's database on *this* event loop (Litestar's AsyncTestClient runs the
    lifespan in a portal thread, whose loop an asyncpg pool would be bound to), then serve
    requests in-process. Binds the (global) Piccolo tables to this app's engine."""
    db = app.state.services.db
    db.bind(ALL_TABLES)
    await db.start()
    try:
        async with Client(app) as client:
            yield client
    finally:
        await db.stop()


@dataclass
class Terminal:
    """A registered IoT terminal and its secret: signs requests as firmware does."""

    client: Client
    id: str
    secret: str
    device_code: str
    asset_id: str

    def headers(
        self, method: str, path: str, body: bytes, *, timestamp: int | None = None
    ) -> dict[str, str]:
        moment = str(int(time.time()) if timestamp is None else timestamp)
        nonce = uuid.uuid4().hex
        return {
            "X-Device-Id": self.id,
            "X-Timestamp": moment,
            "X-Nonce": nonce,
            "X-Signature": signing.sign(self.secret, method, path, moment, nonce, body),
            "Content-Type": "application/json",
        }

    async def send(
        self, method: str, path: str, body: Any = None, *, expect: int | None = None
    ) -> httpx.Response:
        raw = b"" if body is None else json.dumps(body).encode()
        response = await self.client.request(
            method, path, content=raw, headers=self.headers(method, path, raw)
        )
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response

    async def post_alarms(self, *alarms: dict[str, Any], expect: int | None = 200) -> Any:
        response = await self.send(
            "POST", "/api/v1/iot/alarms", {"alarms": list(alarms)}, expect=expect
        )
        return response.json()


def alarm(alarm_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """An alarm as a terminal sends it: raised over-temperature now, unless told otherwise."""
    return {
        "id": alarm_id or f"a-{uuid.uuid4().hex[:16]}",
        "type": "over_temperature",
        "severity": "critical",
        "state": "raised",
        "value": -12.5,
        "threshold": -18.0,
        "unit": "°C",
        "occurred_at": datetime.now(UTC).isoformat(),
        **fields,
    }


@dataclass
class World:
    """One tenant. Users: admin, dispatcher, supervisor, eng_a (team_a), eng_a2 (team_a),
    eng_b (team_b). ``headers[name]`` authenticates as that user."""

    client: Client
    slug: str
    tenant_id: uuid.UUID
    users: dict[str, uuid.UUID]
    teams: dict[str, uuid.UUID]
    customer_id: uuid.UUID
    site_id: uuid.UUID
    asset_id: uuid.UUID
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    async def login(self, name: str, device_id: str = "test-device") -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/auth/login",
            json={
                "tenant": self.slug,
                "username": name,
                "password": PASSWORD,
                "device_id": device_id,
            },
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def call(
        self, who: str, method: str, url: str, *, expect: int | None = None, **kwargs: Any
    ) -> Any:
        headers = {**self.headers[who], **kwargs.pop("headers", {})}
        response = await self.client.request(method, url, headers=headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, f"{method} {url}: {response.text}"
        return response

    async def create_work_order(self, who: str = "dispatcher", **fields: Any) -> dict[str, Any]:
        body = {"title": "Freezer room too warm", "team_id": str(self.teams["team_a"]), **fields}
        response = await self.call(who, "POST", "/api/v1/work-orders", json=body, expect=201)
        work_order: dict[str, Any] = response.json()["work_order"]
        return work_order

    async def transition(
        self, who: str, work_order_id: str, target: str, *, expect: int = 200, **fields: Any
    ) -> Any:
        return await self.call(
            who,
            "POST",
            f"/api/v1/work-orders/{work_order_id}/transitions",
            json={"target": target, **fields},
            expect=expect,
        )

    async def send_to_link(self, link: dict[str, Any], data: bytes) -> httpx.Response:
        """Bytes to a signed link: the app's own (local store) in process, S3 over the network."""
        if "/media/local/" in link["url"]:
            return await self.client.request(
                link["method"], link["url"], headers=link["headers"], content=data
            )
        async with httpx.AsyncClient(timeout=60) as http:
            return await http.request(
                link["method"], link["url"], headers=link["headers"], content=data
            )

    async def register_terminal(
        self, device_code: str | None = None, asset_id: uuid.UUID | None = None, **fields: Any
    ) -> Terminal:
        body = {
            "asset_id": str(asset_id or self.asset_id),
            "device_code": device_code or f"T-{uuid.uuid4().hex[:10]}",
            **fields,
        }
        created = (
            await self.call("admin", "POST", "/api/v1/iot/terminals", json=body, expect=201)
        ).json()
        return Terminal(
            client=self.client,
            id=created["terminal"]["id"],
            secret=created["secret"],
            device_code=created["terminal"]["device_code"],
            asset_id=created["terminal"]["asset_id"],
        )

    async def portal_link(self, work_order_id: str, who: str = "dispatcher") -> dict[str, str]:
        """A portal link for the work order's customer: the headers its token goes in."""
        url = f"/api/v1/work-orders/{work_order_id}/portal-links"
        issued = (await self.call(who, "POST", url, json={}, expect=201)).json()
        return {"Authorization": f"Bearer {issued['token']}"}

    async def add_required_evidence(self, work_order_id: str, who: str = "eng_a") -> None:
        """Upload what the work order's type requires (photos, a signature) through the API
        and verify it, as the closure checkpoint wants before resolving."""
        url = f"/api/v1/work-orders/{work_order_id}"
        evidence = (await self.call(who, "GET", f"{url}/evidence", expect=200)).json()
        for requirement in evidence["requirements"]:
            if requirement["state"] == "verified":
                continue
            signature = requirement["kinds"][0] == "signature"
            data = sample_image("PNG" if signature else "JPEG")
            body = {
                "client_key": f"k-{uuid.uuid4().hex}",
                "kind": requirement["kinds"][0],
                "content_type": "image/png" if signature else "image/jpeg",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "requirement": requirement["code"],
            }
            session = (await self.call(who, "POST", f"{url}/uploads", json=body)).json()
            put = await self.send_to_link(session["upload"], data)
            assert put.status_code == 200, put.text
            await self.call(who, "POST", f"/api/v1/uploads/{session['id']}/complete", expect=200)
        services = self.client.app.state.services
        verifier = Verifier(db=services.db, store=services.media)
        while await verifier.run_once():
            pass


def sample_image(image_format: str) -> bytes:
    """A small real image (decodable, so verification passes it)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(out, image_format)
    return out.getvalue()


USERS = (
    ("admin", Role.ADMIN, None),
    ("dispatcher", Role.DISPATCHER, None),
    ("supervisor", Role.SUPERVISOR, None),
    ("eng_a", Role.ENGINEER, "team_a"),
    ("eng_a2", Role.ENGINEER, "team_a"),
    ("eng_b", Role.ENGINEER, "team_b"),
)


async def make_world(client: Client) -> World:
    app: Litestar = client.app
    db = app.state.services.db
    slug = f"t-{uuid.uuid4().hex[:12]}"
    tenant_id = await accounts.create_tenant(db=db, slug=slug, name=f"Tenant {slug}")
    teams = {
        name: (
            await accounts.create_team(
                db=db, tenant_id=tenant_id, data=auth_contract.TeamCreate(name=name)
            )
        ).id
        for name in ("team_a", "team_b")
    }
    users = {}
    for name, role, team in USERS:
        user = await accounts.create_user(
            db=db,
            tenant_id=tenant_id,
            data=auth_contract.UserCreate(
                username=name,
                display_name=name.replace("_", " ").title(),
                password=PASSWORD,
                role=role,
                phone="+86 138 0000 0000",
                team_ids=[teams[team]] if team else [],
            ),
        )
        users[name] = user.id
    admin = Actor(tenant_id=tenant_id, user_id=users["admin"], role=Role.ADMIN)
    customer = await directory.create_customer(
        db=db, actor=admin, data=dir_contract.CustomerCreate(name="Cold Chain Co")
    )
    site = await directory.create_site(
        db=db,
        actor=admin,
        data=dir_contract.SiteCreate(name="Cold store 1", customer_id=customer.id),
    )
    asset = await directory.create_asset(
        db=db,
        actor=admin,
        data=dir_contract.AssetCreate(site_id=site.id, device_code="CS-FR-0012"),
    )
    world = World(
        client=client,
        slug=slug,
        tenant_id=tenant_id,
        users=users,
        teams=teams,
        customer_id=customer.id,
        site_id=site.id,
        asset_id=asset.id,
    )
    for name, _, _ in USERS:
        tokens = await world.login(name)
        world.headers[name] = {"Authorization": f"Bearer {tokens['access_token']}"}
    return world
