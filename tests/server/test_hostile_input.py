"""Hostile input on every JSON route of the schema: never a 5xx.

For every operation of the served OpenAPI schema that takes a JSON body, as a caller who gets
past authentication and role checks, with a body that is otherwise valid: JSON nested 1,000
deep, control characters (U+0000 first: PostgreSQL cannot store it) in every string property
the schema lists, strings beyond ``maxLength``, invalid UTF-8, and a string where an object is
expected; and U+0000 in every string query parameter. Every answer must be a 4xx with a stable
error code and the error envelope, the refused field named, and nothing logged at ERROR. The
IoT terminal routes are signed over the very bytes sent, so the hostile body gets past the
signature to the body's validation.

The walk is generic over the schema: a route with a JSON body that the table below does not
know fails the walk, so every new route must be added here.
"""

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from mobile_contract import iot
from mobile_contract import messaging as messaging_contract
from mobile_contract import sync as sync_contract
from mobile_contract import work_orders as wo_contract
from mobile_contract.errors import ErrorCode
from tests.factories import PASSWORD, Terminal, World, alarm

CODES = {code.value for code in ErrorCode}
DEPTH = 1_000
SENTINEL = "@@hostile@@"
CONTROL = ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f")
#: Single-line text (names, titles, ids) refuses these too; long text keeps them.
LINE_BREAKS = ("\t", "\n", "\r")
#: String properties that are not text the server stores, so the text rule does not apply
#: (they only must never answer 5xx): compared with a hash, never stored as sent. Both are in
#: ``mobile_contract/auth.py`` (``Password``, ``RefreshRequest.refresh_token``).
NOT_STORED = {"password", "refresh_token"}

Key = tuple[str, str]
Fill = Callable[["Scene"], Any]


@dataclass
class Scene:
    """A tenant with a work order assigned to eng_a (a checklist item, verified evidence, a
    portal link) and two IoT terminals (one signs, one the admins' routes change), so every
    route's valid body gets as far as the database."""

    world: World
    work_order_id: str
    item_id: str
    evidence_id: str
    portal: dict[str, str]
    terminal: Terminal
    spare_terminal_id: str
    rule_id: str = ""
    zone_id: str = ""
    calendar_id: str = ""
    policy_id: str = ""
    article_id: str = ""
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """Who calls the route (None: no token; "portal": the portal link; "terminal": signed by
    the scene's terminal), its path values and a valid body."""

    who: str | None
    body: Fill
    path: dict[str, Fill] = field(default_factory=dict)


def _rule() -> dict[str, Any]:
    return {
        "name": "Shutdown / 停机",
        "conditions": [
            {"kind": "keywords", "any_of": ["停机", "shutdown"], "fields": ["title"]},
            {"kind": "device_code_prefix", "prefixes": ["CS-FR-"]},
        ],
        "actions": [
            {"kind": "set_priority", "priority": "P0"},
            {"kind": "add_tags", "tags": ["x"]},
        ],
    }


def _zone(scene: Scene) -> dict[str, Any]:
    return {
        "name": "Line 3 / 3号线",
        "team_id": str(scene.world.teams["team_a"]),
        "production_line": f"line {uuid.uuid4().hex[:8]}",
        "customer_tier": "strategic",
    }


def _calendar() -> dict[str, Any]:
    """Every weekday's hours, a holiday and a worked Sunday: every field holds a value."""
    day = [{"start": 540, "end": 720}, {"start": 780, "end": 1080}]
    return {
        "name": "Office / 办公时间",
        "timezone": "Asia/Shanghai",
        "week": [day] * 5 + [[], []],
        "holidays": ["2026-10-01"],
        "working_days": ["2026-09-27"],
        "makeup_weekday": 0,
    }


def _policy(scene: Scene) -> dict[str, Any]:
    """A policy for one tier with a calendar and a stage paging a user: every string set."""
    return {
        "name": "P1 gold / 金牌",
        "priority": "P1",
        "customer_tier": "premium",
        "calendar_id": scene.calendar_id,
        "response_seconds": 1800,
        "arrival_seconds": 7200,
        "resolution_seconds": 86400,
        "warn_at_percent": [50, 80],
        "escalation": [
            {
                "after_seconds": 1800,
                "clock": "response",
                "recipients": [{"kind": "users", "user_ids": [str(scene.world.users["admin"])]}],
                "strong": True,
            }
        ],
        "description": "Gold customers",
    }


def _shift(user_id: str) -> dict[str, Any]:
    """Eight hours on a day of its own (an engineer's shifts may not overlap)."""
    start = datetime(2030, 1, 1, 8, tzinfo=UTC) + timedelta(days=uuid.uuid4().int % 5000)
    return {
        "user_id": user_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
    }


def _upload(scene: Scene) -> dict[str, Any]:
    return {
        "client_key": f"key-{uuid.uuid4().hex}",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": 1000,
        "sha256": "0" * 64,
    }


def _wo(scene: Scene) -> str:
    return scene.work_order_id


def _article(**fields: Any) -> dict[str, Any]:
    """A fault-code table with every string of an article's content set."""
    return {
        "kind": "fault_codes",
        "language": "zh-CN",
        "title": "压缩机故障代码 / Compressor codes",
        "body": "检查压缩机。\nCheck the compressor.",
        "brand": "Frost",
        "model_family": "CS-9",
        "fault_codes": [
            {"code": "E1", "meaning": "Overload", "likely_cause": "Fan", "fix": "Reset"}
        ],
        "tags": ["compressor"],
        "asset_families": ["Cold room"],
        "device_code_prefixes": ["CS-FR-"],
        "alarm_types": ["over_temperature"],
        **fields,
    }


