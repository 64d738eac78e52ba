"""The synced collections: how each one's documents are loaded (raw SQL, one query per page,
no ORM objects: pull is the hottest path of the product) and who may see which.

Documents are plain dicts shaped like the ``mobile_contract.sync`` Structs, plus RxDB's
``_deleted``. Later issues add collections here (``evidence``, ``kb_articles``, ``alarms``).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec

from sync import changelog
from sync.tables import SyncChange

Document = dict[str, Any]
Loader = Callable[[UUID, Sequence[UUID]], Awaitable[dict[UUID, Document]]]


def _uuid(value: Any) -> UUID | None:
    return None if value is None else value if isinstance(value, UUID) else UUID(str(value))


def _json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


async def _select(table: str, columns: str, tenant_id: UUID, ids: Sequence[UUID]) -> list[Any]:
    placeholders = ", ".join("{}" for _ in ids)
    sql = f"SELECT {columns} FROM {table} WHERE tenant = {{}} AND id IN ({placeholders})"  # noqa: S608 - constant names; values are bound
    rows: list[Any] = await SyncChange.raw(sql, tenant_id, *ids)
    return rows


WORK_ORDER_FIELDS = (
    "id",
    "number",
    "title",
    "description",
    "type",
    "priority",
    "status",
    "hold_reason",
    "channel",
    "site_id",
    "asset_id",
    "customer_id",
    "team_id",
    "assignee_id",
    "environment",
    "tags",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "version",
)
_WORK_ORDER_SQL = (
    "id, number, title, description, type, priority, status, hold_reason, channel, "
    "site AS site_id, asset AS asset_id, customer AS customer_id, team AS team_id, "
    "assignee AS assignee_id, environment, tags, created_at, updated_at, resolved_at, "
    "closed_at, version"
)
_REFS = ("id", "site_id", "asset_id", "customer_id", "team_id", "assignee_id")


async def load_work_orders(tenant_id: UUID, ids: Sequence[UUID]) -> dict[UUID, Document]:
    documents: dict[UUID, Document] = {}
    for row in await _select("workorders_work_order", _WORK_ORDER_SQL, tenant_id, ids):
        document = dict(row)
        for key in _REFS:
            document[key] = _uuid(document[key])
        document["tags"] = _json(document["tags"])
        document["_deleted"] = False
        documents[document["id"]] = document
    return documents


async def load_notes(tenant_id: UUID, ids: Sequence[UUID]) -> dict[UUID, Document]:
    columns = "id, work_order AS work_order_id, author AS author_id, body, created_at, device_time"
    documents: dict[UUID, Document] = {}
    for row in await _select("workorders_note", columns, tenant_id, ids):
        document = {**row, "_deleted": False}
        for key in ("id", "work_order_id", "author_id"):
            document[key] = _uuid(document[key])
        documents[document["id"]] = document
    return documents


async def load_checklist_items(tenant_id: UUID, ids: Sequence[UUID]) -> dict[UUID, Document]:
    columns = (
        "id, work_order AS work_order_id, position, label, required, done, value, "
        "updated_by AS updated_by_id, updated_at, version"
    )
    documents: dict[UUID, Document] = {}
    for row in await _select("workorders_checklist_item", columns, tenant_id, ids):
        document = {**row, "_deleted": False}
        for key in ("id", "work_order_id", "updated_by_id"):
            document[key] = _uuid(document[key])
        document["required"], document["done"] = bool(row["required"]), bool(row["done"])
        documents[document["id"]] = document
    return documents


async def load_sites(tenant_id: UUID, ids: Sequence[UUID]) -> dict[UUID, Document]:
    columns = (
        "id, customer AS customer_id, name, kind, address, latitude, longitude, timezone, "
        "created_at, updated_at"
    )
    documents: dict[UUID, Document] = {}
    for row in await _select("directory_site", columns, tenant_id, ids):
        document = {**row, "_deleted": False}
        document["id"], document["customer_id"] = _uuid(row["id"]), _uuid(row["customer_id"])
        documents[document["id"]] = document
    return documents


async def load_assets(tenant_id: UUID, ids: Sequence[UUID]) -> dict[UUID, Document]:
    columns = (
        "id, site AS site_id, device_code, name, model, family, production_line, "
        "system_module, serial_number, created_at, updated_at"
    )
    documents: dict[UUID, Document] = {}
    for row in await _select("directory_asset", columns, tenant_id, ids):
        document = {**row, "_deleted": False}
        document["id"], document["site_id"] = _uuid(row["id"]), _uuid(row["site_id"])
        documents[document["id"]] = document
    return documents


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    load: Loader
    # How an engineer's scope is decided: "owner" (the change log's owner is the engineer)
    # or "referenced" (sites/assets referenced by a work order assigned to the engineer).
    engineer_scope: str
    referenced_by: str = ""  # work-order column naming the referenced row
    writable: bool = False


COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(changelog.WORK_ORDERS, load_work_orders, "owner", writable=True),
        Collection(changelog.NOTES, load_notes, "owner", writable=True),
        Collection(changelog.CHECKLIST_ITEMS, load_checklist_items, "owner", writable=True),
        Collection(changelog.SITES, load_sites, "referenced", referenced_by="site"),
        Collection(changelog.ASSETS, load_assets, "referenced", referenced_by="asset"),
    )
}
