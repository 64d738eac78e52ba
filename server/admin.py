"""Operator commands run on the server itself: tenants, users and the demo tenant.

The demo goes through the same services as the API, so it exercises the real rules.
"""

import argparse
import hmac
import os
import sys
from uuid import UUID, uuid4

import msgspec

from accounts import services as accounts
from device_registry import terminals
from device_registry.secrets import SecretBox
from directory import services as directory
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError
from knowledge import articles
from mobile_contract import auth as auth_contract
from mobile_contract import directory as dir_contract
from mobile_contract import iot
from mobile_contract import triage as triage_contract
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import (
    Channel,
    CustomerTier,
    Priority,
    Role,
    SiteKind,
    WorkOrderStatus,
)
from server import demo_knowledge
from server.settings import Settings
from triage import zones
from workorders import items, services, transitions

DEMO_TENANT = "demo"
DEMO_PASSWORD = "fieldops-demo"
DEMO_TERMINAL = "CS-FR-0012"  # the terminal `fieldops demo` prints
# Serial numbers the standard after-sales tree recognises (aftersales/standard.py): by its
# pattern (made March 2024) and by its range table (made June 2024).
DEMO_SERIALS = {"CS-FR-0012": "CS-2403-00017", "CS-FR-0013": "SN-A000500"}
DEMO_LOCALE = "zh-CN"  # on-call alerts in Chinese, as for the customers the demo stands for
DEMO_DESK = "Service Desk"  # owns what no responsibility zone claims
DEMO_USERS = (
    ("admin", "Admin Chen", Role.ADMIN, "+86 21 5555 0100", None),
    ("dispatch", "Zhang Wei (dispatcher)", Role.DISPATCHER, "+86 21 5555 0101", None),
    ("supervisor", "Liu Yang (supervisor)", Role.SUPERVISOR, "+86 21 5555 0102", None),
    ("eng.li", "Li Ming", Role.ENGINEER, "+86 138 0000 1001", "Refrigeration North"),
    ("eng.wang", "Wang Fang", Role.ENGINEER, "+86 138 0000 1002", "Plant Systems"),
)


async def create_tenant(*, db: Database, args: argparse.Namespace) -> None:
    try:
        tenant_id = await accounts.create_tenant(
            db=db, slug=args.slug, name=args.name, locale=args.locale
        )
    except DomainError as error:
        sys.exit(f"fieldops: {error.message}")
    print(f"tenant {args.slug} created: {tenant_id}")


async def create_user(*, db: Database, args: argparse.Namespace) -> None:
    password = args.password or os.environ.get("FIELDOPS_NEW_PASSWORD", "")
    try:
        tenant_id = await accounts.tenant_id_for(db=db, slug=args.tenant)
        data = auth_contract.UserCreate(
            username=args.username,
            display_name=args.display_name,
            password=password,
            role=Role(args.role),
            phone=args.phone,
        )
        # Validate like the API does (lengths, patterns).
        msgspec.convert(msgspec.to_builtins(data), auth_contract.UserCreate)
        user = await accounts.create_user(db=db, tenant_id=tenant_id, data=data)
    except (DomainError, msgspec.ValidationError) as error:
        sys.exit(f"fieldops: {getattr(error, 'message', error)}")
    print(f"user {user.username} ({user.role}) created: {user.id}")


def _actor(
    tenant_id: UUID, user_id: UUID, role: Role, teams: frozenset[UUID] = frozenset()
) -> Actor:
    return Actor(tenant_id=tenant_id, user_id=user_id, role=role, team_ids=teams)


async def demo(*, db: Database, settings: Settings) -> None:
    try:
        tenant = await accounts.tenant_id_for(db=db, slug=DEMO_TENANT)
    except DomainError:
        await _build_demo(db)
        tenant = await accounts.tenant_id_for(db=db, slug=DEMO_TENANT)
    terminal, secret = await _demo_terminals(db, tenant, settings.signing_key())
    print_demo_credentials()
    print(
        f"Demo IoT terminal {terminal.device_code} (README, 'IoT terminals'):\n"
        f"  TERMINAL_ID={terminal.id}\n  TERMINAL_SECRET={secret}\n"
    )