def _tree() -> dict[str, Any]:
    """A tree with a node of every kind, a serial range and a pattern: every string set."""
    leaf = {"kind": "leaf", "advice": "repair", "clause": "§3 维修", "clause_id": "§3"}
    return {
        "root": "fault",
        "nodes": {
            "fault": {
                "kind": "fault_category",
                "branches": [{"categories": ["performance"], "next": "age"}],
                "otherwise": "repair",
                "label": "Fault",
            },
            "age": {
                "kind": "purchase_age_days",
                "branches": [
                    {"min": 0, "below": 8, "next": "hours"},
                    {"min": 8, "next": "warranty"},
                ],
                "label": "Age",
            },
            "hours": {
                "kind": "usage_hours",
                "branches": [{"min": 0, "next": "repairs"}],
                "label": "Hours",
            },
            "repairs": {
                "kind": "previous_repairs",
                "branches": [{"min": 0, "next": "repair"}],
                "label": "Repairs",
            },
            "warranty": {
                "kind": "warranty",
                "in_warranty": "repair",
                "out_of_warranty": "repair",
                "unknown": "repair",
                "label": "Warranty",
            },
            "repair": leaf,
        },
        "warranty_months": 12,
        "shelf_days": 90,
        "serial_ranges": [
            {
                "from_serial": "SN24A000001",
                "to_serial": "SN24A000999",
                "production_date": "2024-01-31",
            }
        ],
        "serial_pattern": "^CS-(?P<year>\\d{2})(?P<month>\\d{2})-\\d+$",
        "timezone": "Asia/Shanghai",
        "description": "Standard / 标准",
    }


def _case(scene: Scene) -> dict[str, Any]:
    return {
        "fault_category": "performance",
        "purchase_age_days": 100,
        "serial_number": "A5",
        "usage_hours": 3.5,
        "previous_repairs": 1,
        "at": "2026-03-10T04:00:00Z",
        "asset_id": str(scene.world.asset_id),
    }


