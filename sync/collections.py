"""The synced collections, each declared once: its contract document Struct
(``mobile_contract.sync``), its table, the columns named otherwise than the fields, and who
may see which document. The pull and push statements are built from these at import
(``sync/sql.py``); pull builds documents as plain dicts from the values as stored, converting
only what its answer needs: it is the hottest path of the product.

Documents are plain dicts shaped like the contract Structs, plus RxDB's ``_deleted``.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import msgspec
import msgspec.inspect as inspect

from kernel.changes import Synced
from messaging.sql import MESSAGE_COLUMNS
from mobile_contract import sync as contract
from mobile_contract.knowledge import KbArticleDocument
from mobile_contract.messaging import MessageDocument
from workorders.sql import CHECKLIST_COLUMNS, NOTE_COLUMNS, WORK_ORDER_COLUMNS

Document = dict[str, Any]

# Fields of the contract documents that a device sends and the server does not store or send
# back: the device's clock at the change (recorded on the timeline, not on the document) and
# RxDB's deletion flag (every pulled document carries its own ``_deleted``).
CLIENT_ONLY = frozenset({"occurred_at", "deleted"})


def _kinds(kind: inspect.Type) -> tuple[inspect.Type, ...]:
    if isinstance(kind, inspect.UnionType):
        return tuple(member for member in kind.types if not isinstance(member, inspect.NoneType))
    return (kind,)


def _fields_of(document: type[msgspec.Struct], *kinds: type[inspect.Type]) -> tuple[str, ...]:
    """The synced fields of ``document`` whose type is one of ``kinds`` (or optional)."""
    info = inspect.type_info(document)
    assert isinstance(info, inspect.StructType)
    return tuple(
        f.name
        for f in info.fields
        if f.name not in CLIENT_ONLY and any(isinstance(k, kinds) for k in _kinds(f.type))
    )


@dataclass(frozen=True, slots=True)
class Collection:
    name: Synced
    document_type: type[msgspec.Struct]
    table: str
    columns: Mapping[str, str]  # document field -> column, where they differ
    # How an engineer's scope is decided: "owner" (the change log's owner is the engineer),
    # "referenced" (sites/assets referenced by a work order assigned to the engineer) or
    # "families" (the whole tenant's, those of the engineer's asset families first).
    engineer_scope: str
    referenced_by: str = ""  # work-order column naming the referenced row
    writable: bool = False

    # Derived from the document Struct: the fields a pull sends (besides ``_deleted``), "id"
    # first, and those the drivers hand back as text (UUIDs, JSON, SQLite's timestamps) or
    # integers (SQLite's booleans).
    fields: tuple[str, ...] = field(init=False)
    uuid_fields: tuple[str, ...] = field(init=False)
    json_fields: tuple[str, ...] = field(init=False)
    bool_fields: tuple[str, ...] = field(init=False)
    timestamp_fields: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(
            f.name for f in msgspec.structs.fields(self.document_type) if f.name not in CLIENT_ONLY
        )
        assert names[0] == "id"
        object.__setattr__(self, "fields", names)
        object.__setattr__(self, "uuid_fields", _fields_of(self.document_type, inspect.UUIDType))
        object.__setattr__(
            self, "json_fields", _fields_of(self.document_type, inspect.ListType, inspect.DictType)
        )
        object.__setattr__(self, "bool_fields", _fields_of(self.document_type, inspect.BoolType))
        object.__setattr__(
            self, "timestamp_fields", _fields_of(self.document_type, inspect.DateTimeType)
        )

    @property
    def key(self) -> str:
        """The column holding the document's id (a tenant's own id space for the rows devices
        make: ``client_id``)."""
        return self.columns.get("id", "id")

    def select_list(self, alias: str) -> str:
        return ", ".join(
            alias + "." + self.columns.get(name, name) + " AS " + name for name in self.fields
        )

    def documents(self, names: Sequence[str]) -> Callable[[Sequence[Any]], Document]:
        """Makes a document of a row of columns ``names`` as the driver stores it
        (``Database.fetch_stored``), converting only what the answer needs. SQLite's text
        UUIDs stay text (they encode to the same JSON); its text timestamps are read as UTC
        (as Piccolo reads them) and its 0/1 booleans as booleans; JSON text is decoded."""
        pick = itemgetter(*(names.index(name) for name in self.fields))
        fields, timestamps = self.fields, self.timestamp_fields
        flags, json_fields = self.bool_fields, self.json_fields

        def document(row: Sequence[Any]) -> Document:
            made = dict(zip(fields, pick(row), strict=True))
            for name in timestamps:
                value = made[name]
                if value.__class__ is str:
                    moment = datetime.fromisoformat(value)
                    made[name] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            for name in flags:
                made[name] = bool(made[name])
            for name in json_fields:
                value = made[name]
                if value.__class__ is str:
                    made[name] = msgspec.json.decode(value)
            made["_deleted"] = False
            return made

        return document

    def as_document(self, stored: msgspec.Struct) -> Document:
        """A typed stored document as a pull sends it (for a push's answer)."""
        document = {name: getattr(stored, name) for name in self.fields}
        document["_deleted"] = False
        return msgspec.to_builtins(document)  # type: ignore[no-any-return]


WORK_ORDERS = Collection(
    Synced.WORK_ORDERS,
    contract.WorkOrderDocument,
    "workorders_work_order",
    WORK_ORDER_COLUMNS,
    "owner",
    writable=True,
)
NOTES = Collection(
    Synced.NOTES, contract.NoteDocument, "workorders_note", NOTE_COLUMNS, "owner", writable=True
)
CHECKLIST_ITEMS = Collection(
    Synced.CHECKLIST_ITEMS,
    contract.ChecklistItemDocument,
    "workorders_checklist_item",
    CHECKLIST_COLUMNS,
    "owner",
    writable=True,
)
SITES = Collection(
    Synced.SITES,
    contract.SiteDocument,
    "directory_site",
    {"customer_id": "customer"},
    "referenced",
    referenced_by="site",
)
ASSETS = Collection(
    Synced.ASSETS,
    contract.AssetDocument,
    "directory_asset",
    {"site_id": "site"},
    "referenced",
    referenced_by="asset",
)
EVIDENCE = Collection(
    Synced.EVIDENCE,
    contract.EvidenceDocument,
    "media_evidence",
    {
        "work_order_id": "work_order",
        "upload_id": "upload",
        "target_id": "target",
        "recorded_by_id": "recorded_by",
    },
    "owner",
)

# Published knowledge-base articles, read-only: the app searches them offline.
KB_ARTICLES = Collection(Synced.KB_ARTICLES, KbArticleDocument, "knowledge_article", {}, "families")

# Messages with the customer of the engineer's work orders: new ones and read receipts go up.
MESSAGES = Collection(
    Synced.MESSAGES, MessageDocument, "messaging_message", MESSAGE_COLUMNS, "owner", writable=True
)

COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        WORK_ORDERS,
        NOTES,
        CHECKLIST_ITEMS,
        SITES,
        ASSETS,
        EVIDENCE,
        KB_ARTICLES,
        MESSAGES,
    )
}
