"""The synced collections: which table and columns make each one's documents, and who may see
which. Pull reads a page with one query (the change feed joined to the table), in raw SQL and
without ORM objects: it is the hottest path of the product.

Documents are plain dicts shaped like the ``mobile_contract.sync`` Structs, plus RxDB's
``_deleted``. Later issues add collections here (``kb_articles``, ``alarms``).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec

from kernel import sql
from kernel.rows import as_uuid
from sync import changelog
from sync.tables import SyncChange

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    table: str
    columns: tuple[tuple[str, str], ...]  # (document field, column), "id" first
    uuid_fields: tuple[str, ...]
    # How an engineer's scope is decided: "owner" (the change log's owner is the engineer)
    # or "referenced" (sites/assets referenced by a work order assigned to the engineer).
    engineer_scope: str
    referenced_by: str = ""  # work-order column naming the referenced row
    json_fields: tuple[str, ...] = ()
    bool_fields: tuple[str, ...] = ()
    writable: bool = False

    # The document's fields, as a pull sends them (besides ``_deleted``).
    fields: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(name for name, _ in self.columns))

    @property
    def key(self) -> str:
        """The column holding the document's id (a tenant's own id space for the rows devices
        make: ``client_id``)."""
        return self.columns[0][1]

    def select_list(self, alias: str) -> str:
        return ", ".join(f"{alias}.{column} AS {field}" for field, column in self.columns)

    def document(self, row: dict[str, Any]) -> Document:
        """A row of ``select_list`` as a document (driver types normalised: SQLite hands
        back JSON as text and booleans as integers)."""
        document = {field: row[field] for field, _ in self.columns}
        for name in self.uuid_fields:
            document[name] = as_uuid(document[name])
        for name in self.json_fields:
            value = document[name]
            document[name] = msgspec.json.decode(value) if isinstance(value, str) else value
        for name in self.bool_fields:
            document[name] = bool(document[name])
        document["_deleted"] = False
        return document

    async def load(self, tenant_id: UUID, ids: Sequence[UUID]) -> dict[UUID, Document]:
        """Documents by id (for push: a handful of ids at a time)."""
        if not ids:
            return {}
        statement = (
            f"SELECT {self.select_list('d')} FROM {self.table} AS d "  # noqa: S608 - constant names; values are bound
            f"WHERE d.tenant = {{}} AND d.{self.key} IN ({sql.placeholders(len(ids))})"
        )
        rows = await sql.fetch(SyncChange, statement, tenant_id, *ids)
        documents = (self.document(row) for row in rows)
        return {document["id"]: document for document in documents}


WORK_ORDERS = Collection(
    changelog.WORK_ORDERS,
    "workorders_work_order",
    (
        ("id", "id"),
        ("number", "number"),
        ("title", "title"),
        ("description", "description"),
        ("type", "type"),
        ("priority", "priority"),
        ("status", "status"),
        ("hold_reason", "hold_reason"),
        ("channel", "channel"),
        ("site_id", "site"),
        ("asset_id", "asset"),
        ("customer_id", "customer"),
        ("team_id", "team"),
        ("assignee_id", "assignee"),
        ("environment", "environment"),
        ("tags", "tags"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("resolved_at", "resolved_at"),
        ("closed_at", "closed_at"),
        ("version", "version"),
        ("status_history", "status_history"),
    ),
    ("id", "site_id", "asset_id", "customer_id", "team_id", "assignee_id"),
    "owner",
    json_fields=("tags", "status_history"),
    writable=True,
)
NOTES = Collection(
    changelog.NOTES,
    "workorders_note",
    (
        ("id", "client_id"),
        ("work_order_id", "work_order"),
        ("author_id", "author"),
        ("body", "body"),
        ("created_at", "created_at"),
        ("device_time", "device_time"),
    ),
    ("id", "work_order_id", "author_id"),
    "owner",
    writable=True,
)
CHECKLIST_ITEMS = Collection(
    changelog.CHECKLIST_ITEMS,
    "workorders_checklist_item",
    (
        ("id", "client_id"),
        ("work_order_id", "work_order"),
        ("position", "position"),
        ("label", "label"),
        ("required", "required"),
        ("done", "done"),
        ("value", "value"),
        ("updated_by_id", "updated_by"),
        ("updated_at", "updated_at"),
        ("version", "version"),
    ),
    ("id", "work_order_id", "updated_by_id"),
    "owner",
    bool_fields=("required", "done"),
    writable=True,
)
SITES = Collection(
    changelog.SITES,
    "directory_site",
    (
        ("id", "id"),
        ("customer_id", "customer"),
        ("name", "name"),
        ("kind", "kind"),
        ("address", "address"),
        ("latitude", "latitude"),
        ("longitude", "longitude"),
        ("timezone", "timezone"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ),
    ("id", "customer_id"),
    "referenced",
    referenced_by="site",
)
ASSETS = Collection(
    changelog.ASSETS,
    "directory_asset",
    (
        ("id", "id"),
        ("site_id", "site"),
        ("device_code", "device_code"),
        ("name", "name"),
        ("model", "model"),
        ("family", "family"),
        ("production_line", "production_line"),
        ("system_module", "system_module"),
        ("serial_number", "serial_number"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ),
    ("id", "site_id"),
    "referenced",
    referenced_by="asset",
)

EVIDENCE = Collection(
    changelog.EVIDENCE,
    "media_evidence",
    (
        ("id", "id"),
        ("work_order_id", "work_order"),
        ("seq", "seq"),
        ("entry", "entry"),
        ("upload_id", "upload"),
        ("kind", "kind"),
        ("requirement", "requirement"),
        ("content_type", "content_type"),
        ("size", "size"),
        ("sha256", "sha256"),
        ("captured_at", "captured_at"),
        ("latitude", "latitude"),
        ("longitude", "longitude"),
        ("details", "details"),
        ("target_id", "target"),
        ("reason", "reason"),
        ("recorded_by_id", "recorded_by"),
        ("recorded_at", "recorded_at"),
        ("entry_hash", "entry_hash"),
    ),
    ("id", "work_order_id", "upload_id", "target_id", "recorded_by_id"),
    "owner",
    json_fields=("details",),
)

COLLECTIONS: dict[str, Collection] = {
    c.name: c for c in (WORK_ORDERS, NOTES, CHECKLIST_ITEMS, SITES, ASSETS, EVIDENCE)
}