ROUTES: dict[Key, Route] = {
    ("POST", "/api/v1/auth/login"): Route(
        None,
        lambda s: {
            "tenant": s.world.slug,
            "username": "admin",
            "password": PASSWORD,
            "device_id": "hostile-phone",
        },
    ),
    ("POST", "/api/v1/auth/refresh"): Route(
        None, lambda s: {"refresh_token": "not-a-token", "device_id": "hostile-phone"}
    ),
    ("POST", "/api/v1/auth/logout"): Route("eng_b", lambda s: {"all_devices": False}),
    ("POST", "/api/v1/users"): Route(
        "admin",
        lambda s: {
            "username": f"u{uuid.uuid4().hex[:10]}",
            "display_name": "New Person",
            "password": "long-enough-password",
            "role": "engineer",
            "phone": "+86 138 0000 0001",
        },
    ),
    ("PATCH", "/api/v1/users/{user_id}"): Route(
        "admin",
        lambda s: {"display_name": "Renamed", "phone": "+86 1"},
        {"user_id": lambda s: str(s.world.users["eng_a2"])},
    ),
    ("POST", "/api/v1/teams"): Route("admin", lambda s: {"name": f"team {uuid.uuid4().hex}"}),
    ("PATCH", "/api/v1/teams/{team_id}"): Route(
        "admin",
        lambda s: {"name": "Renamed team"},
        {"team_id": lambda s: str(s.world.teams["team_b"])},
    ),
    ("POST", "/api/v1/customers"): Route(
        "admin",
        lambda s: {"name": "Customer", "contacts": [{"name": "Mr. Wu", "email": "wu@example.com"}]},
    ),
    ("PATCH", "/api/v1/customers/{customer_id}"): Route(
        "admin",
        lambda s: {"name": "Customer", "contacts": [{"name": "Mr. Wu", "role": "manager"}]},
        {"customer_id": lambda s: str(s.world.customer_id)},
    ),
    ("POST", "/api/v1/sites"): Route(
        "admin", lambda s: {"name": "Site", "address": "1 Cold Road", "timezone": "Asia/Shanghai"}
    ),
    ("PATCH", "/api/v1/sites/{site_id}"): Route(
        "admin",
        lambda s: {"name": "Site", "address": "2 Cold Road"},
        {"site_id": lambda s: str(s.world.site_id)},
    ),
    ("POST", "/api/v1/assets"): Route(
        "admin",
        lambda s: {"site_id": str(s.world.site_id), "device_code": f"CS-{uuid.uuid4().hex[:8]}"},
    ),
    ("PATCH", "/api/v1/assets/{asset_id}"): Route(
        "admin", lambda s: {"name": "Compressor"}, {"asset_id": lambda s: str(s.world.asset_id)}
    ),
    ("POST", "/api/v1/work-orders"): Route(
        "dispatcher", lambda s: {"title": "Freezer too warm", "description": "It is -12 °C"}
    ),
    ("PATCH", "/api/v1/work-orders/{work_order_id}"): Route(
        "dispatcher", lambda s: {"title": "Freezer too warm"}, {"work_order_id": _wo}
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/transitions"): Route(
        "eng_a",
        lambda s: {"target": "on_hold", "hold_reason": "parts", "reason": "waiting"},
        {"work_order_id": _wo},
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/notes"): Route(
        "eng_a", lambda s: {"body": "Checked the fan"}, {"work_order_id": _wo}
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/checklist"): Route(
        "eng_a", lambda s: {"label": "Check seals", "value": "ok"}, {"work_order_id": _wo}
    ),
    ("PATCH", "/api/v1/work-orders/{work_order_id}/checklist/{item_id}"): Route(
        "eng_a",
        lambda s: {"label": "Check seals", "value": "ok"},
        {"work_order_id": _wo, "item_id": lambda s: s.item_id},
    ),
    ("POST", "/api/v1/devices"): Route(
        "eng_a",
        lambda s: {
            "id": str(uuid.uuid4()),
            "platform": "ios",
            "push_token": uuid.uuid4().hex * 2,
            "app_bundle_id": "com.example.fieldops",
            "app_version": "9.9",
            "time_zone": "Asia/Shanghai",
        },
    ),
    ("POST", "/api/v1/push/deliveries/{delivery_id}/ack"): Route(
        "eng_a", lambda s: {"event": "received"}, {"delivery_id": lambda s: str(uuid.uuid4())}
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/uploads"): Route(
        "eng_a", _upload, {"work_order_id": _wo}
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/readings"): Route(
        "eng_a",
        lambda s: {"requirement": "temperature_reading", "value": "-18.5", "unit": "C"},
        {"work_order_id": _wo},
    ),
    ("PUT", "/api/v1/work-orders/{work_order_id}/report"): Route(
        "dispatcher",
        lambda s: {
            "root_cause": "启动电容老化 / the start capacitor aged",
            "prevention": "Check it every quarter",
            "parts_used": [{"name": "Capacitor 35µF", "quantity": 1.5, "note": "P/N C-35"}],
        },
        {"work_order_id": _wo},
    ),
    ("POST", "/api/v1/evidence/{evidence_id}/remove"): Route(
        "dispatcher",
        lambda s: {"reason": "a duplicate photo"},
        {"evidence_id": lambda s: s.evidence_id},
    ),
    ("PUT", "/api/v1/evidence-rules/{work_order_type}"): Route(
        "admin",
        lambda s: {"requirements": [{"code": "photo_x", "label": "A photo", "kinds": ["photo"]}]},
        {"work_order_type": lambda s: "cold_storage_repair"},
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/portal-links"): Route(
        "dispatcher",
        lambda s: {"contact_name": "Mr. Wu", "contact_phone": "+86 1"},
        {"work_order_id": _wo},
    ),
    ("POST", "/api/v1/portal/uploads"): Route("portal", _upload),
    ("PUT", "/api/v1/notify/channels/{kind}"): Route(
        "admin",
        lambda s: {"endpoint": "https://sms.example.com/send", "secret": "s3", "sign_name": "冷链"},
        {"kind": lambda s: "sms"},
    ),
    ("PUT", "/api/v1/notify/customers/{customer_id}/robots/{robot_kind}"): Route(
        "admin",
        lambda s: {
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
            "secret": "SEC0123",
        },
        {"customer_id": lambda s: str(s.world.customer_id), "robot_kind": lambda s: "dingtalk"},
    ),
    ("PUT", "/api/v1/notify/templates/{milestone}/{locale}"): Route(
        "admin",
        lambda s: {"text": "{company}: {number} {portal_link}"},
        {"milestone": lambda s: "created", "locale": lambda s: "en"},
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/messages"): Route(
        "eng_a",
        lambda s: {"body": "On my way / 马上到", "occurred_at": "2026-12-06T08:00:00Z"},
        {"work_order_id": _wo},
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/messages/read"): Route(
        "eng_a", lambda s: {"up_to": str(uuid.uuid4())}, {"work_order_id": _wo}
    ),
    ("POST", "/api/v1/portal/messages"): Route("portal", lambda s: {"body": "Is anyone coming?"}),
    ("POST", "/api/v1/portal/messages/read"): Route(
        "portal", lambda s: {"up_to": str(uuid.uuid4())}
    ),
    ("POST", "/api/v1/chat/channels"): Route(
        "admin", lambda s: {"name": "WeChat 公众号", "style": "wechat"}
    ),
    # Walked per writable collection below (the documents' own schemas).
    ("POST", "/api/v1/sync/{collection}/push"): Route(
        "eng_a", lambda s: [], {"collection": lambda s: "work_orders"}
    ),
    ("POST", "/api/v1/iot/terminals"): Route(
        "admin",
        lambda s: {
            "asset_id": str(s.world.asset_id),
            "device_code": f"T-{uuid.uuid4().hex[:10]}",
            "model": "CS-9",
            "firmware": "1.0.0",
            "thresholds": {"over_temperature": -18.0},
        },
    ),
    ("PATCH", "/api/v1/iot/terminals/{terminal_id}"): Route(
        "admin",
        lambda s: {"model": "CS-9", "firmware": "1.0.1", "thresholds": {"door_open": 120.0}},
        {"terminal_id": lambda s: s.spare_terminal_id},
    ),
    ("POST", "/api/v1/iot/terminals/{terminal_id}/rotate"): Route(
        "admin", lambda s: {"grace_seconds": 60}, {"terminal_id": lambda s: s.spare_terminal_id}
    ),
    ("POST", "/api/v1/iot/heartbeat"): Route(
        "terminal", lambda s: {"firmware": "1.0.0", "uptime_seconds": 5, "signal_dbm": -70}
    ),
    # Its alarms' own schema is walked below (the schema's rows are open objects).
    ("POST", "/api/v1/iot/sync/alarms/push"): Route("terminal", lambda s: []),
    ("POST", "/api/v1/priority-rules"): Route("admin", lambda s: _rule()),
    ("PUT", "/api/v1/priority-rules"): Route(
        "admin", lambda s: {"rules": [{**_rule(), "id": s.rule_id}], "default_priority": "P2"}
    ),
    ("PUT", "/api/v1/priority-rules/{rule_id}"): Route(
        "admin", lambda s: _rule(), {"rule_id": lambda s: s.rule_id}
    ),
    ("POST", "/api/v1/priority-rules/validate"): Route("admin", lambda s: _rule()),
    ("POST", "/api/v1/priority-rules/dry-run"): Route(
        "dispatcher",
        lambda s: {
            "work_order": {"title": "3号线停机 PLC 断网", "asset_id": str(s.world.asset_id)},
            "rules": {"rules": [{**_rule(), "id": str(uuid.uuid4())}]},
        },
    ),
    ("POST", "/api/v1/zones"): Route("admin", lambda s: _zone(s)),
    ("POST", "/api/v1/shifts"): Route(
        "dispatcher",
        lambda s: _shift(str(s.world.users["eng_a"])),
    ),
    ("PUT", "/api/v1/teams/{team_id}/auto-assignment"): Route(
        "admin",
        lambda s: {"enabled": True, "use_skills": True},
        {"team_id": lambda s: str(s.world.teams["team_a"])},
    ),
    ("PUT", "/api/v1/engineers/{user_id}/skills"): Route(
        "dispatcher",
        lambda s: {"skills": ["compressor", "压缩机"]},
        {"user_id": lambda s: str(s.world.users["eng_a"])},
    ),
    ("PUT", "/api/v1/zones/{zone_id}"): Route(
        "admin", lambda s: _zone(s), {"zone_id": lambda s: s.zone_id}
    ),
    ("POST", "/api/v1/sla/calendars"): Route("admin", lambda s: _calendar()),
    ("PUT", "/api/v1/sla/calendars/{calendar_id}"): Route(
        "admin", lambda s: _calendar(), {"calendar_id": lambda s: s.calendar_id}
    ),
    ("POST", "/api/v1/sla/policies"): Route("admin", lambda s: _policy(s)),
    ("PUT", "/api/v1/sla/policies/{policy_id}"): Route(
        "admin", lambda s: _policy(s), {"policy_id": lambda s: s.policy_id}
    ),
    ("POST", "/api/v1/kb/articles"): Route("supervisor", lambda s: _article(publish=True)),
    ("PUT", "/api/v1/kb/articles/{article_id}"): Route(
        "admin",
        lambda s: _article(expected_version=1, publish=True),
        {"article_id": lambda s: s.article_id},
    ),
    ("POST", "/api/v1/kb/articles/{article_id}/publish"): Route(
        "supervisor", lambda s: {"version": 1}, {"article_id": lambda s: s.article_id}
    ),
    ("PUT", "/api/v1/after-sales/tree"): Route(
        "admin", lambda s: {**_tree(), "expected_version": 0}
    ),
    ("POST", "/api/v1/after-sales/tree/validate"): Route("supervisor", lambda s: _tree()),
    ("POST", "/api/v1/after-sales/evaluate"): Route("eng_a", _case),
}

