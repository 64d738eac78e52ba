"""Tenant isolation, proven over the whole API.

Every operation of the OpenAPI schema is walked as each role of another tenant (the attacker)
with the ids of a victim tenant that holds real data. Nothing of the victim may be read,
changed, referenced, or even confirmed to exist: a victim id in the path gets the very same
answer as a random id; filters and references naming victim rows find nothing; every response
is searched for the victim's ids, names, numbers, device codes and tokens; afterwards every
victim row (through the API, byte for byte, and in the database) is unchanged. The customer
portal's routes are walked with the attacker's portal link, the IoT terminals' signed routes
signed by the attacker's own terminal.

The walk is generic over the schema. A route it does not know how to exercise (an unknown path
or query parameter, a request body without a sample) fails the walk, so every new route must
be added to the tables below.
"""

import base64
import dataclasses
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from accounts.tables import Tenant
from kernel.statements import Statement
from mobile_contract.enums import WorkOrderType
from server.settings import Settings
from server.tables import ALL_TABLES
from sla.timers import TimerWorker
from sync.collections import COLLECTIONS
from sync.pull import encode_checkpoint
from tests.chat.factories import Channel, make_channel
from tests.factories import PASSWORD, USERS, Terminal, World, alarm, make_world, sample_image

Client = AsyncTestClient[Litestar]
Key = tuple[str, str]  # (METHOD, path template)
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
ATTACKER_ROLES = ("admin", "dispatcher", "supervisor", "eng_a")
VICTIM_PUSH_TOKEN = uuid.uuid4().hex * 2
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# The two tenants (and a third, made-up one whose ids exist nowhere) -------------------------


@dataclass
class Side:
    """The ids and distinctive strings of one tenant, as the walk substitutes them."""

    slug: str
    tenant_id: str
    users: dict[str, str]
    teams: dict[str, str]
    customer_id: str
    site_id: str
    asset_id: str
    work_order_id: str
    checklist_item_id: str
    note_id: str
    marker: str
    number: str
    refresh_token: str = ""
    device_id: str = ""
    cursor: str = ""
    push_device: str = ""  # an app installation registered for push (device registry)
    push_delivery: str = ""  # a push delivery to it
    upload: str = ""  # an evidence upload session
    evidence: str = ""  # a verified piece of evidence (a ledger entry)
    portal_link: str = ""  # a customer portal link to the work order
    portal_token: str = ""  # its token (the customer's credential)
    portal_upload: str = ""  # an upload the customer declared through it
    terminal_id: str = ""  # an IoT terminal on ``asset_id``
    terminal: Terminal | None = None  # the same, with its secret (the terminal's credential)
    alarm_id: str = ""  # the terminal's own id of an alarm it sent
    alarm_work_order: str = ""  # the work order that alarm opened
    alarm_cursor: str = ""  # a cursor of the tenant's alarm listing
    rule_id: str = ""  # a priority rule the tenant saved
    zone_id: str = ""  # a responsibility zone
    shift_id: str = ""  # an engineer's shift
    calendar_id: str = ""  # a business calendar (SLA)
    policy_id: str = ""  # an SLA policy, counting in that calendar
    article_id: str = ""  # a published knowledge-base article (a note cites it)
    draft_article_id: str = ""  # an article never published
    kb_cursor: str = ""  # a cursor of the tenant's article listing
    kb_checkpoint: str = ""  # a checkpoint of an engineer's first sync of the articles
    message: str = ""  # a message to the work order's customer
    chat_channel: str = ""  # a chat channel (customers' status queries by number)
    chat: Channel | None = None  # the same, with its secret (the platform's credential)

    def labels(self) -> dict[str, str]:
        """Placeholder -> value, to compare a victim answer with a random-id answer."""
        values = {
            "slug": self.slug,
            "tenant_id": self.tenant_id,
            "customer_id": self.customer_id,
            "site_id": self.site_id,
            "asset_id": self.asset_id,
            "work_order_id": self.work_order_id,
            "checklist_item_id": self.checklist_item_id,
            "note_id": self.note_id,
            "marker": self.marker,
            "number": self.number,
            **{f"user:{name}": value for name, value in self.users.items()},
            **{f"team:{name}": value for name, value in self.teams.items()},
        }
        if self.refresh_token:
            values["refresh_token"] = self.refresh_token
        if self.cursor:
            values["cursor"] = self.cursor
        if self.push_device:
            values["push_device"] = self.push_device
        if self.push_delivery:
            values["push_delivery"] = self.push_delivery
        if self.upload:
            values["upload"] = self.upload
        if self.evidence:
            values["evidence"] = self.evidence
        if self.portal_link:
            values["portal_link"] = self.portal_link
        if self.portal_upload:
            values["portal_upload"] = self.portal_upload
        if self.terminal_id:
            values["terminal_id"] = self.terminal_id
        if self.alarm_work_order:
            values["alarm_work_order"] = self.alarm_work_order
        if self.alarm_cursor:
            values["alarm_cursor"] = self.alarm_cursor
        if self.rule_id:
            values["rule_id"] = self.rule_id
        if self.zone_id:
            values["zone_id"] = self.zone_id
        if self.shift_id:
            values["shift_id"] = self.shift_id
        if self.calendar_id:
            values["calendar_id"] = self.calendar_id
        if self.policy_id:
            values["policy_id"] = self.policy_id
        if self.article_id:
            values["article_id"] = self.article_id
        if self.draft_article_id:
            values["draft_article_id"] = self.draft_article_id
        if self.message:
            values["message"] = self.message
        if self.chat_channel:
            values["chat_channel"] = self.chat_channel
        return values


def random_side() -> Side:
    """Ids of nothing at all: the answer for a victim id must equal the answer for these."""

    def new() -> str:
        return str(uuid.uuid4())

    return Side(
        slug=f"t-{uuid.uuid4().hex[:12]}",
        tenant_id=new(),
        users={name: new() for name, _, _ in USERS},
        teams={"team_a": new(), "team_b": new()},
        customer_id=new(),
        site_id=new(),
        asset_id=new(),
        work_order_id=new(),
        checklist_item_id=new(),
        note_id=new(),
        marker=f"NONE{uuid.uuid4().hex[:10]}",
        number="WO-2099-999999",
        refresh_token=base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode().rstrip("="),
        device_id="victim-phone",
        push_device=new(),
        push_delivery=new(),
        upload=new(),
        evidence=new(),
        portal_link=new(),
        portal_token=f"fpt_{uuid.uuid4().hex}",
        portal_upload=new(),
        terminal_id=new(),
        rule_id=new(),
        zone_id=new(),
        shift_id=new(),
        calendar_id=new(),
        policy_id=new(),
        article_id=new(),
        draft_article_id=new(),
        message=new(),
        chat_channel=new(),
        alarm_id=f"a-{uuid.uuid4().hex[:12]}",
        alarm_work_order=new(),
        alarm_cursor=base64.urlsafe_b64encode(
            json.dumps({"occurred_at": "2020-01-01T00:00:00Z", "id": new()}).encode()
        )
        .decode()
        .rstrip("="),
        cursor=base64.urlsafe_b64encode(
            json.dumps(["2020-01-01T00:00:00Z", new()]).encode()
        ).decode(),
    )


