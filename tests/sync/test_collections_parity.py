"""Each synced collection sends exactly the fields its published contract document declares:
a field dropped from what a pull sends (or one sent that the contract does not promise) fails
here, before devices silently lose it."""

from typing import Any

import msgspec
import pytest

from sync.collections import CLIENT_ONLY, COLLECTIONS
from tests.factories import World
from tests.sync.test_pull import pull_all

# Contract fields a pull never sends, and why:
# - occurred_at: the device's clock at its change; the server records it on the timeline
#   (device_time), not on the document.
# - deleted: RxDB's ``_deleted`` flag, sent on every document under its wire name (below).
assert frozenset({"occurred_at", "deleted"}) == CLIENT_ONLY


def _promised(kind: type[msgspec.Struct]) -> set[str]:
    return {
        field.encode_name for field in msgspec.structs.fields(kind) if field.name not in CLIENT_ONLY
    } | {"_deleted"}


@pytest.fixture
async def documents(world: World) -> dict[str, dict[str, Any]]:
    """One live document of every collection, as the dispatcher pulls it."""
    created = await world.create_work_order(
        site_id=str(world.site_id), asset_id=str(world.asset_id)
    )
    url = f"/api/v1/work-orders/{created['id']}"
    await world.call("dispatcher", "POST", f"{url}/notes", json={"body": "Door seal"}, expect=201)
    await world.call(
        "dispatcher", "POST", f"{url}/checklist", json={"label": "Check seal"}, expect=201
    )
    await world.add_required_evidence(created["id"], who="dispatcher")
    await world.call(
        "dispatcher", "POST", f"{url}/messages", json={"body": "On our way"}, expect=201
    )
    await world.call(
        "admin",
        "POST",
        "/api/v1/kb/articles",
        json={
            "title": "门封条",
            "kind": "fault_codes",
            "fault_codes": [{"code": "dA", "meaning": "door open"}],
            "publish": True,
        },
        expect=201,
    )
    pulled: dict[str, dict[str, Any]] = {}
    for name in COLLECTIONS:
        state, _ = await pull_all(world, "dispatcher", name)
        live = [document for document in state.values() if not document["_deleted"]]
        assert live, f"no {name} document to compare"
        pulled[name] = live[0]
    return pulled


async def test_each_collection_sends_its_contract_documents_fields(
    documents: dict[str, dict[str, Any]],
) -> None:
    for name, collection in COLLECTIONS.items():
        sent = set(documents[name])
        promised = _promised(collection.document_type)
        assert sent == promised, (name, sorted(promised - sent), sorted(sent - promised))
        # and every value is what the contract says it is
        msgspec.convert(documents[name], collection.document_type)