SYNC_PUSH: Key = ("POST", "/api/v1/sync/{collection}/push")
#: Each writable collection: its document Struct and the REST Struct whose limits a push obeys.
SYNC_DOCUMENTS: dict[str, tuple[type[msgspec.Struct], type[msgspec.Struct]]] = {
    "work_orders": (sync_contract.WorkOrderDocument, wo_contract.WorkOrderUpdate),
    "work_order_notes": (sync_contract.NoteDocument, wo_contract.NoteCreate),
    "checklist_items": (sync_contract.ChecklistItemDocument, wo_contract.ChecklistItemUpdate),
    "messages": (messaging_contract.MessageDocument, messaging_contract.MessageCreate),
}
#: A terminal's alarms: a batch (read from the raw body: its schema is declared for the docs)
#: and RxDB push rows of alarms, walked by their own test: a refused alarm refuses the batch
#: as ``alarms_invalid``, naming it.
ALARM_BATCH: Key = ("POST", "/api/v1/iot/alarms")
ALARM_PUSH: Key = ("POST", "/api/v1/iot/sync/alarms/push")
#: A body that is nothing but nesting: refused as malformed (400), except where a typed decode
#: refuses the array at its first byte ("Expected `object`"), never reaching the depth.
NESTED_BODY: dict[Key, tuple[int, str]] = {ALARM_BATCH: (422, "validation_failed")}


# The schema -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    body_schema: dict[str, Any] | None
    string_queries: tuple[str, ...]
    signed: bool = False  # a terminal route: signed, no token

    @property
    def key(self) -> Key:
        return (self.method, self.template)