async def _demo_terminals(db: Database, tenant: UUID, server_key: str) -> tuple[iot.Terminal, str]:
    """A terminal on each demo asset (added to a demo made before terminals existed). Their
    secrets are derived from the server's key, so running the demo again prints the same
    one; a real terminal's secret is random and shown once."""
    operator = _actor(tenant, uuid4(), Role.ADMIN)
    box = SecretBox(server_key)
    existing = {
        t.device_code: t for t in (await terminals.list_terminals(db=db, actor=operator)).items
    }
    for asset in (await directory.list_assets(db=db, actor=operator)).items:
        if asset.device_code not in existing:
            created = await terminals.register(
                db=db,
                actor=operator,
                box=box,
                data=iot.TerminalRegistration(
                    asset_id=asset.id,
                    device_code=asset.device_code,
                    model="demo controller",
                    firmware="1.0.0",
                    thresholds={"over_temperature": -18.0}
                    if asset.device_code.startswith("CS-")
                    else {},
                ),
                secret=_demo_secret(server_key, asset.device_code),
            )
            existing[asset.device_code] = created.terminal
    shown = existing[DEMO_TERMINAL]
    return shown, _demo_secret(server_key, shown.device_code)


def _demo_secret(server_key: str, device_code: str) -> str:
    return hmac.new(
        server_key.encode(), b"demo terminal " + device_code.encode(), "sha256"
    ).hexdigest()


def print_demo_credentials() -> None:
    print("\nDemo tenant 'demo' — every user's password is", repr(DEMO_PASSWORD))
    for username, name, role, _, team in DEMO_USERS:
        print(f"  {username:<11} {role.value:<11} {name}" + (f"  [{team}]" if team else ""))
    print(
        "Log in: POST /api/v1/auth/login "
        f'{{"tenant": "demo", "username": "dispatch", "password": "{DEMO_PASSWORD}", '
        '"device_id": "web"}\n'
    )