def unique(prefix: str = "atk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# What the walker knows about the API ----------------------------------------------------------

Ids = Callable[[Side], str]

#: Every path parameter of the API -> the row of a tenant it names.
PATH_PARAMS: dict[str, Ids] = {
    "work_order_id": lambda s: s.work_order_id,
    "item_id": lambda s: s.checklist_item_id,
    "user_id": lambda s: s.users["eng_a"],
    "team_id": lambda s: s.teams["team_a"],
    "customer_id": lambda s: s.customer_id,
    "site_id": lambda s: s.site_id,
    "asset_id": lambda s: s.asset_id,
    "device_id": lambda s: s.push_device,
    "delivery_id": lambda s: s.push_delivery,
    "upload_id": lambda s: s.upload,
    "evidence_id": lambda s: s.evidence,
    "link_id": lambda s: s.portal_link,
    "terminal_id": lambda s: s.terminal_id,
    "rule_id": lambda s: s.rule_id,
    "zone_id": lambda s: s.zone_id,
    "calendar_id": lambda s: s.calendar_id,
    "policy_id": lambda s: s.policy_id,
    "shift_id": lambda s: s.shift_id,
    "article_id": lambda s: s.article_id,
    "channel_id": lambda s: s.chat_channel,
}

#: Where a path parameter of one route names another row than the same name elsewhere.
ROUTE_PATH_PARAMS: dict[Key, dict[str, Ids]] = {
    # The work order an alarm opened: the one with alarms to leak.
    ("GET", "/api/v1/work-orders/{work_order_id}/alarms"): {
        "work_order_id": lambda s: s.alarm_work_order
    },
    # Publishing another tenant's draft: the article nobody outside its editors has seen.
    ("POST", "/api/v1/kb/articles/{article_id}/publish"): {
        "article_id": lambda s: s.draft_article_id
    },
}


#: Path parameters that name no row (a sync collection): every value is walked.
NAMING_PARAMS: dict[str, list[str]] = {
    "collection": sorted(COLLECTIONS),
    "work_order_type": [kind.value for kind in WorkOrderType],
    # A rule-set version is a number of the caller's own tenant's history, never a door.
    "version": ["0", "1", "2"],
    # The customer notifications' channel kinds, milestones and languages (a tenant's own).
    "kind": ["sms", "wechat", "wecom", "dingtalk"],
    "robot_kind": ["wecom", "dingtalk"],
    "milestone": ["created", "assigned", "resolved", "verified", "closed"],
    "locale": ["zh-CN", "en"],
}


@dataclass(frozen=True)
class QueryValue:
    value: Ids
    compare_with_random: bool = True
    #: The filter names only victim rows: a 200 listing must hold no item at all.
    selects_victim_only: bool = False


#: A citation-rate window around today (at most 400 days long), fixed for the whole run: the
#: victim's views read it before and after the attacks.
RATE_START = (datetime.now(UTC).date() - timedelta(days=100)).isoformat()
RATE_END = (datetime.now(UTC).date() + timedelta(days=100)).isoformat()

#: Every query parameter of the API -> values naming (or searching for) the target tenant.
QUERY_PARAMS: dict[str, list[QueryValue]] = {
    "team_id": [QueryValue(lambda s: s.teams["team_a"], selects_victim_only=True)],
    "assignee_id": [QueryValue(lambda s: s.users["eng_a"], selects_victim_only=True)],
    "site_id": [QueryValue(lambda s: s.site_id, selects_victim_only=True)],
    "asset_id": [QueryValue(lambda s: s.asset_id, selects_victim_only=True)],
    "customer_id": [QueryValue(lambda s: s.customer_id, selects_victim_only=True)],
    "role": [QueryValue(lambda s: "engineer")],
    "status": [QueryValue(lambda s: "accepted")],
    "priority": [QueryValue(lambda s: "P1")],
    "q": [
        QueryValue(lambda s: s.marker, selects_victim_only=True),
        QueryValue(lambda s: s.number, selects_victim_only=True),
    ],
    # A cursor the victim's own listing handed out: it must not open the victim's rows.
    "cursor": [QueryValue(lambda s: s.cursor, compare_with_random=False)],
    "limit": [QueryValue(lambda s: "200")],
    "document_id": [QueryValue(lambda s: s.work_order_id, selects_victim_only=True)],
    "user_id": [QueryValue(lambda s: s.users["eng_a"], selects_victim_only=True)],
    "subject_id": [QueryValue(lambda s: s.work_order_id, selects_victim_only=True)],
    # Sync checkpoints are sequence positions of the caller's own tenant, never a door; nor
    # is the first sync of the articles' (its part and the sequence the victim's pull saw).
    "checkpoint": [
        QueryValue(lambda s: encode_checkpoint(0), compare_with_random=False),
        QueryValue(lambda s: s.kb_checkpoint, compare_with_random=False),
    ],
    # Metrics carry their own generation time; their tenant scoping: tests/push/test_metrics.
    "window_hours": [QueryValue(lambda s: "720", compare_with_random=False)],
    "thumbnail": [QueryValue(lambda s: "true")],
    "terminal_id": [QueryValue(lambda s: s.terminal_id, selects_victim_only=True)],
    "work_order_id": [QueryValue(lambda s: s.alarm_work_order, selects_victim_only=True)],
    "type": [QueryValue(lambda s: "over_temperature")],
    "state": [QueryValue(lambda s: "raised")],
    "since": [QueryValue(lambda s: "2020-01-01T00:00:00Z")],
    "until": [QueryValue(lambda s: "2100-01-01T00:00:00Z")],
    "expected_version": [QueryValue(lambda s: "1", compare_with_random=False)],
    "kind": [QueryValue(lambda s: "article"), QueryValue(lambda s: "fault_codes")],
    # An article's version: a number of the caller's own article (only sent with a path id).
    "version": [QueryValue(lambda s: "1")],
    "start": [QueryValue(lambda s: RATE_START)],
    "end": [QueryValue(lambda s: RATE_END)],
    "period": [QueryValue(lambda s: "week"), QueryValue(lambda s: "day")],
    # A message's place in the caller's own conversation, never a door.
    "after": [QueryValue(lambda s: "0")],
    # The language of an answer's words (the ETA's explanation), never a door.
    "locale": [QueryValue(lambda s: "zh-CN"), QueryValue(lambda s: "en")],
}

#: Where a parameter of one route takes other values than the same name elsewhere.
ROUTE_QUERY_PARAMS: dict[Key, dict[str, list[QueryValue]]] = {
    ("GET", "/api/v1/push/deliveries"): {"status": [QueryValue(lambda s: "logged")]},
    # A cursor the victim's own alarm listing handed out.
    ("GET", "/api/v1/alarms"): {
        "cursor": [QueryValue(lambda s: s.alarm_cursor, compare_with_random=False)]
    },
    # A terminal's checkpoint is its own configuration's version.
    ("GET", "/api/v1/iot/sync/config/pull"): {
        "checkpoint": [QueryValue(lambda s: "0", compare_with_random=False)]
    },
    ("GET", "/api/v1/kb/articles"): {
        # Drafts: for editors (403 for the other roles).
        "status": [QueryValue(lambda s: "draft"), QueryValue(lambda s: "published")],
        # A cursor the victim's own article listing handed out.
        "cursor": [QueryValue(lambda s: s.kb_cursor, compare_with_random=False)],
    },
    ("GET", "/api/v1/kb/search"): {"limit": [QueryValue(lambda s: "50")]},
}

Body = Callable[[Side, Side], Any]  # (attacker's own side, target side) -> JSON body
#: (method, path with query, body bytes) -> the headers of a terminal's signed request.
Signer = Callable[[str, str, bytes], dict[str, str]]


@dataclass(frozen=True)
class Ref:
    """A request on the attacker's own rows whose body names the target's rows: refused."""

    label: str
    body: Body
    code: str  # what the admin (who passes every role check) must get
    compare_with_random: bool = True
    also: frozenset[str] = frozenset()  # other codes the admin may get (read-only collections)
    #: Only where the path's naming parameters take these values (one sync collection).
    only: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RawBody:
    """A body that is not JSON (a profile photo's bytes)."""

    content: bytes
    content_type: str


@dataclass(frozen=True)
class Bodies:
    #: Valid bodies sent with a victim id in the path (must answer as for a random id).
    probes: list[Body] = field(default_factory=list)
    #: Bodies naming victim rows, sent with the attacker's own ids in the path (or no path id).
    refs: list[Ref] = field(default_factory=list)
    #: Bodies for routes without a path id acting on the attacker's own tenant.
    benign: list[Body] = field(default_factory=list)


def _wo(own: Side, **fields: Any) -> dict[str, Any]:
    return {"title": unique("atk-wo"), **fields}


#: The client id of the attacker's notes citing an article: refused, so never stored, and the
#: same for the victim's article and a random one (the refusal names the note).
CITING_NOTE_ID = str(uuid.uuid4())


def _citing(own: Side, article_id: str, **fields: Any) -> dict[str, Any]:
    """A note of the attacker's inserting ``article_id`` (as a reply template or article)."""
    return {"id": CITING_NOTE_ID, "body": "see the article", "kb_article_id": article_id, **fields}


#: A sample request body for every (method, path) that takes one.
BODIES: dict[Key, Bodies] = {
    ("POST", "/api/v1/auth/login"): Bodies(
        benign=[
            lambda own, t: {
                "tenant": own.slug,
                "username": "admin",
                "password": PASSWORD,
                "device_id": own.device_id,
            }
        ],
        refs=[
            Ref(
                "the victim's tenant with a wrong password",
                lambda own, t: {
                    "tenant": t.slug,
                    "username": "admin",
                    "password": "not-the-password",
                    "device_id": "atk-device",
                },
                "invalid_credentials",
            )
        ],
    ),
    ("POST", "/api/v1/auth/refresh"): Bodies(
        benign=[lambda own, t: {"refresh_token": own.refresh_token, "device_id": own.device_id}]
    ),
    ("POST", "/api/v1/auth/logout"): Bodies(
        # The victim's refresh token in the body must not end the victim's session.
        benign=[lambda own, t: {"refresh_token": t.refresh_token, "all_devices": True}]
    ),
    ("POST", "/api/v1/users"): Bodies(
        refs=[
            Ref(
                "team_ids of the victim",
                lambda own, t: {
                    "username": unique(),
                    "display_name": "Mole",
                    "password": "mole-password-1",
                    "role": "engineer",
                    "team_ids": [t.teams["team_a"]],
                },
                "invalid_reference",
            ),
            Ref(
                "own and victim team_ids",
                lambda own, t: {
                    "username": unique(),
                    "display_name": "Mole",
                    "password": "mole-password-1",
                    "role": "engineer",
                    "team_ids": [own.teams["team_a"], t.teams["team_b"]],
                },
                "invalid_reference",
            ),
        ]
    ),
    ("PATCH", "/api/v1/users/{user_id}"): Bodies(
        probes=[
            lambda own, t: {"display_name": "Pwned", "phone": "+1 000", "is_active": False},
            lambda own, t: {"password": "pwned-password-1", "role": "admin"},
            lambda own, t: {"team_ids": [own.teams["team_a"]]},
        ],
        refs=[
            Ref(
                "team_ids of the victim",
                lambda own, t: {"team_ids": [t.teams["team_a"]]},
                "invalid_reference",
            )
        ],
    ),
    ("POST", "/api/v1/teams"): Bodies(benign=[lambda own, t: {"name": unique("atk-team")}]),
    ("PATCH", "/api/v1/teams/{team_id}"): Bodies(
        probes=[
            lambda own, t: {"name": unique("pwned"), "member_ids": []},
            lambda own, t: {"member_ids": [own.users["eng_a"]]},
        ],
        refs=[
            Ref(
                # One victim id: with several, which one the error names follows their order.
                "member_ids of a victim user",
                lambda own, t: {"member_ids": [t.users["eng_a"]]},
                "invalid_reference",
            ),
            Ref(
                "own and victim member_ids",
                lambda own, t: {"member_ids": [own.users["eng_a"], t.users["eng_b"]]},
                "invalid_reference",
            ),
        ],
    ),
    ("POST", "/api/v1/customers"): Bodies(benign=[lambda own, t: {"name": unique("atk-cust")}]),
    ("PATCH", "/api/v1/customers/{customer_id}"): Bodies(
        probes=[lambda own, t: {"name": "Pwned", "tier": "strategic", "contacts": []}]
    ),
    ("POST", "/api/v1/sites"): Bodies(
        refs=[
            Ref(
                "customer_id of the victim",
                lambda own, t: {"name": unique("atk-site"), "customer_id": t.customer_id},
                "invalid_reference",
            )
        ]
    ),
    ("PATCH", "/api/v1/sites/{site_id}"): Bodies(
        probes=[
            lambda own, t: {"name": "Pwned", "address": "nowhere"},
            lambda own, t: {"customer_id": own.customer_id},
        ],
        refs=[
            Ref(
                "customer_id of the victim",
                lambda own, t: {"customer_id": t.customer_id},
                "invalid_reference",
            )
        ],
    ),
    ("POST", "/api/v1/assets"): Bodies(
        refs=[
            Ref(
                "site_id of the victim",
                lambda own, t: {"site_id": t.site_id, "device_code": unique("ATK")},
                "invalid_reference",
            )
        ]
    ),
    ("PATCH", "/api/v1/assets/{asset_id}"): Bodies(
        probes=[
            lambda own, t: {"name": "Pwned", "serial_number": "0"},
            lambda own, t: {"site_id": own.site_id},
        ],
        refs=[
            Ref(
                "site_id of the victim",
                lambda own, t: {"site_id": t.site_id},
                "invalid_reference",
            )
        ],
    ),
    ("POST", "/api/v1/work-orders"): Bodies(
        refs=[
            Ref("site_id", lambda own, t: _wo(own, site_id=t.site_id), "invalid_reference"),
            Ref("asset_id", lambda own, t: _wo(own, asset_id=t.asset_id), "invalid_reference"),
            Ref(
                "customer_id",
                lambda own, t: _wo(own, customer_id=t.customer_id),
                "invalid_reference",
            ),
            Ref("team_id", lambda own, t: _wo(own, team_id=t.teams["team_a"]), "invalid_reference"),
            Ref(
                "own site with the victim's asset",
                lambda own, t: _wo(own, site_id=own.site_id, asset_id=t.asset_id),
                "invalid_reference",
            ),
            Ref(
                "own asset with the victim's site",
                lambda own, t: _wo(own, site_id=t.site_id, asset_id=own.asset_id),
                "invalid_reference",
            ),
            Ref(
                "every reference of the victim",
                lambda own, t: _wo(
                    own,
                    site_id=t.site_id,
                    asset_id=t.asset_id,
                    customer_id=t.customer_id,
                    team_id=t.teams["team_a"],
                ),
                "invalid_reference",
            ),
        ]
    ),
    ("PATCH", "/api/v1/work-orders/{work_order_id}"): Bodies(
        probes=[
            lambda own, t: {"title": "Pwned", "description": "pwned"},
            lambda own, t: {"team_id": own.teams["team_a"], "priority": "P0"},
            lambda own, t: {"asset_id": own.asset_id},
        ],
        refs=[
            Ref("site_id", lambda own, t: {"site_id": t.site_id}, "invalid_reference"),
            Ref("asset_id", lambda own, t: {"asset_id": t.asset_id}, "invalid_reference"),
            Ref("customer_id", lambda own, t: {"customer_id": t.customer_id}, "invalid_reference"),
            Ref("team_id", lambda own, t: {"team_id": t.teams["team_a"]}, "invalid_reference"),
        ],
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/transitions"): Bodies(
        probes=[
            lambda own, t: {"target": "cancelled", "reason": "pwned"},
            lambda own, t: {"target": "assigned", "assignee_id": own.users["eng_a"]},
            lambda own, t: {"target": "en_route"},
        ],
        refs=[
            Ref(
                "assignee_id of a victim engineer",
                lambda own, t: {"target": "assigned", "assignee_id": t.users["eng_b"]},
                "invalid_reference",
            )
        ],
    ),
    # Walked once per sync collection; sites and assets are read-only (403 for everyone).
    ("POST", "/api/v1/sync/{collection}/push"): Bodies(
        benign=[lambda own, t: []],
        refs=[
            Ref(
                "a push naming the victim's work order (as the document or its parent)",
                lambda own, t: [
                    {
                        "assumedMasterState": None,
                        "newDocumentState": {
                            "id": t.work_order_id,
                            "work_order_id": t.work_order_id,
                            "title": "pwned",
                            "body": "pwned",
                            "label": "pwned",
                        },
                    }
                ],
                "not_found",
                also=frozenset({"forbidden"}),
            ),
            Ref(
                "a push of the victim's note",
                lambda own, t: [
                    {
                        "assumedMasterState": None,
                        "newDocumentState": {"id": t.note_id, "body": "pwned"},
                    }
                ],
                "not_found",
                also=frozenset({"forbidden", "validation_failed"}),
            ),
            Ref(
                "a pushed note of its own work order citing the victim's article",
                lambda own, t: [
                    {
                        "assumedMasterState": None,
                        "newDocumentState": {
                            **_citing(own, t.article_id),
                            "work_order_id": own.work_order_id,
                        },
                    }
                ],
                "invalid_reference",
                only=(("collection", "work_order_notes"),),
            ),
        ],
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/notes"): Bodies(
        probes=[
            lambda own, t: {"body": "pwned"},
            lambda own, t: {"body": "pwned", "id": str(uuid.uuid4())},
            lambda own, t: {"body": "pwned", "kb_article_id": own.article_id},
        ],
        # Client-made ids are the tenant's own: the victim's id is just another fresh id to
        # the attacker (tests/workorders/test_client_ids.py), so it is no reference to refuse.
        # A cited article is a reference: the victim's is refused, and nothing is saved.
        refs=[
            Ref(
                "kb_article_id of the victim's published article",
                lambda own, t: _citing(own, t.article_id),
                "invalid_reference",
            ),
            Ref(
                "kb_article_id and kb_article_version of the victim's article",
                lambda own, t: _citing(own, t.article_id, kb_article_version=1),
                "invalid_reference",
            ),
            Ref(
                "kb_article_id of the victim's draft",
                lambda own, t: _citing(own, t.draft_article_id),
                "invalid_reference",
            ),
        ],
    ),
    ("POST", "/api/v1/work-orders/{work_order_id}/checklist"): Bodies(
        probes=[lambda own, t: {"label": "pwned", "done": True}],
    ),
    ("PATCH", "/api/v1/work-orders/{work_order_id}/checklist/{item_id}"): Bodies(
        probes=[lambda own, t: {"done": False, "label": "pwned", "value": "x"}]
    ),
}

_DEVICE = {"platform": "ios", "app_bundle_id": "com.example.fieldops", "app_version": "9.9"}

BODIES[("POST", "/api/v1/devices")] = Bodies(
    # The victim's push token registered in another tenant leaves the victim's row alone:
    # tests/device_registry (a repeat here would change the attacker's rows of earlier roles).
    benign=[
        lambda own, t: {**_DEVICE, "id": own.push_device, "push_token": f"atk{uuid.uuid4().hex}"},
    ]
)


async def _verified_evidence(world: World, work_order_id: str) -> str:
    await world.add_required_evidence(work_order_id)
    shown = await ok(world, "eng_a", "GET", f"/api/v1/work-orders/{work_order_id}/evidence")
    return str(shown["entries"][0]["id"])


async def _portal(world: World, work_order_id: str) -> tuple[str, str, str]:
    """A portal link to the work order, its token, and an upload declared through it."""
    url = f"/api/v1/work-orders/{work_order_id}/portal-links"
    issued = await ok(world, "dispatcher", "POST", url, json={"contact_name": "Mr. Wu"})
    response = await world.client.post(
        "/api/v1/portal/uploads",
        json={**_upload(), "kind": "video", "content_type": "video/mp4"},
        headers={"Authorization": f"Bearer {issued['token']}"},
    )
    assert response.status_code == 201, response.text
    return issued["link"]["id"], issued["token"], response.json()["id"]


def _upload(client_key: str | None = None) -> dict[str, Any]:
    return {
        "client_key": client_key or f"atk-{uuid.uuid4().hex}",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size": 1000,
        "sha256": "0" * 64,
    }


BODIES[("POST", "/api/v1/work-orders/{work_order_id}/uploads")] = Bodies(
    probes=[lambda own, t: _upload()]
)

BODIES[("POST", "/api/v1/work-orders/{work_order_id}/readings")] = Bodies(
    probes=[lambda own, t: {"requirement": "temperature_reading", "value": "-18.5", "unit": "C"}]
)
BODIES[("POST", "/api/v1/evidence/{evidence_id}/remove")] = Bodies(
    probes=[lambda own, t: {"reason": "duplicate photo"}]
)
BODIES[("PUT", "/api/v1/evidence-rules/{work_order_type}")] = Bodies(
    benign=[lambda own, t: {"requirements": []}]
)

BODIES[("POST", "/api/v1/work-orders/{work_order_id}/portal-links")] = Bodies(
    probes=[lambda own, t: {"contact_name": "Mole", "valid_days": 90}]
)
BODIES[("POST", "/api/v1/portal/uploads")] = Bodies(benign=[lambda own, t: _upload()])
# Your own photo (no ids anywhere): set and removed on the attacker's own account.
BODIES[("PUT", "/api/v1/me/photo")] = Bodies(
    benign=[lambda own, t: RawBody(sample_image("JPEG"), "image/jpeg")]
)
BODIES[("DELETE", "/api/v1/me/photo")] = Bodies(benign=[lambda own, t: None])
BODIES[("PUT", "/api/v1/work-orders/{work_order_id}/report")] = Bodies(
    probes=[lambda own, t: {"root_cause": "pwned", "parts_used": [{"name": "atk part"}]}]
)

# The customer notifications: a tenant's own channels and texts; a robot of a customer.
BODIES[("PUT", "/api/v1/notify/channels/{kind}")] = Bodies(
    benign=[lambda own, t: {"enabled": False}]
)
BODIES[("PUT", "/api/v1/notify/templates/{milestone}/{locale}")] = Bodies(
    benign=[lambda own, t: {"text": "{number} {portal_link}"}]
)
BODIES[("PUT", "/api/v1/notify/customers/{customer_id}/robots/{robot_kind}")] = Bodies(
    probes=[lambda own, t: {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x"}]
)


def _attaching(upload_id: str) -> dict[str, Any]:
    return {"body": "see the file", "attachment_ids": [upload_id]}


#: Messages: attachments and the message read up to name rows of the caller's own work order
#: (a sent message would also push and log changes, so the walk only sends refused ones).
_MESSAGE_REFS = [
    Ref("the victim's upload", lambda own, t: _attaching(t.upload), "invalid_reference"),
    Ref(
        "the victim customer's upload",
        lambda own, t: _attaching(t.portal_upload),
        "invalid_reference",
    ),
]
_READ_REFS = [Ref("the victim's message", lambda own, t: {"up_to": t.message}, "not_found")]
BODIES[("POST", "/api/v1/work-orders/{work_order_id}/messages")] = Bodies(
    probes=[lambda own, t: {"body": "pwned"}, lambda own, t: _attaching(own.upload)],
    refs=_MESSAGE_REFS,
)
BODIES[("POST", "/api/v1/work-orders/{work_order_id}/messages/read")] = Bodies(
    probes=[lambda own, t: {"up_to": t.message}], refs=_READ_REFS
)
# (The portal walk's ``upload`` is the victim customer's upload.)
BODIES[("POST", "/api/v1/portal/messages")] = Bodies(refs=_MESSAGE_REFS[:1])
BODIES[("POST", "/api/v1/portal/messages/read")] = Bodies(refs=_READ_REFS)
# Chat channels: a tenant's own (the webhook they sign is walked by its own test).
BODIES[("POST", "/api/v1/chat/channels")] = Bodies(
    benign=[lambda own, t: {"name": unique("atk-chat"), "style": "wechat"}]
)

BODIES[("POST", "/api/v1/push/deliveries/{delivery_id}/ack")] = Bodies(
    probes=[lambda own, t: {"event": "received"}, lambda own, t: {"event": "opened"}]
)

BODIES[("POST", "/api/v1/iot/terminals")] = Bodies(
    benign=[lambda own, t: {"asset_id": own.asset_id, "device_code": unique("ATK")}],
    refs=[
        Ref(
            "asset_id of the victim",
            lambda own, t: {"asset_id": t.asset_id, "device_code": "ATK-T-2"},
            "invalid_reference",
        )
    ],
)
BODIES[("PATCH", "/api/v1/iot/terminals/{terminal_id}")] = Bodies(
    probes=[
        lambda own, t: {"thresholds": {"over_temperature": 40.0}, "model": "pwned"},
        lambda own, t: {"firmware": "pwned"},
    ]
)
BODIES[("POST", "/api/v1/iot/terminals/{terminal_id}/rotate")] = Bodies(
    probes=[lambda own, t: {"grace_seconds": 0}, lambda own, t: {"grace_seconds": 3600}]
)


def _rule(name: str, **condition: Any) -> dict[str, Any]:
    """A priority rule: keywords, or the one ``condition`` given (naming a site)."""
    return {
        "name": name,
        "conditions": [condition or {"kind": "keywords", "any_of": [name]}],
        "actions": [{"kind": "set_priority", "priority": "P1"}],
    }


def _site_rule(site_id: str) -> dict[str, Any]:
    return _rule("atk site rule", kind="site", site_ids=[site_id])


BODIES[("POST", "/api/v1/priority-rules")] = Bodies(
    benign=[lambda own, t: _rule(unique("atk-rule"))],
    refs=[Ref("a site of the victim", lambda own, t: _site_rule(t.site_id), "config_invalid")],
)
BODIES[("PUT", "/api/v1/priority-rules")] = Bodies(
    benign=[lambda own, t: {"rules": [{**_rule(unique("atk-rule")), "id": own.rule_id}]}],
    refs=[
        Ref(
            "a site of the victim",
            lambda own, t: {"rules": [{**_site_rule(t.site_id), "id": own.rule_id}]},
            "config_invalid",
        )
    ],
)
BODIES[("PUT", "/api/v1/priority-rules/{rule_id}")] = Bodies(
    probes=[lambda own, t: _rule("pwned")],
    refs=[Ref("a site of the victim", lambda own, t: _site_rule(t.site_id), "config_invalid")],
)
BODIES[("POST", "/api/v1/priority-rules/validate")] = Bodies(
    benign=[lambda own, t: _rule("atk valid")],
    refs=[Ref("a site of the victim", lambda own, t: _site_rule(t.site_id), "config_invalid")],
)
BODIES[("POST", "/api/v1/priority-rules/dry-run")] = Bodies(
    benign=[lambda own, t: {"work_order": {"title": "3号线停机", "asset_id": own.asset_id}}],
    refs=[
        Ref(
            "the victim's asset",
            lambda own, t: {"work_order": {"title": "x", "asset_id": t.asset_id}},
            "invalid_reference",
        ),
        Ref(
            "the victim's site",
            lambda own, t: {"work_order": {"title": "x", "site_id": t.site_id}},
            "invalid_reference",
        ),
        Ref(
            "the victim's customer",
            lambda own, t: {"work_order": {"title": "x", "customer_id": t.customer_id}},
            "invalid_reference",
        ),
        Ref(
            "a candidate rule naming the victim's site",
            lambda own, t: {
                "work_order": {"title": "x"},
                "rules": {"rules": [{**_site_rule(t.site_id), "id": own.rule_id}]},
            },
            "config_invalid",
        ),
    ],
)


def _shift(user_id: str, days: int = 0) -> dict[str, Any]:
    """A shift of ``user_id`` on a day of its own (a user's shifts may not overlap)."""
    start = datetime.now(UTC) + timedelta(days=days or 30 + uuid.uuid4().int % 3000)
    return {
        "user_id": user_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
    }


BODIES[("POST", "/api/v1/shifts")] = Bodies(
    benign=[lambda own, t: _shift(own.users["eng_a"])],
    refs=[Ref("a victim engineer", lambda own, t: _shift(t.users["eng_a"]), "invalid_reference")],
)
BODIES[("PUT", "/api/v1/teams/{team_id}/auto-assignment")] = Bodies(
    probes=[lambda own, t: {"enabled": True, "use_skills": False}]
)
BODIES[("PUT", "/api/v1/engineers/{user_id}/skills")] = Bodies(
    probes=[lambda own, t: {"skills": ["pwned"]}]
)


def _zone(own: Side, **keys: Any) -> dict[str, Any]:
    """A zone of its own line (zones with the same keys are refused)."""
    return {
        "name": unique("atk-zone"),
        "team_id": own.teams["team_a"],
        "production_line": unique("line"),
        **keys,
    }


BODIES[("POST", "/api/v1/zones")] = Bodies(
    benign=[lambda own, t: _zone(own)],
    refs=[
        Ref(
            "the victim's team",
            lambda own, t: _zone(own, team_id=t.teams["team_a"]),
            "invalid_reference",
        ),
        Ref("the victim's site", lambda own, t: _zone(own, site_id=t.site_id), "invalid_reference"),
    ],
)
BODIES[("PUT", "/api/v1/zones/{zone_id}")] = Bodies(
    probes=[lambda own, t: _zone(own)],
    refs=[
        Ref(
            "the victim's team",
            lambda own, t: _zone(own, team_id=t.teams["team_a"]),
            "invalid_reference",
        ),
        Ref("the victim's site", lambda own, t: _zone(own, site_id=t.site_id), "invalid_reference"),
    ],
)


def _calendar(name: str) -> dict[str, Any]:
    """Mon-Fri 09:00-18:00 in Shanghai."""
    nine_to_six = [{"start": 540, "end": 1080}]
    return {"name": name, "timezone": "Asia/Shanghai", "week": [nine_to_six] * 5 + [[], []]}


#: Priority and tier of each policy the walk saves (one policy per pair, a repeat is refused).
_POLICY_KEYS = itertools.cycle(
    [(p, t) for p in ("P3", "P2") for t in ("premium", "standard", "strategic", None)]
)


def _policy(**fields: Any) -> dict[str, Any]:
    """An SLA policy (P3 for any tier unless ``fields`` say otherwise)."""
    return {
        "name": unique("atk-policy"),
        "priority": "P3",
        "response_seconds": 3600,
        "arrival_seconds": 7200,
        "resolution_seconds": 86400,
        **fields,
    }


def _next_policy(own: Side, target: Side) -> dict[str, Any]:
    priority, tier = next(_POLICY_KEYS)
    return _policy(priority=priority, customer_tier=tier)


def _paging(*user_ids: str) -> list[dict[str, Any]]:
    """One escalation stage paging ``user_ids``."""
    return [{"after_seconds": 600, "recipients": [{"kind": "users", "user_ids": list(user_ids)}]}]


_POLICY_REFS = [
    Ref(
        "the victim's calendar",
        lambda own, t: _policy(calendar_id=t.calendar_id),
        "invalid_reference",
    ),
    Ref(
        "a victim user to page",
        lambda own, t: _policy(escalation=_paging(t.users["supervisor"])),
        "invalid_reference",
    ),
    Ref(
        "own and victim users to page",
        lambda own, t: _policy(
            calendar_id=own.calendar_id,
            escalation=_paging(own.users["supervisor"], t.users["admin"]),
        ),
        "invalid_reference",
    ),
]
BODIES[("POST", "/api/v1/sla/calendars")] = Bodies(
    benign=[lambda own, t: _calendar(unique("atk-calendar"))]
)
BODIES[("PUT", "/api/v1/sla/calendars/{calendar_id}")] = Bodies(
    probes=[lambda own, t: _calendar("pwned")]
)
BODIES[("POST", "/api/v1/sla/policies")] = Bodies(
    benign=[_next_policy, lambda own, t: {**_next_policy(own, t), "calendar_id": own.calendar_id}],
    refs=_POLICY_REFS,
)
BODIES[("PUT", "/api/v1/sla/policies/{policy_id}")] = Bodies(
    probes=[lambda own, t: _policy(name="pwned", response_seconds=1)],
    refs=_POLICY_REFS,
)


def _alarm_naming(asset_id: str, alarm_id: str = "atk-names-an-asset") -> dict[str, Any]:
    """An alarm of the attacker's terminal for ``asset_id`` (a fixed id: the answer for the
    victim's asset is compared with the answer for a random one, and names the alarm)."""
    return alarm(alarm_id, asset_id=asset_id, occurred_at="2020-01-01T00:00:00Z")


#: The terminal routes: walked signed by the attacker's terminal. Its alarms on its own asset
#: are accepted; an alarm naming the victim's asset refuses the whole batch, exactly as for a
#: random asset; an alarm id the victim's terminal used is just another id of the attacker's
#: (deduplicated per terminal), never a "duplicate" answering the victim's work order.
BODIES[("POST", "/api/v1/iot/alarms")] = Bodies(
    benign=[
        lambda own, t: {"alarms": [alarm(unique("atk-alarm"))]},
        lambda own, t: {"alarms": [alarm(t.alarm_id)]},
    ],
    refs=[
        Ref(
            "an alarm naming the victim's asset",
            lambda own, t: {"alarms": [_alarm_naming(t.asset_id)]},
            "alarms_invalid",
        ),
        Ref(
            "an alarm of its own asset and one naming the victim's",
            lambda own, t: {
                "alarms": [
                    _alarm_naming(own.asset_id, "atk-own-asset"),
                    _alarm_naming(t.asset_id),
                ]
            },
            "alarms_invalid",
        ),
    ],
)
BODIES[("POST", "/api/v1/iot/heartbeat")] = Bodies(
    benign=[lambda own, t: {"firmware": "atk-1.0", "uptime_seconds": 60, "signal_dbm": -70}]
)
BODIES[("POST", "/api/v1/iot/sync/alarms/push")] = Bodies(
    benign=[
        lambda own, t: [],
        lambda own, t: [{"assumedMasterState": None, "newDocumentState": alarm(t.alarm_id)}],
    ],
    refs=[
        Ref(
            "a pushed alarm naming the victim's asset",
            lambda own, t: [
                {"assumedMasterState": None, "newDocumentState": _alarm_naming(t.asset_id)}
            ],
            "alarms_invalid",
        )
    ],
)


def _article(title: str, **fields: Any) -> dict[str, Any]:
    """An article with every field of its content set (the families tie it to repairs)."""
    return {
        "kind": "fault_codes",
        "language": "en",
        "title": title,
        "body": f"{title}: reset the overload relay, check the condenser fan.",
        "brand": f"{title} brand",
        "model_family": "CS-9",
        "fault_codes": [{"code": "E1", "meaning": f"{title} overload", "fix": "reset"}],
        "tags": ["compressor"],
        "asset_families": ["Cold room"],
        "device_code_prefixes": ["CS-FR-"],
        "alarm_types": ["over_temperature"],
        **fields,
    }


def _tree(clause: str) -> dict[str, Any]:
    """An after-sales tree: usage hours decide between a repair and an escalation."""
    return {
        "root": "hours",
        "nodes": {
            "hours": {
                "kind": "usage_hours",
                "branches": [
                    {"min": 0, "below": 500, "next": "repair"},
                    {"min": 500, "next": "escalate"},
                ],
            },
            "repair": {"kind": "leaf", "advice": "repair", "clause": clause, "clause_id": "A"},
            "escalate": {"kind": "leaf", "advice": "escalate", "clause": clause},
        },
        "description": clause,
    }


def _case(**fields: Any) -> dict[str, Any]:
    """An after-sales case giving every input a tree may test (the standard one or _tree)."""
    return {
        "fault_category": "performance",
        "purchase_age_days": 100,
        "serial_number": "A5",
        "usage_hours": 3.5,
        "previous_repairs": 1,
        "at": "2026-03-10T04:00:00Z",
        **fields,
    }


#: Articles have no references to other rows: the victim's ones are only ever path ids. A
#: draft saved by the walk is the attacker's (its version rows come with it).
BODIES[("POST", "/api/v1/kb/articles")] = Bodies(
    benign=[lambda own, t: _article(unique("atk-article"))]
)
BODIES[("PUT", "/api/v1/kb/articles/{article_id}")] = Bodies(
    probes=[
        lambda own, t: _article("pwned"),
        lambda own, t: _article("pwned", expected_version=1, publish=True),
    ]
)
BODIES[("POST", "/api/v1/kb/articles/{article_id}/publish")] = Bodies(
    probes=[lambda own, t: {}, lambda own, t: {"version": 1}]
)
#: The tree is the caller's tenant's own (no path id): saving one is a version of the
#: attacker's; a case naming the victim's asset is refused as a random asset is.
BODIES[("PUT", "/api/v1/after-sales/tree")] = Bodies(benign=[lambda own, t: _tree("atk clause")])
BODIES[("POST", "/api/v1/after-sales/tree/validate")] = Bodies(
    benign=[lambda own, t: _tree("atk clause")]
)
BODIES[("POST", "/api/v1/after-sales/evaluate")] = Bodies(
    benign=[lambda own, t: _case(), lambda own, t: _case(asset_id=own.asset_id)],
    refs=[
        Ref(
            "the victim's asset",
            lambda own, t: _case(asset_id=t.asset_id),
            "invalid_reference",
        ),
        Ref(
            "the victim's asset, its serial number and repairs to be looked up",
            lambda own, t: _case(asset_id=t.asset_id, serial_number=None, previous_repairs=None),
            "invalid_reference",
        ),
    ],
)

#: Answer without a token; everything else must say 401 not_authenticated.
PUBLIC: set[Key] = {
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
}
#: End the caller's session: walked last for each role.
SESSION_ENDING: set[Key] = {("POST", "/api/v1/auth/logout")}
#: Endless responses (server-sent events) cannot be read through the in-process client; their
#: tenant scope is proven on the event generators by tests/sync/test_stream.py
#: (test_stream_never_carries_another_tenants_changes) and tests/feed. Without a token they
#: are walked here.
STREAMS: set[Key] = {("GET", "/api/v1/sync/stream"), ("GET", "/api/v1/feed")}
#: Headers a route reads that name nothing of a tenant: the feed's resume position is a
#: number in the caller's own tenant's sequence (tests/feed prove the stream's scope).
HEADER_PARAMS = frozenset({"Last-Event-ID"})
#: Routes without a path id answering a document of the caller's own that may not exist yet
#: (the resolution report, until the work order is closed): 404 ``not_found`` then.
NOT_YET: set[Key] = {("GET", "/api/v1/portal/report.pdf")}
#: The customer portal: these take a portal link's token, never a staff one. Walked with the
#: attacker's portal token by test_a_portal_link_reaches_nothing_of_another_work_order.
PORTAL: set[Key] = {
    ("GET", "/api/v1/portal/work-order"),
    ("POST", "/api/v1/portal/uploads"),
    ("GET", "/api/v1/portal/uploads/{upload_id}"),
    ("POST", "/api/v1/portal/uploads/{upload_id}/complete"),
    ("POST", "/api/v1/portal/uploads/{upload_id}/abort"),
    ("GET", "/api/v1/portal/messages"),
    ("POST", "/api/v1/portal/messages"),
    ("POST", "/api/v1/portal/messages/read"),
    ("GET", "/api/v1/portal/report.pdf"),
}
#: IoT terminals sign their requests with their own secret instead of holding a token. Walked
#: signed by the attacker tenant's terminal by test_a_terminal_reaches_nothing_of_another_tenant.
TERMINAL: set[Key] = {
    ("POST", "/api/v1/iot/alarms"),
    ("POST", "/api/v1/iot/heartbeat"),
    ("POST", "/api/v1/iot/sync/alarms/push"),
    ("GET", "/api/v1/iot/sync/config/pull"),
}
#: The local media store's links: no bearer token, the HMAC-signed token in the path is the
#: credential and names one object and one use (tests/media/test_stores.py: an altered,
#: expired or oversized link is refused). Not walked here; the schema must still have them.
SIGNED_LINKS: set[Key] = {("PUT", "/media/local/{token}"), ("GET", "/media/local/{token}")}
#: Chat platforms' status queries: no token, signed with a chat channel's secret, the channel
#: named in the query string. Walked by test_a_chat_channel_reaches_nothing_of_another_tenant.
CHAT_WEBHOOK: set[Key] = {
    ("POST", "/api/v1/chat/status-query"),
    ("GET", "/api/v1/chat/status-query"),
}
#: The customer's web page, its photo, report and message form (the link's token in the path)
#: and its static assets: outside the schema, walked by
#: test_a_portal_page_reaches_nothing_of_another_work_order.
PAGES: set[Key] = {
    ("GET", "/p/{token}"),
    ("GET", "/p/{token}/handler.jpg"),
    ("GET", "/p/{token}/report.pdf"),
    ("POST", "/p/{token}/messages"),
    ("GET", "/assets/portal/{file_path}"),
}

#: Listings whose answer repeats a query parameter as sent: (parameter, answer field). The
#: victim's marker searched for comes back there, and only there.
ECHOES: dict[Key, tuple[str, str]] = {("GET", "/api/v1/kb/search"): ("q", "query")}

#: Codes a non-admin attacker may get instead of a Ref's code (role or state refuses first).
ROLE_REFUSALS = {"forbidden", "field_not_editable", "illegal_transition"}


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    has_body: bool
    naming: tuple[tuple[str, str], ...] = ()  # values of NAMING_PARAMS for this walk
    required_query: tuple[str, ...] = ()  # sent with every request of a listing

    @property
    def key(self) -> Key:
        return (self.method, self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template} {dict(self.naming) or ''}".rstrip()


async def load_operations(client: Client) -> list[Operation]:
    """Every operation of the served OpenAPI schema; fails on anything the walker cannot drive."""
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    schema = response.json()
    operations: list[Operation] = []
    unknown: list[str] = []
    signed_links_seen: set[Key] = set()
    for template, item in schema["paths"].items():
        shared = item.get("parameters", [])
        for method, spec in item.items():
            if method not in HTTP_METHODS:
                continue
            op_name = f"{method.upper()} {template}"
            if (method.upper(), template) in SIGNED_LINKS:
                signed_links_seen.add((method.upper(), template))
                continue
            if (method.upper(), template) in CHAT_WEBHOOK:
                continue
            params = [*shared, *spec.get("parameters", [])]
            in_template = tuple(re.findall(r"\{(\w+)\}", template))
            path_params = tuple(p for p in in_template if p not in NAMING_PARAMS)
            declared = {p["name"] for p in params if p["in"] == "path"}
            if declared != set(in_template):
                unknown.append(f"{op_name}: path parameters {declared} vs template")
            query_params = tuple(p["name"] for p in params if p["in"] == "query")
            required_query = tuple(
                p["name"] for p in params if p["in"] == "query" and p.get("required")
            )
            for p in params:
                if p["in"] == "path" and p["name"] not in PATH_PARAMS | NAMING_PARAMS:
                    unknown.append(f"{op_name}: unknown path parameter {p['name']!r}")
                elif p["in"] == "query" and p["name"] not in QUERY_PARAMS:
                    unknown.append(f"{op_name}: unknown query parameter {p['name']!r}")
                elif p["in"] == "header" and p["name"] in HEADER_PARAMS:
                    continue
                elif p["in"] not in ("path", "query"):
                    unknown.append(f"{op_name}: unknown {p['in']} parameter {p['name']!r}")
            naming_names = [p for p in in_template if p in NAMING_PARAMS]
            for values in itertools.product(*(NAMING_PARAMS[n] for n in naming_names)):
                operations.append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        path_params=path_params,
                        query_params=query_params,
                        has_body="requestBody" in spec,
                        naming=tuple(zip(naming_names, values, strict=True)),
                        required_query=required_query,
                    )
                )
            op = operations[-1]
            bodies = BODIES.get(op.key)
            if op.has_body and bodies is None:
                unknown.append(f"{op_name}: no sample request body in BODIES")
            if bodies is not None and op.path_params and not bodies.probes:
                unknown.append(f"{op_name}: no probe body for a victim id in the path")
            if bodies is not None and not op.path_params and not (bodies.refs or bodies.benign):
                unknown.append(f"{op_name}: no body for a route without a path id")
            if not op.path_params and op.method != "GET" and bodies is None:
                unknown.append(f"{op_name}: a non-GET route without a path id needs BODIES")
    assert not unknown, "The tenant-isolation walker does not know:\n" + "\n".join(unknown)
    assert signed_links_seen == SIGNED_LINKS, f"signed link routes: {signed_links_seen}"
    assert operations, "the schema lists no operations"
    return operations


# Building the scene ---------------------------------------------------------------------------


@dataclass
class Scene:
    client: Client
    victim_world: World
    attacker_world: World
    victim: Side
    own: Side
    victim_assets: list[str]
    victim_work_orders: list[str]
    fingerprint: frozenset[str]
    views: dict[tuple[str, str], tuple[int, str]]
    victim_rows: dict[str, dict[str, dict[str, Any]]]
    created: set[str] = field(default_factory=set)
    # Versions the walk saved on purpose, as (table, version): a rule set or an after-sales
    # tree is a row per version whose id is not shown.
    created_versions: set[tuple[str, int]] = field(default_factory=set)


async def ok(world: World, who: str, method: str, url: str, **kwargs: Any) -> Any:
    response = await world.call(who, method, url, **kwargs)
    assert response.status_code in (200, 201), f"{method} {url}: {response.text}"
    return response.json()


async def build_victim(world: World) -> tuple[Side, list[str], list[str], set[str]]:
    """A tenant with distinctive data: every name carries a marker no other tenant uses."""
    marker = f"VIC{uuid.uuid4().hex[:10]}"
    # Registered first: the victim's assignments below leave push deliveries to it.
    push_device = str(uuid.uuid4())
    await ok(
        world,
        "eng_a",
        "POST",
        "/api/v1/devices",
        json={**_DEVICE, "id": push_device, "push_token": VICTIM_PUSH_TOKEN, "locale": "zh-CN"},
    )
    phones = {f"+1 555 {uuid.uuid4().int % 10**8:08d}" for _ in USERS}
    for (name, _, _), phone in zip(USERS, sorted(phones), strict=True):
        await ok(
            world,
            "admin",
            "PATCH",
            f"/api/v1/users/{world.users[name]}",
            json={"display_name": f"{marker} {name}", "phone": phone},
        )
    for name, team_id in world.teams.items():
        await ok(
            world, "admin", "PATCH", f"/api/v1/teams/{team_id}", json={"name": f"{marker} {name}"}
        )
    contact_phone = f"+1 556 {uuid.uuid4().int % 10**8:08d}"
    phones.add(contact_phone)
    await ok(
        world,
        "dispatcher",
        "PATCH",
        f"/api/v1/customers/{world.customer_id}",
        json={
            "name": f"{marker} Cold Chain",
            "contacts": [
                {
                    "name": f"{marker} Contact",
                    "phone": contact_phone,
                    "email": f"{marker.lower()}@victim.example",
                }
            ],
        },
    )
    await ok(
        world,
        "dispatcher",
        "PATCH",
        f"/api/v1/sites/{world.site_id}",
        json={"name": f"{marker} Cold store", "address": f"{marker} Harbour Road 1"},
    )
    await ok(
        world,
        "dispatcher",
        "PATCH",
        f"/api/v1/assets/{world.asset_id}",
        json={"name": f"{marker} Old freezer", "serial_number": f"{marker}-SN-1"},
    )
    asset = await ok(
        world,
        "dispatcher",
        "POST",
        "/api/v1/assets",
        json={
            "site_id": str(world.site_id),
            "device_code": f"{marker}-FR-7",
            "name": f"{marker} Freezer",
            "serial_number": f"{marker}-SN-7",
            # The attacker's asset has the same family: its engineers' first sync of the
            # articles sends their family's first, which must be the attacker's own only.
            "family": "Cold room",
        },
    )
    # Two earlier work orders, so the main one's number is not one the attacker also has.
    spare = await world.create_work_order(
        title=f"{marker} spare", team_id=str(world.teams["team_b"])
    )
    gone = await world.create_work_order(title=f"{marker} cancelled")
    await world.transition("dispatcher", gone["id"], "cancelled", reason=f"{marker} duplicate")
    main = await world.create_work_order(
        title=f"{marker} Freezer room too warm",
        description=f"{marker} -12C instead of -18C",
        priority="P1",
        site_id=str(world.site_id),
        asset_id=asset["id"],
        customer_id=str(world.customer_id),
        environment=f"{marker} ambient 30C",
        tags=[marker.lower()],
    )
    await world.transition(
        "dispatcher", main["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    await world.transition("eng_a", main["id"], "accepted")
    note = await ok(
        world,
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{main['id']}/notes",
        json={"body": f"{marker} compressor is noisy"},
    )
    item = await ok(
        world,
        "dispatcher",
        "POST",
        f"/api/v1/work-orders/{main['id']}/checklist",
        json={"label": f"{marker} check the door seal", "required": True},
    )
    await ok(
        world,
        "eng_a",
        "PATCH",
        f"/api/v1/work-orders/{main['id']}/checklist/{item['id']}",
        json={"done": True, "value": f"{marker} seal ok"},
    )
    page = await ok(world, "dispatcher", "GET", "/api/v1/work-orders", params={"limit": 1})
    assert page["next_cursor"], page
    # The knowledge base: a published article (its next version saved, unpublished), a
    # draft, and the main work order's note citing the article.
    article = await ok(
        world,
        "admin",
        "POST",
        "/api/v1/kb/articles",
        json=_article(
            f"{marker} compressor trips",
            brand=f"{marker} Frost",
            fault_codes=[{"code": f"{marker}-E1", "meaning": f"{marker} overload"}],
            tags=[marker.lower()],
            asset_families=["Cold room", f"{marker} family"],
            device_code_prefixes=[f"{marker}-FR"],
            publish=True,
        ),
    )
    await ok(
        world,
        "supervisor",
        "PUT",
        f"/api/v1/kb/articles/{article['id']}",
        json=_article(f"{marker} compressor trips, revised", expected_version=1),
    )
    draft = await ok(
        world, "supervisor", "POST", "/api/v1/kb/articles", json=_article(f"{marker} draft")
    )
    citing = await ok(
        world,
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{main['id']}/notes",
        json={"body": f"{marker} reset the relay", "kb_article_id": article["id"]},
    )
    assert citing["kb_article_id"] == article["id"]
    citations = await ok(world, "dispatcher", "GET", f"/api/v1/work-orders/{main['id']}/citations")
    assert [c["article_id"] for c in citations["items"]] == [article["id"]]
    articles = await ok(world, "admin", "GET", "/api/v1/kb/articles", params={"limit": 1})
    assert articles["next_cursor"], articles
    found = await ok(world, "eng_a", "GET", "/api/v1/kb/search", params={"q": marker})
    assert [hit["article_id"] for hit in found["items"]] == [article["id"]], found
    # An engineer's first sync of the articles, one at a time: a checkpoint in parts.
    first = await ok(world, "eng_a", "GET", "/api/v1/sync/kb_articles/pull", params={"limit": 1})
    assert [d["id"] for d in first["documents"]] == [article["id"]], first
    # Two versions of an after-sales tree of its own.
    for expected in (None, 1):
        await ok(
            world,
            "admin",
            "PUT",
            "/api/v1/after-sales/tree",
            json={**_tree(f"{marker} clause"), "expected_version": expected},
        )
    # A terminal on the main work order's asset, whose alarms open a work order of their own.
    terminal = await world.register_terminal(
        f"{marker}-T-1",
        asset_id=uuid.UUID(asset["id"]),
        model=f"{marker} probe",
        thresholds={"over_temperature": -18.0},
    )
    alarm_ids = [f"vic-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    posted = await terminal.post_alarms(*(alarm(alarm_id) for alarm_id in alarm_ids))
    alarm_work_order = posted["outcomes"][0]["work_order_id"]
    assert alarm_work_order not in (None, spare["id"], gone["id"], main["id"])
    # The alarm's P0 work order left unaccepted past its 15 minutes: escalated and breached.
    timers = TimerWorker(
        db=world.client.app.state.services.db,
        clock=lambda: datetime.now(UTC) + timedelta(minutes=20),
        tenant_id=world.tenant_id,
    )
    while await timers.run_once():
        pass
    escalations = await ok(world, "dispatcher", "GET", "/api/v1/sla/escalations")
    assert alarm_work_order in [item["work_order_id"] for item in escalations["items"]]
    alarms = await ok(world, "dispatcher", "GET", "/api/v1/alarms", params={"limit": 1})
    assert alarms["next_cursor"], alarms
    rules = await ok(
        world,
        "admin",
        "POST",
        "/api/v1/priority-rules",
        json=_rule(f"{marker} rule", kind="site", site_ids=[str(world.site_id)]),
    )
    zone = await ok(
        world,
        "admin",
        "POST",
        "/api/v1/zones",
        json={
            "name": f"{marker} zone",
            "team_id": str(world.teams["team_a"]),
            "site_id": str(world.site_id),
        },
    )
    calendar = await ok(
        world, "admin", "POST", "/api/v1/sla/calendars", json=_calendar(f"{marker} calendar")
    )
    sla_policy = await ok(
        world,
        "admin",
        "POST",
        "/api/v1/sla/policies",
        json=_policy(
            name=f"{marker} policy",
            priority="P1",
            calendar_id=calendar["id"],
            escalation=_paging(str(world.users["supervisor"])),
            description=f"{marker} gold customers",
        ),
    )
    shift = await ok(
        world, "dispatcher", "POST", "/api/v1/shifts", json=_shift(str(world.users["eng_a"]), 1)
    )
    await ok(
        world,
        "admin",
        "PUT",
        f"/api/v1/teams/{world.teams['team_b']}/auto-assignment",
        json={"enabled": True},
    )
    await ok(
        world,
        "dispatcher",
        "PUT",
        f"/api/v1/engineers/{world.users['eng_a']}/skills",
        json={"skills": [f"{marker.lower()}-skill"]},
    )
    session = await world.login("dispatcher", device_id="victim-phone")
    side = Side(
        slug=world.slug,
        tenant_id=str(world.tenant_id),
        users={name: str(user_id) for name, user_id in world.users.items()},
        teams={name: str(team_id) for name, team_id in world.teams.items()},
        customer_id=str(world.customer_id),
        site_id=str(world.site_id),
        asset_id=asset["id"],
        work_order_id=main["id"],
        checklist_item_id=item["id"],
        note_id=note["id"],
        marker=marker,
        number=main["number"],
        refresh_token=session["refresh_token"],
        device_id="victim-phone",
        cursor=page["next_cursor"],
        push_device=push_device,
        push_delivery=(await ok(world, "dispatcher", "GET", "/api/v1/push/deliveries"))["items"][0][
            "id"
        ],
        upload=(
            await ok(
                world,
                "eng_a",
                "POST",
                f"/api/v1/work-orders/{main['id']}/uploads",
                json=_upload(f"victim-{marker}"),
            )
        )["id"],
        evidence=await _verified_evidence(world, main["id"]),
        terminal_id=terminal.id,
        terminal=terminal,
        alarm_id=alarm_ids[0],
        alarm_work_order=alarm_work_order,
        alarm_cursor=alarms["next_cursor"],
        rule_id=rules["rules"][-1]["id"],
        zone_id=zone["id"],
        calendar_id=calendar["id"],
        policy_id=sla_policy["id"],
        shift_id=shift["id"],
        article_id=article["id"],
        draft_article_id=draft["id"],
        kb_cursor=articles["next_cursor"],
        kb_checkpoint=first["checkpoint"],
    )
    side.portal_link, side.portal_token, side.portal_upload = await _portal(world, main["id"])
    side.chat = await make_channel(world, name=f"{marker} WeChat")
    side.chat_channel = side.chat.id
    side.message = (
        await ok(
            world,
            "dispatcher",
            "POST",
            f"/api/v1/work-orders/{main['id']}/messages",
            json={"body": f"{marker} message to the customer"},
        )
    )["id"]
    # The report's draft names the marker: an answer showing it leaks it.
    await ok(
        world,
        "dispatcher",
        "PUT",
        f"/api/v1/work-orders/{main['id']}/report",
        json={"root_cause": f"{marker} root cause", "parts_used": [{"name": f"{marker} part"}]},
    )
    extra = {session["access_token"], side.portal_token, terminal.secret, side.chat.secret, *phones}
    orders = [spare["id"], gone["id"], main["id"], alarm_work_order]
    return side, [str(world.asset_id), asset["id"]], orders, extra


def _zone_of(world: World) -> dict[str, Any]:
    return {"name": "own zone", "team_id": str(world.teams["team_a"]), "production_line": "own"}


async def build_attacker(world: World) -> Side:
    """The attacker's own rows, used where a request names its own ids (and victim ones)."""
    # The victim's family too: the attacker's engineer syncs the articles of it first.
    await ok(
        world, "admin", "PATCH", f"/api/v1/assets/{world.asset_id}", json={"family": "Cold room"}
    )
    work_order = await world.create_work_order(
        site_id=str(world.site_id),
        asset_id=str(world.asset_id),
        customer_id=str(world.customer_id),
    )
    wo = work_order["id"]
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    await world.transition("eng_a", wo, "accepted")
    note = await ok(
        world, "eng_a", "POST", f"/api/v1/work-orders/{wo}/notes", json={"body": "own note"}
    )
    article = await ok(
        world, "admin", "POST", "/api/v1/kb/articles", json=_article("own article", publish=True)
    )
    draft = await ok(world, "admin", "POST", "/api/v1/kb/articles", json=_article("own draft"))
    await ok(
        world,
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{wo}/notes",
        json={"body": "own citing note", "kb_article_id": article["id"]},
    )
    for _ in range(2):  # versions 1 and 2: every version the walk names is the attacker's own
        await ok(world, "admin", "PUT", "/api/v1/after-sales/tree", json=_tree("own clause"))
    item = await ok(
        world, "dispatcher", "POST", f"/api/v1/work-orders/{wo}/checklist", json={"label": "own"}
    )
    terminal = await world.register_terminal()
    posted = await terminal.post_alarms(alarm())
    calendar = await ok(
        world, "admin", "POST", "/api/v1/sla/calendars", json=_calendar("own calendar")
    )
    sla_policy = await ok(
        world,
        "admin",
        "POST",
        "/api/v1/sla/policies",
        json=_policy(name="own policy", priority="P1", calendar_id=calendar["id"]),
    )
    own = Side(
        slug=world.slug,
        tenant_id=str(world.tenant_id),
        users={name: str(user_id) for name, user_id in world.users.items()},
        teams={name: str(team_id) for name, team_id in world.teams.items()},
        customer_id=str(world.customer_id),
        site_id=str(world.site_id),
        asset_id=str(world.asset_id),
        work_order_id=wo,
        checklist_item_id=item["id"],
        note_id=note["id"],
        marker=f"ATK{uuid.uuid4().hex[:10]}",
        number=work_order["number"],
        device_id="attacker-walker",
        push_device=str(uuid.uuid4()),
        upload=(
            await ok(world, "eng_a", "POST", f"/api/v1/work-orders/{wo}/uploads", json=_upload())
        )["id"],
        evidence=await _verified_evidence(world, wo),
        terminal_id=terminal.id,
        terminal=terminal,
        alarm_id=posted["outcomes"][0]["id"],
        alarm_work_order=posted["outcomes"][0]["work_order_id"],
        rule_id=(await ok(world, "admin", "POST", "/api/v1/priority-rules", json=_rule("own")))[
            "rules"
        ][-1]["id"],
        zone_id=(await ok(world, "admin", "POST", "/api/v1/zones", json=_zone_of(world)))["id"],
        calendar_id=calendar["id"],
        policy_id=sla_policy["id"],
        article_id=article["id"],
        draft_article_id=draft["id"],
        shift_id=(
            await ok(
                world,
                "dispatcher",
                "POST",
                "/api/v1/shifts",
                json=_shift(str(world.users["eng_a"]), 2),
            )
        )["id"],
    )
    own.portal_link, own.portal_token, own.portal_upload = await _portal(world, wo)
    own.chat = await make_channel(world)
    own.chat_channel = own.chat.id
    return own


async def victim_views(
    world: World, side: Side, assets: list[str], orders: list[str]
) -> dict[tuple[str, str], tuple[int, str]]:
    """Everything the victim can read about itself, as (status, exact body text)."""
    reads: list[tuple[str, str]] = [(name, "/api/v1/me") for name, _, _ in USERS]
    reads += [("dispatcher", "/api/v1/users"), ("dispatcher", "/api/v1/teams")]
    reads += [("dispatcher", f"/api/v1/users/{user_id}") for user_id in side.users.values()]
    reads += [("dispatcher", f"/api/v1/teams/{team_id}") for team_id in side.teams.values()]
    reads += [
        ("dispatcher", "/api/v1/customers"),
        ("dispatcher", f"/api/v1/customers/{side.customer_id}"),
        ("dispatcher", "/api/v1/sites"),
        ("dispatcher", f"/api/v1/sites/{side.site_id}"),
        ("dispatcher", "/api/v1/assets"),
        *(("dispatcher", f"/api/v1/assets/{asset_id}") for asset_id in assets),
        ("dispatcher", "/api/v1/work-orders?limit=200"),
        ("eng_a", "/api/v1/work-orders?limit=200"),
        ("eng_a", f"/api/v1/work-orders/{side.work_order_id}"),
        ("dispatcher", "/api/v1/push/deliveries"),
        ("eng_a", "/api/v1/devices"),
        ("dispatcher", "/api/v1/iot/terminals"),
        ("dispatcher", f"/api/v1/iot/terminals/{side.terminal_id}"),
        ("dispatcher", "/api/v1/alarms"),
        ("dispatcher", f"/api/v1/work-orders/{side.alarm_work_order}/alarms"),
        ("dispatcher", "/api/v1/priority-rules"),
        ("dispatcher", "/api/v1/priority-rules/versions/1"),
        ("dispatcher", "/api/v1/zones"),
        ("dispatcher", "/api/v1/sla/escalations"),
        (
            "dispatcher",
            "/api/v1/shifts?until=2100-01-01T00:00:00Z",
        ),
        ("dispatcher", f"/api/v1/teams/{side.teams['team_b']}/auto-assignment"),
        ("dispatcher", f"/api/v1/engineers/{side.users['eng_a']}/skills"),
        ("dispatcher", f"/api/v1/queues/teams/{side.teams['team_a']}"),
        ("dispatcher", f"/api/v1/queues/engineers/{side.users['eng_a']}"),
        ("dispatcher", "/api/v1/sla/calendars"),
        ("dispatcher", f"/api/v1/sla/calendars/{side.calendar_id}"),
        ("dispatcher", "/api/v1/sla/policies"),
        ("admin", "/api/v1/kb/articles"),
        ("eng_a", "/api/v1/kb/articles"),
        ("admin", f"/api/v1/kb/articles/{side.article_id}"),
        ("admin", f"/api/v1/kb/articles/{side.article_id}?version=1"),
        ("eng_a", f"/api/v1/kb/articles/{side.article_id}"),
        ("admin", f"/api/v1/kb/articles/{side.article_id}/versions"),
        ("admin", f"/api/v1/kb/articles/{side.draft_article_id}"),
        ("eng_a", f"/api/v1/kb/search?q={side.marker}"),
        ("dispatcher", f"/api/v1/kb/citation-rate?start={RATE_START}&end={RATE_END}"),
        ("dispatcher", f"/api/v1/work-orders/{side.work_order_id}/citations"),
        ("dispatcher", f"/api/v1/work-orders/{side.work_order_id}/kb-suggestions"),
        ("eng_a", "/api/v1/sync/kb_articles/pull"),
        ("dispatcher", "/api/v1/sync/kb_articles/pull"),
        ("eng_a", "/api/v1/after-sales/tree"),
        ("eng_a", "/api/v1/after-sales/tree/versions/1"),
        ("admin", "/api/v1/chat/channels"),
        ("dispatcher", f"/api/v1/work-orders/{side.work_order_id}/messages"),
        ("dispatcher", f"/api/v1/work-orders/{side.work_order_id}/report"),
    ]
    for wo in orders:
        reads += [
            ("dispatcher", f"/api/v1/work-orders/{wo}"),
            ("dispatcher", f"/api/v1/work-orders/{wo}/notes"),
            ("dispatcher", f"/api/v1/work-orders/{wo}/checklist"),
        ]
    views: dict[tuple[str, str], tuple[int, str]] = {}
    for who, url in reads:
        response = await world.call(who, "GET", url)
        views[(who, url)] = (response.status_code, response.text)
    assert '"items":[]' not in views[("dispatcher", "/api/v1/push/deliveries")][1]
    assert '"items":[]' not in views[("dispatcher", "/api/v1/alarms")][1]
    return views


#: Tables whose API id is not their primary key (an id chosen by the client, unique per tenant).
API_ID_COLUMNS = {"device_registry_device": "installation"}


#: Rows saved with a row the walk created (their ids are not shown): table -> the column
#: naming that row. An article's first version comes with it.
CREATED_WITH = {"knowledge_article_version": "article"}


# Failed logins are counted against the account named, whoever tries: an attacker's guesses
# at the victim's accounts are meant to change these (and slow the guessing down), and the
# per-account counts are keyed by the tenant slug typed, existing or not.
LOGIN_DEFENCES = {"accounts_login_throttle", "accounts_login_burst"}


async def dump_tenant(tenant_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Every row of every table that belongs to the tenant (every table but Tenant has a
    ``tenant`` column: that is what makes isolation checkable at all)."""
    tid = uuid.UUID(tenant_id)
    dump: dict[str, dict[str, dict[str, Any]]] = {}
    for table in ALL_TABLES:
        if table._meta.tablename in LOGIN_DEFENCES:
            continue
        primary_key = table._meta.primary_key
        if table is Tenant:
            rows = await table.select().where(primary_key == tid)
        else:
            columns = {column._meta.name: column for column in table._meta.columns}
            assert "tenant" in columns, f"{table._meta.tablename} is not scoped by tenant"
            rows = await table.select().where(columns["tenant"] == tid)
        key = API_ID_COLUMNS.get(table._meta.tablename, primary_key._meta.name)
        dump[table._meta.tablename] = {str(row[key]): row for row in rows}
    return dump


@pytest.fixture(scope="module")
async def scene(client: Client) -> Scene:
    """The victim (like the ``world`` fixture, plus distinctive data) and the attacker (like
    ``other_world``), the victim's views and rows before any attack, and its fingerprint."""
    victim_world = await make_world(client)
    attacker_world = await make_world(client)
    victim, assets, orders, extra = await build_victim(victim_world)
    own = await build_attacker(attacker_world)
    views = await victim_views(victim_world, victim, assets, orders)
    assert all(status == 200 for status, _ in views.values()), views
    text = "\n".join(body for _, body in views.values()).lower()
    ids = set(UUID_RE.findall(text)) | {
        value.lower() for value in victim.labels().values() if UUID_RE.fullmatch(value.lower())
    }
    # Numbers count per tenant: the attacker's own (its alarm's work order too) are not leaks.
    own_orders = await ok(
        attacker_world, "dispatcher", "GET", "/api/v1/work-orders", params={"limit": 200}
    )
    own_numbers = {item["number"].lower() for item in own_orders["items"]}
    assert own.number.lower() in own_numbers
    numbers = set(re.findall(r"wo-\d{4}-\d{6}", text)) - own_numbers
    tokens = {h["Authorization"].split(" ", 1)[1] for h in victim_world.headers.values()}
    fingerprint = frozenset(
        {
            *ids,
            *(uuid.UUID(value).hex for value in ids),
            *numbers,
            victim.marker.lower(),
            victim.slug.lower(),
            victim.refresh_token.lower(),
            *(value.lower() for value in tokens | extra),
        }
    )
    assert victim.number.lower() in fingerprint
    assert {victim.tenant_id, victim.work_order_id, victim.note_id} <= fingerprint
    assert {victim.terminal_id, victim.alarm_work_order} <= fingerprint
    assert {victim.article_id, victim.draft_article_id} <= fingerprint
    # The fingerprint names the victim only: nothing of the attacker's own data matches it,
    # and the victim's views hold nothing of the attacker.
    own_views = [
        await attacker_world.call("dispatcher", "GET", url)
        for url in (
            f"/api/v1/work-orders/{own.work_order_id}",
            "/api/v1/work-orders?limit=200",
            "/api/v1/users",
            "/api/v1/teams",
            "/api/v1/customers",
            "/api/v1/sites",
            "/api/v1/assets",
            "/api/v1/iot/terminals",
            "/api/v1/alarms",
            "/api/v1/sla/calendars",
            "/api/v1/sla/policies",
            "/api/v1/kb/articles",
            f"/api/v1/work-orders/{own.work_order_id}/citations",
            "/api/v1/after-sales/tree",
        )
    ]
    for response in own_views:
        assert response.status_code == 200, response.text
        assert not find_leaks(response, fingerprint, ""), response.text
    own_ids = set(UUID_RE.findall("\n".join(r.text for r in own_views).lower()))
    # What the attacker's own work order is suggested, its words found and its engineer's first
    # sync of the articles sends: its own article only, though the victim's shares all three
    # (the family "Cold room", the word "overload").
    await assert_finds_own_articles_only(attacker_world, own)
    assert own.tenant_id not in text, "victim views show the attacker's tenant"
    assert not own_ids & ids, "victim views show attacker ids"
    return Scene(
        client=client,
        victim_world=victim_world,
        attacker_world=attacker_world,
        victim=victim,
        own=own,
        victim_assets=assets,
        victim_work_orders=orders,
        fingerprint=fingerprint,
        views=views,
        victim_rows=await dump_tenant(victim.tenant_id),
    )


async def assert_finds_own_articles_only(world: World, own: Side) -> None:
    """Search, suggestions and the engineers' sync of the articles find the tenant's own."""
    found = await ok(world, "eng_a", "GET", "/api/v1/kb/search", params={"q": "overload"})
    assert [hit["article_id"] for hit in found["items"]] == [own.article_id], found
    url = f"/api/v1/work-orders/{own.work_order_id}/kb-suggestions"
    suggested = await ok(world, "dispatcher", "GET", url)
    assert [item["article_id"] for item in suggested["items"]] == [own.article_id], suggested
    for who in ("eng_a", "dispatcher"):  # in parts (its families first), and whole
        pulled = await ok(world, who, "GET", "/api/v1/sync/kb_articles/pull")
        assert [doc["id"] for doc in pulled["documents"]] == [own.article_id], pulled


# Checking answers -------------------------------------------------------------------------------


def find_leaks(
    response: httpx.Response, fingerprint: frozenset[str], request_text: str, echoed: str = ""
) -> list[str]:
    """Victim strings in the answer (body and headers). An error may echo what the request
    itself sent (a 404 names the id it did not find); a success may not even do that, but
    for ``echoed``: the one place of the answer that repeats the request (a search's query)."""
    text = response.text.replace(echoed, "", 1) if echoed else response.text
    seen = (text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())).lower()
    echo = request_text.lower() if response.status_code >= 400 else ""
    return sorted(item for item in fingerprint if item in seen and item not in echo)


def error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return code if isinstance(code, str) else None
    return None


def normalized(response: httpx.Response, side: Side) -> tuple[int, str]:
    text = response.text
    for label, value in sorted(side.labels().items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, f"<{label}>")
    return response.status_code, text


@dataclass
class Walker:
    """Sends the requests of one walk and collects every problem (not only the first)."""

    scene: Scene
    role: str | None  # None: no token at all; "terminal": signed by ``signer``
    headers: dict[str, str]
    signer: Signer | None = None
    problems: list[str] = field(default_factory=list)
    calls: int = 0

    async def send(
        self,
        op: Operation,
        sources: dict[str, Side],
        body: Any,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        signer: Signer | None = None,
    ) -> tuple[httpx.Response, str, str]:
        naming = dict(op.naming)
        params_of = {**PATH_PARAMS, **ROUTE_PATH_PARAMS.get(op.key, {})}
        url = re.sub(
            r"\{(\w+)\}",
            lambda m: naming.get(m.group(1)) or params_of[m.group(1)](sources[m.group(1)]),
            op.template,
        )
        signer = signer or (self.signer if headers is None else None)
        if signer is None:
            kwargs: dict[str, Any] = {}
            sent_headers = self.headers if headers is None else headers
            if isinstance(body, RawBody):
                kwargs["content"] = body.content
                sent_headers = {**sent_headers, "Content-Type": body.content_type}
            elif body is not None:
                kwargs["json"] = body
            response = await self.scene.client.request(
                op.method, url, headers=sent_headers, params=params, **kwargs
            )
        else:  # signed over the exact path, query and body bytes sent
            content = b"" if body is None else json.dumps(body).encode()
            request = self.scene.client.build_request(
                op.method, url, params=params, content=content, headers=headers
            )
            request.headers.update(signer(op.method, request.url.raw_path.decode(), content))
            response = await self.scene.client.send(request)
        self.calls += 1
        shown = f"{op.method} {url}" + (f" ?{params}" if params else "")
        written = repr(body) if isinstance(body, RawBody) else json.dumps(body)
        shown += f" {written}" if body is not None else ""
        request_text = url + written + json.dumps(params or {})
        return response, shown, request_text

    def check(self, ok: bool, what: str, shown: str, response: httpx.Response) -> None:
        if not ok:
            self.problems.append(
                f"[{self.role or 'no token'}] {shown}: {what}; got {response.status_code} "
                f"{response.text[:300]}"
            )

    def check_common(
        self, shown: str, response: httpx.Response, request_text: str, echoed: str = ""
    ) -> None:
        self.check(response.status_code < 500, "a server error", shown, response)
        leaks = find_leaks(response, self.scene.fingerprint, request_text, echoed)
        self.check(not leaks, f"victim data in the answer: {leaks}", shown, response)

    async def walk(self, op: Operation) -> None:
        if op.key in STREAMS or (op.key in PORTAL) != (self.role == "portal"):
            return
        if (op.key in TERMINAL) != (self.role == "terminal"):
            return
        bodies = BODIES.get(op.key, Bodies())
        if op.path_params:
            await self.walk_victim_paths(op, bodies)
            for ref in bodies.refs:
                await self.walk_ref(op, ref)
        elif op.method == "GET":
            await self.walk_collection(op)
        else:
            for benign in bodies.benign:
                await self.walk_benign(op, benign)
            for ref in bodies.refs:
                await self.walk_ref(op, ref)

    async def walk_victim_paths(self, op: Operation, bodies: Bodies) -> None:
        """Every mix of victim and own ids in the path (at least one victim id), each body:
        refused exactly as if the victim ids were random ones."""
        own, victim, nobody = self.scene.own, self.scene.victim, random_side()
        for combo in itertools.product(("victim", "own"), repeat=len(op.path_params)):
            if "victim" not in combo:
                continue
            for probe in bodies.probes or [None]:
                sides = {"victim": victim, "own": own}
                sources = {p: sides[c] for p, c in zip(op.path_params, combo, strict=True)}
                randoms = {
                    p: nobody if c == "victim" else own
                    for p, c in zip(op.path_params, combo, strict=True)
                }
                body = probe(own, victim) if probe else None
                response, shown, request_text = await self.send(op, sources, body)
                self.check_common(shown, response, request_text)
                code = error_code(response)
                self.check(
                    response.status_code in (403, 404) and code in ("forbidden", "not_found"),
                    "a victim id in the path must answer 404 (or the role's 403)",
                    shown,
                    response,
                )
                if self.role == "admin":
                    self.check(
                        response.status_code == 404 and code == "not_found",
                        "the admin (who passes every role check) must get 404 not_found",
                        shown,
                        response,
                    )
                random_body = probe(own, nobody) if probe else None
                baseline, _, _ = await self.send(op, randoms, random_body)
                self.check(
                    normalized(response, victim) == normalized(baseline, nobody),
                    f"differs from a random id ({baseline.status_code} {baseline.text[:200]}): "
                    "existence leaks",
                    shown,
                    response,
                )

    async def walk_ref(self, op: Operation, ref: Ref) -> None:
        """The attacker's own ids in the path, the victim's in the body: refused, as for
        random ids, and nothing is created or changed (checked on the rows afterwards)."""
        if not set(ref.only) <= set(op.naming):
            return
        own, victim, nobody = self.scene.own, self.scene.victim, random_side()
        sources = dict.fromkeys(op.path_params, own)
        response, shown, request_text = await self.send(op, sources, ref.body(own, victim))
        shown = f"{shown} ({ref.label})"
        self.check_common(shown, response, request_text)
        code = error_code(response)
        self.check(
            400 <= response.status_code < 500, "a victim reference must be refused", shown, response
        )
        expected = {ref.code} | ref.also
        if self.role in (None, "admin", "terminal"):  # no role check to pass first
            self.check(code in expected, f"expected {ref.code}", shown, response)
        else:
            self.check(code in expected | ROLE_REFUSALS, f"expected {ref.code}", shown, response)
        if ref.compare_with_random:
            baseline, _, _ = await self.send(op, sources, ref.body(own, nobody))
            self.check(
                normalized(response, victim) == normalized(baseline, nobody),
                f"differs from a random reference ({baseline.text[:200]}): existence leaks",
                shown,
                response,
            )

    async def walk_benign(self, op: Operation, benign: Body) -> None:
        """A route without a path id acting on the attacker's own tenant: it may succeed, and
        answers nothing of the victim."""
        response, shown, request_text = await self.send(
            op, {}, benign(self.scene.own, self.scene.victim)
        )
        self.check_common(shown, response, request_text)
        allowed = response.is_success or response.status_code in (401, 403, 404, 409, 422)
        if op.key in PUBLIC:
            allowed = response.is_success
        self.check(allowed, "unexpected status", shown, response)
        if response.is_success and response.content:
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("id"), str):
                self.scene.created.add(body["id"])
            if isinstance(body, dict) and isinstance(body.get("channel"), dict):
                self.scene.created.add(body["channel"]["id"])  # a chat channel and its secret
            if isinstance(body, dict) and isinstance(body.get("terminal"), dict):
                self.scene.created.add(body["terminal"]["id"])  # a terminal and its secret
            if isinstance(body, dict) and "rules" in body and "version" in body:
                self.scene.created_versions.add(("triage_rule_set", body["version"]))
            if isinstance(body, dict) and {"root", "nodes", "version"} <= set(body):
                self.scene.created_versions.add(("aftersales_tree", body["version"]))
            if isinstance(body, dict) and isinstance(body.get("refresh_token"), str):
                # A fresh session of the attacker's own, for the refresh route.
                self.scene.own.refresh_token = body["refresh_token"]

    async def walk_collection(self, op: Operation) -> None:
        """A listing: 200 or 403, with no parameter (its required ones only) and with each
        parameter naming (or searching for) the victim, answering exactly as for random ids."""
        victim, nobody = self.scene.victim, random_side()
        values = {
            name: ROUTE_QUERY_PARAMS.get(op.key, {}).get(name, QUERY_PARAMS[name])
            for name in op.query_params
        }
        # A required parameter is sent in every request, with its first value unless varied.
        base = {name: values[name][0] for name in op.required_query}
        variants = [base] + [
            {**base, name: value} for name in op.query_params for value in values[name]
        ]
        for chosen in variants:
            params = {name: value.value(victim) for name, value in chosen.items()} or None
            random_params = None
            if params and all(value.compare_with_random for value in chosen.values()):
                random_params = {name: value.value(nobody) for name, value in chosen.items()}
            victim_only = any(value.selects_victim_only for value in chosen.values())
            response, shown, request_text = await self.send(op, {}, None, params)
            echoed = ""
            if op.key in ECHOES and params:
                name, answer_field = ECHOES[op.key]
                echoed = f'"{answer_field}":{json.dumps(params[name])}'
                if response.status_code == 200:
                    self.check(
                        response.json().get(answer_field) == params[name],
                        f"{answer_field} echoes {name} as sent",
                        shown,
                        response,
                    )
            self.check_common(shown, response, request_text, echoed)
            if op.key in PUBLIC:
                self.check(response.is_success, "a public route must answer", shown, response)
            else:
                self.check(
                    response.status_code == 200
                    or (response.status_code == 403 and error_code(response) == "forbidden")
                    or (
                        op.key in NOT_YET
                        and response.status_code == 404
                        and error_code(response) == "not_found"
                    ),
                    "a listing answers 200 or 403",
                    shown,
                    response,
                )
            if victim_only and response.status_code == 200:
                items = response.json().get("items", response.json().get("documents"))
                self.check(
                    items == [], "a filter naming victim rows lists nothing", shown, response
                )
            if random_params is not None:
                baseline, _, _ = await self.send(op, {}, None, random_params)
                self.check(
                    normalized(response, victim) == normalized(baseline, nobody),
                    f"differs from a random filter ({baseline.text[:200]}): existence leaks",
                    shown,
                    response,
                )

    def assert_clean(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems)


async def assert_victim_unchanged(scene: Scene) -> None:
    """Byte for byte through the API (detail with version and timeline, notes, checklist,
    users, teams, customer, site, assets, each user's own session) and row for row."""
    views = await victim_views(
        scene.victim_world, scene.victim, scene.victim_assets, scene.victim_work_orders
    )
    changed = [
        f"{who} GET {url}" for (who, url), view in views.items() if view != scene.views[(who, url)]
    ]
    assert not changed, "victim views changed:\n" + "\n".join(changed)
    rows = await dump_tenant(scene.victim.tenant_id)
    for table, before in scene.victim_rows.items():
        assert rows[table] == before, f"victim rows of {table} changed"


def assert_only_created(
    before: dict[str, dict[str, dict[str, Any]]],
    after: dict[str, dict[str, dict[str, Any]]],
    scene: "Scene",
) -> None:
    """The attacker's own tenant: refused requests changed nothing; only what the walk
    created on purpose (by a successful benign request) is new."""
    for table, rows in before.items():
        for row_id, row in rows.items():
            assert after[table].get(row_id) == row, f"attacker row {table}/{row_id} changed"
        parent = CREATED_WITH.get(table)
        new = {
            row_id
            for row_id in set(after[table]) - set(rows)
            if (table, after[table][row_id].get("version")) not in scene.created_versions
            and not (parent and str(after[table][row_id][parent]) in scene.created)
        }
        assert new <= scene.created, (
            f"unexpected new attacker rows in {table}: {new - scene.created}"
        )


# The tests --------------------------------------------------------------------------------------


async def test_the_walker_knows_every_route_of_the_schema(scene: Scene) -> None:
    operations = await load_operations(scene.client)
    keys = {op.key for op in operations}
    stale = (set(BODIES) | PUBLIC | SESSION_ENDING | STREAMS | PORTAL | TERMINAL | NOT_YET) - keys
    assert not stale, f"the walker's tables name routes the schema does not have: {stale}"
    used = {name for op in operations for name in op.path_params}
    assert used == set(PATH_PARAMS), f"path parameter table out of date: {used ^ set(PATH_PARAMS)}"
    named = {name for op in operations for name, _ in op.naming}
    assert named == set(NAMING_PARAMS), f"naming table out of date: {named ^ set(NAMING_PARAMS)}"
    used_query = {name for op in operations for name in op.query_params}
    assert used_query == set(QUERY_PARAMS), (
        f"query table out of date: {used_query ^ set(QUERY_PARAMS)}"
    )
    # Every route the API serves is under the schema, so the walk covers the whole API.
    api_routes: set[Key] = set()
    for route in scene.client.app.routes:
        if route.path_format.startswith("/schema"):
            continue
        if not isinstance(route, HTTPRoute):  # a websocket or mounted app: walk it too
            api_routes.add((type(route).__name__, route.path_format))
            continue
        api_routes |= {(m, route.path_format) for m in route.methods - {"HEAD", "OPTIONS"}}
    walked = keys | SIGNED_LINKS | CHAT_WEBHOOK | PAGES
    assert api_routes == walked, f"routes missing from the schema: {api_routes ^ walked}"


@pytest.mark.parametrize("role", ATTACKER_ROLES)
async def test_another_tenant_reads_and_changes_nothing_on_any_route(
    scene: Scene, role: str
) -> None:
    """Every operation, as this role of the attacker tenant, with the victim's ids."""
    operations = await load_operations(scene.client)
    walker = Walker(scene, role, scene.attacker_world.headers[role])
    attacker_before = await dump_tenant(scene.own.tenant_id)
    for op in operations:
        if op.key not in PUBLIC and op.key not in SESSION_ENDING:
            await walker.walk(op)
    walker.assert_clean()
    await assert_victim_unchanged(scene)
    assert_only_created(attacker_before, await dump_tenant(scene.own.tenant_id), scene)
    for op in operations:
        if op.key in SESSION_ENDING:
            await walker.walk(op)
    walker.assert_clean()
    await assert_victim_unchanged(scene)  # includes every victim user's session (GET /me)


async def test_a_portal_link_reaches_nothing_of_another_work_order(scene: Scene) -> None:
    """Every portal route with the attacker tenant's portal token and the victim's ids (its
    customer's upload for ``upload_id``): answered exactly as for random ids, leaking nothing;
    and no staff token opens a portal route."""
    operations = [op for op in await load_operations(scene.client) if op.key in PORTAL]
    assert {op.key for op in operations} == PORTAL
    portal_scene = dataclasses.replace(
        scene,
        victim=dataclasses.replace(scene.victim, upload=scene.victim.portal_upload),
        own=dataclasses.replace(scene.own, upload=scene.own.portal_upload),
    )
    walker = Walker(portal_scene, "portal", {"Authorization": f"Bearer {scene.own.portal_token}"})
    attacker_before = await dump_tenant(scene.own.tenant_id)
    for op in operations:
        await walker.walk(op)
        bodies = BODIES.get(op.key, Bodies())
        candidates = [*bodies.probes, *bodies.benign]
        body = candidates[0](scene.own, scene.victim) if candidates else None
        for role in ATTACKER_ROLES:
            response, shown, request_text = await walker.send(
                op,
                dict.fromkeys(op.path_params, portal_scene.own),
                body,
                headers=scene.attacker_world.headers[role],
            )
            walker.check_common(f"{shown} [{role}'s staff token]", response, request_text)
            walker.check(
                response.status_code == 401 and error_code(response) == "token_invalid",
                "a staff token must not open a portal route",
                shown,
                response,
            )
    walker.assert_clean()
    await assert_victim_unchanged(scene)
    assert_only_created(attacker_before, await dump_tenant(scene.own.tenant_id), scene)


class VisitId(msgspec.Struct):
    id: uuid.UUID


OWN_VISITS = Statement("SELECT id FROM portal_visit WHERE link = :link")


async def test_a_portal_page_reaches_nothing_of_another_work_order(scene: Scene) -> None:
    """The page routes take the link's token in the path. The attacker's own link shows its
    own work order and nothing of the victim's; a tampered victim token, a made-up one, a
    staff token in the path, or a staff token in the header with any of them, get the same
    404 page and reach nothing; the message form sends nothing through them; the assets
    serve our files only."""
    own, victim, client = scene.own, scene.victim, scene.client
    walker = Walker(scene, "page", {})
    attacker_before = await dump_tenant(own.tenant_id)
    staff = scene.attacker_world.headers["admin"]
    end = "AA" if not victim.portal_token.endswith("AA") else "BB"
    strangers = {
        "a tampered victim token": victim.portal_token[:-2] + end,
        "a made-up token": f"fpt_{uuid.uuid4().hex}{uuid.uuid4().hex}",
        "a staff access token": staff["Authorization"].split()[1],
        "the attacker's token, lengthened": own.portal_token + "x",
    }
    for path in ("", "/handler.jpg", "/report.pdf"):
        url = f"/p/{own.portal_token}{path}"
        response = await client.get(url, headers=staff)
        walker.check_common(f"GET {url}", response, url)
        walker.check(response.status_code in (200, 404), "unexpected status", url, response)
    refusals = set()
    for label, token in strangers.items():
        for path in ("", "/handler.jpg", "/report.pdf"):
            url = f"/p/{token}{path}"
            response = await client.get(url, headers=staff)
            walker.check_common(f"GET {url} ({label})", response, url)
            walker.check(response.status_code == 404, "must be 404", url, response)
            if not path:
                refusals.add(response.text)
        url = f"/p/{token}/messages"
        response = await client.post(url, data={"body": "hello"}, headers=staff)
        walker.check_common(f"POST {url} ({label})", response, url)
        walker.check(
            response.status_code == 303 and response.headers["location"] == f"/p/{token}",
            "the form must send nothing and go back to the (refused) page",
            url,
            response,
        )
    assert len(refusals) == 1, "the refusal page must not tell one bad token from another"
    # The attacker's own page views are counted, in its own tenant.
    visits = await client.app.state.services.db.fetch(
        OWN_VISITS, VisitId, link=uuid.UUID(own.portal_link)
    )
    scene.created.update(str(visit.id) for visit in visits)
    script = await client.get("/assets/portal/portal.js")
    assert script.status_code == 200
    for escape in ("..%2F..%2Fserver%2Fsettings.py", "%2E%2E/%2E%2E/pyproject.toml"):
        response = await client.get(f"/assets/portal/{escape}")
        walker.check(response.status_code == 404, "outside the assets", escape, response)
    walker.assert_clean()
    await assert_victim_unchanged(scene)
    assert_only_created(attacker_before, await dump_tenant(own.tenant_id), scene)


def _forge(claims: dict[str, Any], key: str) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


async def test_a_terminal_reaches_nothing_of_another_tenant(scene: Scene) -> None:
    """Every terminal route signed by the attacker tenant's terminal, with the victim's ids
    in the bodies: alarms naming the victim's asset are refused as a random asset is, the
    terminal pulls and is answered its own configuration only, nothing of the victim is
    answered or changed; and no staff or portal token opens a terminal route."""
    operations = [op for op in await load_operations(scene.client) if op.key in TERMINAL]
    assert {op.key for op in operations} == TERMINAL
    own = scene.own.terminal
    assert own is not None
    walker = Walker(scene, "terminal", {}, signer=own.headers)
    tokens = {
        **{f"{role}'s staff token": scene.attacker_world.headers[role] for role in ATTACKER_ROLES},
        "the attacker's portal link": {"Authorization": f"Bearer {scene.own.portal_token}"},
    }
    for op in operations:
        await walker.walk(op)
        bodies = BODIES.get(op.key, Bodies())
        body = bodies.benign[0](scene.own, scene.victim) if bodies.benign else None
        for kind, headers in tokens.items():
            response, shown, request_text = await walker.send(op, {}, body, headers=headers)
            walker.check_common(f"{shown} [{kind}]", response, request_text)
            walker.check(
                response.status_code == 401 and error_code(response) == "not_authenticated",
                "a token must not open a terminal route",
                f"{shown} [{kind}]",
                response,
            )
    # What a terminal is answered about a configuration is its own, whoever else there is.
    (pull,) = [op for op in operations if op.method == "GET"]
    response, shown, _ = await walker.send(pull, {}, None, {"checkpoint": "0"})
    documents = response.json()["documents"] if response.status_code == 200 else None
    walker.check(
        documents is not None and [d["id"] for d in documents] == [own.id],
        "a terminal pulls its own configuration",
        shown,
        response,
    )
    (heartbeat,) = [op for op in operations if op.template.endswith("/heartbeat")]
    response, shown, _ = await walker.send(heartbeat, {}, {"uptime_seconds": 61})
    answered = response.json().get("config", {}).get("id") if response.is_success else None
    walker.check(answered == own.id, "a heartbeat answers its own configuration", shown, response)
    walker.assert_clean()
    await assert_victim_unchanged(scene)
    # Whatever the walk stored is the attacker's: its terminal, its asset, its work order.
    rows = await dump_tenant(scene.own.tenant_id)
    stored = rows["alarms_alarm"].values()
    assert {str(row["terminal"]) for row in stored} == {own.id}
    assert {str(row["asset"]) for row in stored} == {scene.own.asset_id}
    assert {str(row["work_order"]) for row in stored} == {scene.own.alarm_work_order}


async def test_without_a_valid_token_only_the_public_routes_answer(
    scene: Scene, settings: Settings
) -> None:
    operations = await load_operations(scene.client)
    keys = {op.key for op in operations}
    assert keys >= PUBLIC
    victim, key = scene.victim, settings.signing_key()
    # A live session of the attacker's (eng_b never ends one in these tests).
    real = scene.attacker_world.headers["eng_b"]["Authorization"].split(" ", 1)[1]
    claims = jwt.decode(real, options={"verify_signature": False})
    header, _, signature = real.split(".")
    victim_claims = {**claims, "sub": victim.users["admin"], "tid": victim.tenant_id}
    tampered_payload = base64.urlsafe_b64encode(json.dumps(victim_claims).encode()).decode()
    # Proof the forging below is right: the same claims, signed with the key, are accepted.
    control = await scene.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {_forge(claims, key)}"}
    )
    assert control.status_code == 200, control.text
    assert control.json()["tenant_id"] == scene.own.tenant_id
    tokens: dict[str, tuple[dict[str, str], str]] = {
        "no token": ({}, "not_authenticated"),
        "not bearer": ({"Authorization": "Basic YWRtaW46cGFzc3dvcmQ="}, "not_authenticated"),
        "empty bearer": ({"Authorization": "Bearer "}, "not_authenticated"),
        "garbage": ({"Authorization": "Bearer not-a-token"}, "token_invalid"),
        "victim claims, another key": (
            {"Authorization": f"Bearer {_forge(victim_claims, 'x' * 48)}"},
            "token_invalid",
        ),
        "attacker token, tampered to the victim": (
            {"Authorization": f"Bearer {header}.{tampered_payload.rstrip('=')}.{signature}"},
            "token_invalid",
        ),
        "victim claims, alg none": (
            {"Authorization": f"Bearer {jwt.encode(victim_claims, None, algorithm='none')}"},
            "token_invalid",
        ),
        # Even with the key: the user must belong to the tenant and own the session.
        "signed, attacker user in the victim tenant": (
            {"Authorization": f"Bearer {_forge({**claims, 'tid': victim.tenant_id}, key)}"},
            "token_invalid",
        ),
        "signed, victim user on the attacker's session": (
            {"Authorization": f"Bearer {_forge(victim_claims, key)}"},
            "token_invalid",
        ),
        # A customer's portal link opens the portal routes only.
        "the attacker's portal link": (
            {"Authorization": f"Bearer {scene.own.portal_token}"},
            "token_invalid",
        ),
        "the victim's portal link": (
            {"Authorization": f"Bearer {victim.portal_token}"},
            "token_invalid",
        ),
    }
    walker = Walker(scene, None, {})
    public = sorted(
        (op for op in operations if op.key in PUBLIC), key=lambda op: "refresh" in op.template
    )
    for op in public:  # login before refresh: refresh spends the session login made
        await walker.walk(op)
    for op in operations:
        if op.key in PUBLIC:
            continue
        bodies = BODIES.get(op.key, Bodies())
        candidates = [*bodies.probes, *bodies.benign, *(ref.body for ref in bodies.refs)]
        body = candidates[0](scene.own, victim) if candidates else None
        sources = dict.fromkeys(op.path_params, victim)
        for kind, (headers, code) in tokens.items():
            if "portal link" in kind and op.key in PORTAL:
                continue  # walked with portal tokens above
            if op.key in TERMINAL:
                code = "not_authenticated"  # a token is no signature: the headers are missing
            response, shown, request_text = await walker.send(op, sources, body, headers=headers)
            shown = f"{shown} [{kind}]"
            walker.check_common(shown, response, request_text)
            walker.check(
                response.status_code == 401 and error_code(response) == code,
                f"must answer 401 {code}",
                shown,
                response,
            )
        if op.key in TERMINAL:
            for kind, (signer, codes) in forged_signatures(scene).items():
                response, shown, request_text = await walker.send(op, sources, body, signer=signer)
                shown = f"{shown} [{kind}]"
                walker.check_common(shown, response, request_text)
                walker.check(
                    response.status_code == 401 and error_code(response) in codes,
                    f"must answer 401 {' or '.join(sorted(codes))}",
                    shown,
                    response,
                )
    walker.assert_clean()
    await assert_victim_unchanged(scene)


def forged_signatures(scene: Scene) -> dict[str, tuple[Signer, set[str]]]:
    """Terminal requests that must not be taken: signed with the wrong secret (the victim's
    terminal id with the attacker's secret above all), for no terminal, or too late."""
    own, victim = scene.own.terminal, scene.victim.terminal
    assert own is not None
    assert victim is not None
    as_victim = dataclasses.replace(own, id=victim.id)
    no_secret = dataclasses.replace(own, secret="not-the-secret")
    nobody = dataclasses.replace(own, id=str(uuid.uuid4()))
    hour_ago = int(time.time()) - 3600

    def stale(method: str, path: str, body: bytes) -> dict[str, str]:
        return own.headers(method, path, body, timestamp=hour_ago)

    def unsigned_body(method: str, path: str, body: bytes) -> dict[str, str]:
        return own.headers(method, path, b"" if body else b"{}")

    def other_path(method: str, path: str, body: bytes) -> dict[str, str]:
        return own.headers(method, "/api/v1/iot/heartbeat?x=1", body)

    # A known terminal with a wrong signature is told so, an unknown id is told that: ids are
    # random UUIDs, shown to the tenant's staff and the terminal only.
    return {
        "the victim's terminal id, signed with the attacker's secret": (
            as_victim.headers,
            {"signature_invalid"},
        ),
        "the attacker's terminal, a wrong secret": (no_secret.headers, {"signature_invalid"}),
        "the attacker's signature of another body": (unsigned_body, {"signature_invalid"}),
        "the attacker's signature of another path": (other_path, {"signature_invalid"}),
        "a terminal id nobody has": (nobody.headers, {"terminal_unknown"}),
        "the attacker's terminal, an hour ago": (stale, {"timestamp_out_of_window"}),
    }


async def test_a_chat_channel_reaches_nothing_of_another_tenant(scene: Scene) -> None:
    """The attacker's own chat channel asking for the victim's work order by its number, as the
    victim customer's contact: answered exactly as a number nobody has; the victim's channel
    signed with the attacker's secret: refused exactly as a channel nobody has. Nothing of the
    victim is answered or changed."""
    victim, own = scene.victim, scene.own
    assert own.chat is not None
    assert victim.chat is not None
    customer = await ok(
        scene.victim_world, "dispatcher", "GET", f"/api/v1/customers/{victim.customer_id}"
    )
    phone = customer["contacts"][0]["phone"]
    walker = Walker(scene, "chat", {})
    asked = {
        text: await own.chat.generic(text, phone=phone)
        for text in (victim.number, "WO-2099-999999")
    }
    for text, response in asked.items():
        walker.check_common(f"chat query {text}", response, text + phone)
    answers = {(response.status_code, response.content) for response in asked.values()}
    assert len(answers) == 1, answers
    assert asked[victim.number].status_code == 200
    assert asked[victim.number].json()["card"] is None
    as_victim = dataclasses.replace(own.chat, id=victim.chat.id)
    as_nobody = dataclasses.replace(own.chat, id=str(uuid.uuid4()))
    refused = [await c.generic(victim.number, phone=phone) for c in (as_victim, as_nobody)]
    for response in refused:
        walker.check_common("chat query on the victim's channel", response, victim.chat.id)
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "signature_invalid"
    assert refused[0].json() == refused[1].json()
    walker.assert_clean()
    await assert_victim_unchanged(scene)


async def test_the_victim_tenant_still_works_after_the_attacks(scene: Scene) -> None:
    """Runs last: the victim's rows, sessions and logins survived everything above."""
    await assert_victim_unchanged(scene)
    world, victim = scene.victim_world, scene.victim
    # The refresh token the attacker sent to logout still rotates.
    response = await scene.client.post(
        "/api/v1/auth/refresh",
        json={"refresh_token": victim.refresh_token, "device_id": victim.device_id},
    )
    assert response.status_code == 200, response.text
    for name, _, _ in USERS:
        tokens = await world.login(name, device_id="after-attack")
        me = await scene.client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.status_code == 200, me.text
        assert me.json()["id"] == victim.users[name]
        assert me.json()["tenant_id"] == victim.tenant_id
    # And its work goes on: the assignee moves the work order on, the version counts on.
    before = scene.views[("dispatcher", f"/api/v1/work-orders/{victim.work_order_id}")][1]
    version = json.loads(before)["work_order"]["version"]
    moved = await world.transition("eng_a", victim.work_order_id, "en_route")
    assert moved.json()["work_order"]["version"] == version + 1
    # Its terminal still signs (nothing above rotated or revoked it) and reaches its own.
    assert victim.terminal is not None
    answer = await victim.terminal.send(
        "POST", "/api/v1/iot/heartbeat", {"uptime_seconds": 1}, expect=200
    )
    assert answer.json()["config"]["id"] == victim.terminal_id