class Schemas:
    """Resolves ``$ref`` against the components of one schema document."""

    def __init__(self, components: dict[str, Any], prefix: str) -> None:
        self.components, self.prefix = components, prefix

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].removeprefix(self.prefix)]
        return schema

    def options(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives of a union (``anyOf``/``oneOf``), each resolved, nulls left out."""
        schema = self.resolve(schema)
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if not alternatives:
            return [schema]
        found = [self.resolve(s) for s in alternatives]
        return [s for s in found if s.get("type") != "null"]


def _is_string(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string"


@dataclass(frozen=True)
class Tag:
    """A step of a path into one alternative of a tagged union (``{"kind": "pattern", …}``):
    the object there becomes that alternative, holding only its tag, before the step after
    it is set (the sample's own alternative may be another, with fields this one refuses)."""

    name: str
    value: str


@dataclass(frozen=True)
class Entry:
    """A step to a value of a map (``{"nodes": {"<id>": {…}}}``): the sample's first entry
    (a made-up key when it has none). Errors name it ``[...]``, as msgspec does."""


def _entries(option: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of a map's values, if the object is a map."""
    values = option.get("additionalProperties")
    return values if isinstance(values, dict) and values else None


def _tagged(option: dict[str, Any]) -> tuple[Tag, ...]:
    """The tag step of an object alternative whose property is a one-value tag, if any."""
    required = option.get("required", [])
    for name, sub in option.get("properties", {}).items():
        values = sub.get("enum")
        # msgspec's tag field: a required, untyped enum of one value.
        if name in required and "type" not in sub and isinstance(values, list) and len(values) == 1:
            return (Tag(name, values[0]),)
    return ()


def text_paths(schemas: Schemas, schema: dict[str, Any], path: str = "") -> Iterator[Any]:
    """(path, string schema) of every string the body may carry: properties, list items,
    map values and properties of nested objects (one list element or map value deep). Paths
    are tuples of keys/indexes."""
    for option in schemas.options(schema):
        if _is_string(option):
            yield (), option
        elif option.get("type") == "object":
            tag = _tagged(option)
            for name, sub in option.get("properties", {}).items():
                for rest, leaf in text_paths(schemas, sub):
                    yield (*tag, name, *rest), leaf
            if (values := _entries(option)) is not None:
                for rest, leaf in text_paths(schemas, values):
                    yield (*tag, Entry(), *rest), leaf
        elif option.get("type") == "array" and isinstance(option.get("items"), dict):
            for rest, leaf in text_paths(schemas, option["items"]):
                yield (0, *rest), leaf


def object_paths(schemas: Schemas, schema: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Paths to every place an object is expected (the body itself included)."""
    options = schemas.options(schema)
    if any(o.get("type") == "object" for o in options):
        yield ()
    for option in options:
        if option.get("type") == "object":
            tag = _tagged(option)
            for name, sub in option.get("properties", {}).items():
                for rest in object_paths(schemas, sub):
                    yield (*tag, name, *rest)
            if (values := _entries(option)) is not None:
                for rest in object_paths(schemas, values):
                    yield (*tag, Entry(), *rest)
        elif option.get("type") == "array" and isinstance(option.get("items"), dict):
            for rest in object_paths(schemas, option["items"]):
                yield (0, *rest)


async def load_operations(world: World) -> tuple[list[Operation], Schemas]:
    response = await world.client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    schema = response.json()
    schemas = Schemas(schema["components"]["schemas"], "#/components/schemas/")
    operations = []
    for template, item in schema["paths"].items():
        for method, spec in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = spec.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            strings = tuple(
                p["name"]
                for p in [*item.get("parameters", []), *spec.get("parameters", [])]
                if p["in"] == "query"
                and any(
                    _is_string(o) and "format" not in o and "enum" not in o
                    for o in schemas.options(p["schema"])
                )
            )
            signed = spec.get("security") == [{"TerminalSignature": []}]
            operations.append(Operation(method.upper(), template, body, strings, signed))
    return operations, schemas


# Requests and checks ------------------------------------------------------------------------------


def with_value(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``body`` with ``value`` at ``path`` (missing objects and list items made)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, Tag):
        same = isinstance(body, dict) and body.get(head.name) == head.value
        return with_value(body if same else {head.name: head.value}, rest, value)
    if isinstance(head, Entry):
        entries = dict(body) if isinstance(body, dict) else {}
        key = next(iter(entries), "entry")
        entries[key] = with_value(entries.get(key, {}), rest, value)
        return entries
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{}]
        items[0] = with_value(items[0], rest, value)
        return items
    copy = dict(body) if isinstance(body, dict) else {}
    copy[head] = with_value(copy.get(head, {}), rest, value)
    return copy


def dotted(path: tuple[Any, ...]) -> str:
    """``("contacts", 0, "name")`` -> ``contacts[0].name``, as errors name fields."""
    out = ""
    for part in path:
        if isinstance(part, Tag):
            continue
        if isinstance(part, Entry):
            out += "[...]"
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


class Walker:
    """Sends each hostile request and collects every problem, so one run shows them all."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.problems: list[str] = []
        self.sent = 0

    def headers(self, who: str | None) -> dict[str, str]:
        if who is None or who == "terminal":  # a terminal signs each request instead
            return {}
        if who == "portal":
            return dict(self.scene.portal)
        return dict(self.scene.world.headers[who])

    async def send(
        self, method: str, url: str, who: str | None, content: bytes, params: Any = None
    ) -> Any:
        self.sent += 1
        headers = {**self.headers(who), "Content-Type": "application/json"}
        client = self.scene.world.client
        request = client.build_request(method, url, content=content, headers=headers, params=params)
        if who == "terminal":  # signed over the exact path, query and (hostile) body sent
            path = request.url.raw_path.decode()
            request.headers.update(self.scene.terminal.headers(method, path, content))
        return await client.send(request)

    def check(
        self,
        shown: str,
        response: Any,
        status: int | None = None,
        code: str | None = None,
        field_name: str | None = None,
    ) -> None:
        """A 4xx with the envelope and a stable code; the status, code and field if given."""
        problem = _envelope_problem(response)
        if problem is None and status is not None and response.status_code != status:
            problem = f"expected {status}"
        if problem is None and code is not None and response.json()["error"]["code"] != code:
            problem = f"expected {code}"
        if problem is None and field_name is not None:
            named = _named_fields(response.json()["error"]["details"])
            if field_name not in named:
                problem = f"the error does not name {field_name!r} (names {sorted(named)})"
        if problem:
            self.problems.append(
                f"{shown}: {problem}: {response.status_code} {response.text[:300]}"
            )


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"logged at {r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR
    ]


def _envelope_problem(response: Any) -> str | None:
    if not 400 <= response.status_code < 500:
        return "not a 4xx"
    try:
        body = response.json()
    except ValueError:
        return "not JSON"
    if not (isinstance(body, dict) and set(body) == {"error"}):
        return "not the envelope"
    error = body["error"]
    if not (isinstance(error, dict) and set(error) == {"code", "message", "details"}):
        return "not the envelope"
    if error["code"] not in CODES:
        return "an unknown error code"
    if not (isinstance(error["message"], str) and error["message"]):
        return "no message"
    return None


def _named_fields(details: dict[str, Any]) -> set[str]:
    named = {str(item.get("field")) for item in details.get("errors", [])}
    if "field" in details:
        named.add(str(details["field"]))
    for refused in details.get("alarms", []):  # each refused alarm: its index and its field
        where = f"alarms[{refused['index']}]"
        named |= {refused["field"], f"{where}.{refused['field']}" if refused["field"] else where}
    return named


def url_of(scene: Scene, template: str, route: Route) -> str:
    url = template
    for name, fill in route.path.items():
        url = url.replace("{" + name + "}", fill(scene))
    return url


def encoded(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def _validation_failed(path: tuple[Any, ...]) -> str:
    return "validation_failed"


async def walk_body(
    walker: Walker,
    op: Operation,
    route: Route,
    url: str,
    schemas: Schemas,
    schema: Any,
    refused: Callable[[tuple[Any, ...]], str] = _validation_failed,
) -> None:
    """(a) to (e) on one route with a JSON body (``schema`` is the body's); ``refused``: the
    code a bad value at a path gets."""
    scene, shown = walker.scene, f"{op.method} {url}"
    base = route.body(scene)
    # (a) Nesting 1,000 deep: as the whole body and as a value inside a valid one.
    response = await walker.send(op.method, url, route.who, deep(DEPTH).encode())
    status, code = NESTED_BODY.get(op.key, (400, "malformed_json"))
    walker.check(f"{shown} [nested {DEPTH} deep]", response, status, code)
    holder = encoded(
        with_value(base, ("hostile",), SENTINEL) if isinstance(base, dict) else [SENTINEL]
    )
    nested = holder.replace(f'"{SENTINEL}"'.encode(), deep(DEPTH).encode())
    response = await walker.send(op.method, url, route.who, nested)
    walker.check(f"{shown} [a value nested {DEPTH} deep]", response, 400, "malformed_json")
    # (d) Invalid UTF-8 inside a string.
    bad = holder.replace(f'"{SENTINEL}"'.encode(), b'"\xff\xfe"')
    response = await walker.send(op.method, url, route.who, bad)
    walker.check(f"{shown} [invalid UTF-8]", response, 400, "malformed_json")
    # (e) A string where an object is expected.
    for path in object_paths(schemas, schema):
        body = with_value(base, path, "not an object")
        response = await walker.send(op.method, url, route.who, encoded(body))
        # Litestar names the whole body ("data") for an item of a list body.
        where = _field_of(path) if path and not isinstance(path[0], int) else None
        walker.check(
            f"{shown} [a string at {dotted(path) or 'the body'}]",
            response,
            422,
            refused(path),
            where,
        )
    # (b) Control characters and (c) over-long strings in every string property.
    for path, leaf in text_paths(schemas, schema):
        if len(path) < 2 and (not path or isinstance(path[0], int)):
            continue
        name = dotted(path)
        stored = not ({str(p) for p in path} & NOT_STORED) and "format" not in leaf
        for char in CONTROL:
            body = with_value(base, path, f"ok{char}ok")
            response = await walker.send(op.method, url, route.who, encoded(body))
            label = f"{shown} [U+{ord(char):04X} in {name}]"
            if stored:
                walker.check(label, response, 422, refused(path), _field_of(path))
            else:
                walker.check(label, response)
        if "maxLength" in leaf:
            body = with_value(base, path, "x" * (leaf["maxLength"] + 1))
            response = await walker.send(op.method, url, route.who, encoded(body))
            walker.check(
                f"{shown} [{name} over maxLength]",
                response,
                422,
                refused(path),
                _field_of(path),
            )


def _field_of(path: tuple[Any, ...]) -> str:
    """How the error names the field: REST errors by its path in the body
    (``contacts[0].name``); a sync push by the document's field, beside the row's index."""
    if len(path) > 2 and path[:2] == (0, "newDocumentState"):
        return str(path[2])
    return dotted(path)


@pytest.fixture
async def scene(world: World) -> Scene:
    wo = await world.create_work_order()
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    for target in ("accepted", "en_route", "on_site", "in_progress"):
        await world.transition("eng_a", wo["id"], target)
    item = await world.call(
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{wo['id']}/checklist",
        json={"label": "Seals"},
        expect=201,
    )
    await world.add_required_evidence(wo["id"])
    evidence = await world.call(
        "eng_a", "GET", f"/api/v1/work-orders/{wo['id']}/evidence", expect=200
    )
    portal = await world.portal_link(wo["id"])
    scene = Scene(
        world=world,
        work_order_id=wo["id"],
        item_id=item.json()["id"],
        evidence_id=evidence.json()["entries"][0]["id"],
        portal=portal,
        terminal=await world.register_terminal(),
        spare_terminal_id=(await world.register_terminal()).id,
    )
    saved = await world.call("admin", "POST", "/api/v1/priority-rules", json=_rule(), expect=201)
    scene.rule_id = saved.json()["rules"][-1]["id"]
    zone = await world.call("admin", "POST", "/api/v1/zones", json=_zone(scene), expect=201)
    scene.zone_id = zone.json()["id"]
    calendar = await world.call("admin", "POST", "/api/v1/sla/calendars", json=_calendar())
    scene.calendar_id = calendar.json()["id"]
    saved_policy = await world.call(
        "admin", "POST", "/api/v1/sla/policies", json=_policy(scene), expect=201
    )
    scene.policy_id = saved_policy.json()["id"]
    article = await world.call("admin", "POST", "/api/v1/kb/articles", json=_article(), expect=201)
    scene.article_id = article.json()["id"]
    pulled = await world.call("eng_a", "GET", "/api/v1/sync/work_orders/pull", expect=200)
    (document,) = pulled.json()["documents"]
    scene.documents = {
        "work_orders": document,
        "work_order_notes": {"id": str(uuid.uuid4()), "work_order_id": wo["id"], "body": "note"},
        "checklist_items": {"id": str(uuid.uuid4()), "work_order_id": wo["id"], "label": "new"},
        "messages": {"id": str(uuid.uuid4()), "work_order_id": wo["id"], "body": "hello"},
    }
    return scene


# The tests ----------------------------------------------------------------------------------------


async def test_every_json_route_refuses_hostile_bodies_with_a_4xx(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    operations, schemas = await load_operations(scene.world)
    with_body = [op for op in operations if op.body_schema is not None]
    unknown = {op.key for op in with_body} - set(ROUTES) - {ALARM_BATCH}
    assert not unknown, f"routes with a JSON body this walk does not know: {unknown}"
    assert set(ROUTES) <= {op.key for op in with_body}, "the table names routes that are gone"
    walker = Walker(scene)
    caplog.set_level(logging.ERROR)
    for op in sorted(with_body, key=lambda o: "logout" in o.template):
        if op.key in (SYNC_PUSH, ALARM_BATCH):
            continue  # below: per collection, and the alarms' own test
        route = ROUTES[op.key]
        assert (route.who == "terminal") == op.signed, f"{op.key}: signed routes are signed"
        url = url_of(scene, op.template, route)
        await walk_body(walker, op, route, url, schemas, op.body_schema)
    walker.problems += logged_errors(caplog)
    assert walker.sent > 500
    assert not walker.problems, f"{len(walker.problems)} problems:\n" + "\n".join(walker.problems)
    # Refused, so nothing saved: the one article, never revised; the standard tree.
    articles = await scene.world.call("admin", "GET", "/api/v1/kb/articles", expect=200)
    listed = [(item["id"], item["latest_version"]) for item in articles.json()["items"]]
    assert listed == [(scene.article_id, 1)]
    tree = await scene.world.call("admin", "GET", "/api/v1/after-sales/tree", expect=200)
    assert tree.json()["version"] == 0


async def test_sync_pushes_refuse_hostile_documents_with_a_4xx_naming_the_row(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """Per writable collection: the document's own schema (as an app builds it), inside a
    valid push row. A refused batch is a 4xx naming the field, never a 500 the replica would
    retry forever."""
    operations, _ = await load_operations(scene.world)
    (push,) = [op for op in operations if op.key == SYNC_PUSH]
    walker = Walker(scene)
    caplog.set_level(logging.ERROR)
    for collection, (document_type, rest_type) in SYNC_DOCUMENTS.items():
        url = f"/api/v1/sync/{collection}/push"
        _, components = msgspec.json.schema_components([document_type, rest_type])
        schemas = Schemas(components, "#/$defs/")
        document = scene.documents[collection]
        rest_limits = {
            name: leaf
            for (name, *_), leaf in text_paths(schemas, {"$ref": f"#/$defs/{rest_type.__name__}"})
        }
        row = {"assumedMasterState": None, "newDocumentState": document}
        if collection == "work_orders":
            row["assumedMasterState"] = document
        route = Route("eng_a", lambda s, row=row: [row])
        push_schema = {"type": "array", "items": {"$ref": "#/$defs/Row"}}
        components["Row"] = {
            "type": "object",
            "properties": {"newDocumentState": {"$ref": f"#/$defs/{document_type.__name__}"}},
        }
        await walk_body(walker, push, route, url, schemas, push_schema)
        # Over the REST limits, which a push is held to on the fields it changes.
        for name, leaf in rest_limits.items():
            if "maxLength" in leaf and name in document_type.__struct_fields__ and name != "tags":
                body = [
                    {**row, "newDocumentState": {**document, name: "x" * (leaf["maxLength"] + 1)}}
                ]
                response = await walker.send("POST", url, "eng_a", encoded(body))
                walker.check(
                    f"{url} [{name} over the REST limit]", response, 422, "validation_failed", name
                )
    walker.problems += logged_errors(caplog)
    assert not walker.problems, f"{len(walker.problems)} problems:\n" + "\n".join(walker.problems)


def _alarm_refused(path: tuple[Any, ...]) -> str:
    """In a batch, a bad alarm refuses the batch naming it; a bad envelope is a validation."""
    return "alarms_invalid" if path[:2] == ("alarms", 0) else "validation_failed"


def _pushed_alarm_refused(path: tuple[Any, ...]) -> str:
    """In push rows, a bad alarm (inside ``newDocumentState``) refuses the batch naming it."""
    return "alarms_invalid" if len(path) > 2 else "validation_failed"


async def test_terminal_alarms_refuse_hostile_alarms_with_a_4xx_naming_the_alarm(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """The alarm intake reads its body itself (per alarm) and its push rows are
    open objects: both are walked with the alarm's own schema, signed by the terminal, inside
    an otherwise valid batch or push row. Nothing is applied."""
    operations, _ = await load_operations(scene.world)
    signed = {op.key: op for op in operations if op.signed}
    assert {ALARM_BATCH, ALARM_PUSH} <= set(signed)
    _, components = msgspec.json.schema_components([iot.AlarmBatch])
    components["Row"] = {
        "type": "object",
        "properties": {"newDocumentState": {"$ref": "#/$defs/AlarmIn"}},
    }
    schemas = Schemas(components, "#/$defs/")
    valid = alarm("a-1", asset_id=str(scene.world.asset_id), message="Door left open", unit="C")
    walker = Walker(scene)
    caplog.set_level(logging.ERROR)
    batch = Route("terminal", lambda s: {"alarms": [valid]})
    await walk_body(
        walker,
        signed[ALARM_BATCH],
        batch,
        ALARM_BATCH[1],
        schemas,
        {"$ref": "#/$defs/AlarmBatch"},
        _alarm_refused,
    )
    rows = Route("terminal", lambda s: [{"assumedMasterState": None, "newDocumentState": valid}])
    await walk_body(
        walker,
        signed[ALARM_PUSH],
        rows,
        ALARM_PUSH[1],
        schemas,
        {"type": "array", "items": {"$ref": "#/$defs/Row"}},
        _pushed_alarm_refused,
    )
    walker.problems += logged_errors(caplog)
    assert walker.sent > 50
    assert not walker.problems, f"{len(walker.problems)} problems:\n" + "\n".join(walker.problems)
    listed = await scene.world.call("dispatcher", "GET", "/api/v1/alarms", expect=200)
    assert listed.json()["items"] == [], "a refused batch applies nothing"


async def test_string_query_parameters_refuse_control_characters(scene: Scene) -> None:
    operations, _ = await load_operations(scene.world)
    queried = [op for op in operations if op.string_queries and op.method == "GET"]
    assert {op.template for op in queried} >= {
        "/api/v1/work-orders",
        "/api/v1/sync/{collection}/pull",
        "/api/v1/work-orders/{work_order_id}/alarms",
        "/api/v1/iot/sync/config/pull",
        "/api/v1/kb/search",
        "/api/v1/kb/articles",
    }
    walker = Walker(scene)
    for op in queried:
        url = op.template.replace("{collection}", "work_orders")
        url = url.replace("{work_order_id}", scene.work_order_id)
        url = url.replace("{team_id}", str(scene.world.teams["team_a"]))
        url = url.replace("{user_id}", str(scene.world.users["eng_a"]))
        assert "{" not in url, f"no value for the path of {op.template}"
        who = "terminal" if op.signed else "dispatcher"
        for name in op.string_queries:
            for char in ("\x00", "\x1b", "\n"):
                response = await walker.send("GET", url, who, b"", {name: f"a{char}b"})
                walker.check(
                    f"GET {url}?{name}=U+{ord(char):04X}", response, 422, "validation_failed", name
                )
    assert not walker.problems, "\n".join(walker.problems)
    # The search itself still works on ordinary text.
    found = await scene.world.call("dispatcher", "GET", "/api/v1/work-orders?q=Freezer", expect=200)
    assert [item["id"] for item in found.json()["items"]] == [scene.work_order_id]


async def test_a_terminal_checkpoint_that_is_no_number_is_not_a_5xx(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """The configuration pull's checkpoint is the version last pulled, as text. Anything else,
    digits other than ASCII ones included (``"²".isdigit()`` is true, ``int("²")`` fails),
    starts over or is refused: never a 500."""
    caplog.set_level(logging.ERROR)
    walker = Walker(scene)
    url = "/api/v1/iot/sync/config/pull"
    for checkpoint in ("x1", "-1", "1.5", "²", "1²", "①", "٣", "9" * 200):
        response = await walker.send("GET", url, "terminal", b"", {"checkpoint": checkpoint})
        if response.status_code != 200:
            walker.check(f"GET {url}?checkpoint={checkpoint!r}", response)
    walker.problems += logged_errors(caplog)
    assert not walker.problems, "\n".join(walker.problems)


async def test_login_with_a_deeply_nested_device_id_is_400_without_a_traceback(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The review's reproduction, before any token."""
    caplog.set_level(logging.ERROR)
    body = (
        f'{{"tenant":"{world.slug}","username":"x","password":"y","device_id":' + deep(DEPTH) + "}"
    ).encode()
    response = await world.client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert "nests too deeply" in error["message"]
    assert not logged_errors(caplog)


async def test_a_sync_id_nested_just_under_the_decoders_limit_is_a_4xx(scene: Scene) -> None:
    """Deep enough to decode, too deep to print: the row's id must not be turned into text."""
    for depth in (500, 700, 800, 900, 950):
        for collection in SYNC_DOCUMENTS:
            content = (
                '[{"assumedMasterState":null,"newDocumentState":{"id":' + deep(depth) + "}}]"
            ).encode()
            response = await scene.world.call(
                "eng_a",
                "POST",
                f"/api/v1/sync/{collection}/push",
                content=content,
                headers={"Content-Type": "application/json"},
            )
            assert 400 <= response.status_code < 500, (depth, collection, response.text[:300])
            assert response.json()["error"]["code"] in ("malformed_json", "validation_failed")


async def test_single_line_text_refuses_line_breaks_and_long_text_keeps_them(world: World) -> None:
    for char in LINE_BREAKS:
        for body in ({"title": f"a{char}b"}, {"title": "ok", "tags": [f"a{char}b"]}):
            response = await world.call("dispatcher", "POST", "/api/v1/work-orders", json=body)
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["code"] == "validation_failed"
            assert "control characters" in json.dumps(error["details"]), error
    # A trailing newline too (Python's ``$`` alone would let it through).
    response = await world.call("dispatcher", "POST", "/api/v1/work-orders", json={"title": "ab\n"})
    assert response.status_code == 422, response.text
    description = "Line one\n\tLine two\r\nLine three"
    created = await world.create_work_order(description=description, title="Fan — 冷库 ✓")
    assert created["description"] == description
    note = await world.call(
        "dispatcher",
        "POST",
        f"/api/v1/work-orders/{created['id']}/notes",
        json={"body": description},
        expect=201,
    )
    assert note.json()["body"] == description


async def test_nothing_hostile_was_stored(scene: Scene) -> None:
    """After a walk, the tenant's work orders, notes and checklist hold no control
    characters (refused requests changed nothing)."""
    walker = Walker(scene)
    operations, schemas = await load_operations(scene.world)
    for op in operations:
        if op.key in (
            ("POST", "/api/v1/work-orders"),
            ("POST", "/api/v1/work-orders/{work_order_id}/notes"),
        ):
            route = ROUTES[op.key]
            await walk_body(
                walker, op, route, url_of(scene, op.template, route), schemas, op.body_schema
            )
    assert not walker.problems, "\n".join(walker.problems)
    listing = await scene.world.call(
        "dispatcher", "GET", "/api/v1/work-orders?limit=200", expect=200
    )
    assert [item["id"] for item in listing.json()["items"]] == [scene.work_order_id]
    detail = await scene.world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{scene.work_order_id}", expect=200
    )
    assert detail.json()["notes"] == []