async def _build_demo(db: Database) -> None:
    tenant = await accounts.create_tenant(
        db=db, slug=DEMO_TENANT, name="Demo Cold Chain Services", locale=DEMO_LOCALE
    )
    teams = {
        name: (
            await accounts.create_team(
                db=db, tenant_id=tenant, data=auth_contract.TeamCreate(name=name)
            )
        ).id
        for name in ("Refrigeration North", "Plant Systems", DEMO_DESK)
    }
    users: dict[str, UUID] = {}
    for username, name, role, phone, team in DEMO_USERS:
        user = await accounts.create_user(
            db=db,
            tenant_id=tenant,
            data=auth_contract.UserCreate(
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=role,
                phone=phone,
                team_ids=[teams[team]] if team else [],
            ),
        )
        users[username] = user.id
    admin = _actor(tenant, users["admin"], Role.ADMIN)
    dispatcher = _actor(tenant, users["dispatch"], Role.DISPATCHER)
    freshmart = await directory.create_customer(
        db=db,
        actor=admin,
        data=dir_contract.CustomerCreate(
            name="FreshMart Logistics",
            tier=CustomerTier.STRATEGIC,
            contacts=[
                dir_contract.Contact(name="Zhou Jie", phone="+86 21 6666 2000", role="DC manager")
            ],
        ),
    )
    dairy = await directory.create_customer(
        db=db,
        actor=admin,
        data=dir_contract.CustomerCreate(name="Sunrise Dairy", tier=CustomerTier.PREMIUM),
    )
    cold_store = await directory.create_site(
        db=db,
        actor=admin,
        data=dir_contract.SiteCreate(
            name="FreshMart Shanghai DC — cold store 3",
            kind=SiteKind.COLD_STORAGE,
            customer_id=freshmart.id,
            address="88 Lingang Ave, Pudong, Shanghai",
            latitude=30.8986,
            longitude=121.9063,
            timezone="Asia/Shanghai",
        ),
    )
    plant = await directory.create_site(
        db=db,
        actor=admin,
        data=dir_contract.SiteCreate(
            name="Sunrise Dairy plant 2",
            kind=SiteKind.PLANT,
            customer_id=dairy.id,
            address="12 Industrial Rd, Suzhou",
            timezone="Asia/Shanghai",
        ),
    )
    assets = {}
    for code, site, name, family, line, module in (
        (
            "CS-FR-0012",
            cold_store.id,
            "Freezer room 12 compressor",
            "compressor",
            "",
            "refrigeration",
        ),
        (
            "CS-FR-0013",
            cold_store.id,
            "Freezer room 13 evaporator",
            "evaporator",
            "",
            "refrigeration",
        ),
        ("PL-PK-0101", plant.id, "Packaging line PLC", "plc", "packaging line 1", "controls"),
    ):
        asset = await directory.create_asset(
            db=db,
            actor=admin,
            data=dir_contract.AssetCreate(
                site_id=site,
                device_code=code,
                name=name,
                family=family,
                model="demo model",
                serial_number=DEMO_SERIALS.get(code, ""),
                production_line=line,
                system_module=module,
            ),
        )
        assets[code] = asset
    await _demo_zones(db, admin, teams, cold_store.id, plant.id)
    for article in demo_knowledge.ARTICLES:  # published: search and suggestions find them
        await articles.create(db=db, actor=admin, data=article)
    over_temp = await services.create(
        db=db,
        actor=dispatcher,
        data=wo_contract.WorkOrderCreate(
            title="冷库温度超标: freezer room 12 at -12°C (setpoint -18°C)",
            description="Customer reports the freezer room warming since 02:00; goods at risk.",
            channel=Channel.PHONE,
            site_id=cold_store.id,
            asset_id=assets["CS-FR-0012"].id,
            customer_id=freshmart.id,
            tags=["temperature"],
        ),
    )
    await items.add_checklist_item(
        db=db,
        actor=dispatcher,
        work_order_id=over_temp.work_order.id,
        data=wo_contract.ChecklistItemCreate(label="Record room temperature", required=True),
    )
    short_cycle = await services.create(
        db=db,
        actor=dispatcher,
        data=wo_contract.WorkOrderCreate(
            title="Evaporator fan noisy, compressor short-cycling",
            priority=Priority.P1,
            channel=Channel.EMAIL,
            site_id=cold_store.id,
            asset_id=assets["CS-FR-0013"].id,
            customer_id=freshmart.id,
            team_id=teams["Refrigeration North"],
        ),
    )
    await transitions.transition(
        db=db,
        actor=dispatcher,
        work_order_id=short_cycle.work_order.id,
        request=wo_contract.TransitionRequest(
            target=WorkOrderStatus.ASSIGNED, assignee_id=users["eng.li"]
        ),
    )
    plc = await services.create(
        db=db,
        actor=dispatcher,
        data=wo_contract.WorkOrderCreate(
            title="Packaging line PLC fault E-204",
            channel=Channel.MINI_PROGRAM,
            site_id=plant.id,
            asset_id=assets["PL-PK-0101"].id,
            customer_id=dairy.id,
        ),
    )
    wang = _actor(tenant, users["eng.wang"], Role.ENGINEER, frozenset({teams["Plant Systems"]}))
    await transitions.transition(
        db=db,
        actor=dispatcher,
        work_order_id=plc.work_order.id,
        request=wo_contract.TransitionRequest(
            target=WorkOrderStatus.ASSIGNED, assignee_id=users["eng.wang"]
        ),
    )
    for target in (WorkOrderStatus.ACCEPTED, WorkOrderStatus.ON_SITE, WorkOrderStatus.IN_PROGRESS):
        await transitions.transition(
            db=db,
            actor=wang,
            work_order_id=plc.work_order.id,
            request=wo_contract.TransitionRequest(target=target),
        )


async def _demo_zones(
    db: Database, admin: Actor, teams: dict[str, UUID], cold_store: UUID, plant: UUID
) -> None:
    """Responsibility zones: each site's team, the plant's packaging line, the systems by
    module, the desk for the rest.
    The priority rules are the standard ones (version 0)."""
    refrigeration, plant_systems = teams["Refrigeration North"], teams["Plant Systems"]
    for name, team, keys in (
        ("FreshMart cold store 3 / 冷库3号", refrigeration, {"site_id": cold_store}),
        ("Sunrise Dairy plant 2 / 乳品二厂", plant_systems, {"site_id": plant}),
        (
            "Plant 2 packaging line 1 / 包装1线",
            plant_systems,
            {"site_id": plant, "production_line": "packaging line 1"},
        ),
        ("Controls anywhere / 控制系统", plant_systems, {"system_module": "controls"}),
        ("Refrigeration anywhere / 制冷系统", refrigeration, {"system_module": "refrigeration"}),
        ("Service desk / 服务台", teams[DEMO_DESK], {}),
    ):
        await zones.create_zone(
            db=db, actor=admin, data=triage_contract.ZoneIn(name=name, team_id=team, **keys)
        )
