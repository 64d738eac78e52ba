"""Writing the work-order row, shared by edits and transitions: a compare-and-set on its
version, and its entry in the sync change log."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel import sql
from kernel.context import Actor
from kernel.errors import VersionConflict
from media.tables import Evidence
from sync import changelog
from workorders.queries import WO
from workorders.tables import ChecklistItem, Note

# Row fields whose column is named otherwise, and those stored as JSON text.
_COLUMNS = {
    "site_id": "site",
    "asset_id": "asset",
    "customer_id": "customer",
    "team_id": "team",
    "assignee_id": "assignee",
}
_JSON_FIELDS = frozenset({"tags", "metadata", "status_history"})


async def write(
    actor: Actor, row: dict[str, Any], changes: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Compare-and-set on the version, so concurrent writers never overwrite each other.
    ``changes`` maps row fields to column values; answers the row as it is now."""
    after = {**row, **changes, "version": row["version"] + 1, "updated_at": now}
    names = [*changes, "version", "updated_at"]
    assignments = ", ".join(f"{_COLUMNS.get(name, name)} = {{}}" for name in names)
    values = [_json_text(after[n]) if n in _JSON_FIELDS else after[n] for n in names]
    updated = await sql.fetch(
        WO,
        f"UPDATE workorders_work_order SET {assignments} "  # noqa: S608 - constant names; values are bound
        "WHERE tenant = {} AND id = {} AND version = {} RETURNING id",
        *values,
        actor.tenant_id,
        row["id"],
        row["version"],
    )
    if not updated:
        current = await WO.select(WO.version).where(WO.id == row["id"]).first()
        raise VersionConflict("work order", row["version"], current["version"] if current else 0)
    return after


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def check_version(row: dict[str, Any], expected: int | None) -> None:
    if expected is not None and expected != row["version"]:
        raise VersionConflict("work order", expected, row["version"])


async def log_change(
    *, actor: Actor, row: dict[str, Any], now: datetime, previous_assignee: UUID | None = None
) -> None:
    """Put the work order in the sync change log (its owner is the assignee). When the
    assignee changes, its notes and checklist items follow it to the new engineer's device
    and leave the old one's, and its site and asset are sent again so the new engineer has
    them."""
    tenant, work_order_id, assignee = actor.tenant_id, row["id"], row["assignee_id"]
    await changelog.record(
        tenant_id=tenant,
        collection=changelog.WORK_ORDERS,
        document_id=work_order_id,
        now=now,
        owner=assignee,
        previous_owner=previous_assignee,
    )
    if previous_assignee == assignee:
        return
    followers = (  # rows that travel with the work order to its engineer's devices, by the
        # column holding their document id (device-made rows: the tenant's client_id)
        (Note, Note.client_id, changelog.NOTES),
        (ChecklistItem, ChecklistItem.client_id, changelog.CHECKLIST_ITEMS),
        (Evidence, Evidence.id, changelog.EVIDENCE),
    )
    for table, id_column, collection in followers:
        children = await table.select(id_column.as_alias("id")).where(
            (table.tenant == tenant) & (table.work_order == work_order_id)
        )
        for child in children:
            await changelog.record(
                tenant_id=tenant,
                collection=collection,
                document_id=child["id"],
                now=now,
                owner=assignee,
                previous_owner=previous_assignee,
            )
    for collection, key in ((changelog.SITES, "site_id"), (changelog.ASSETS, "asset_id")):
        if row[key] is not None:
            await changelog.record(
                tenant_id=tenant, collection=collection, document_id=row[key], now=now
            )
