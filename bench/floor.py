"""The floor: a bare Litestar app, served by the same uvicorn settings as ``fieldops serve``.

What the framework, the server and the machine cost for a request that does nothing: a small
JSON answer, and a list of 100 msgspec Structs (about what a pull page of small documents
encodes). Every HTTP benchmark reports its figures as a share of these, measured in the same
run (``bench/wrk.py``).
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import msgspec
from litestar import Litestar, get


class Item(msgspec.Struct):
    id: UUID
    number: str
    title: str
    status: str
    version: int
    updated_at: datetime


ITEMS = [
    Item(
        id=uuid4(),
        number=f"WO-2026-{n:06d}",
        title="Freezer alarm",
        status="assigned",
        version=1,
        updated_at=datetime.now(UTC),
    )
    for n in range(100)
]


@get("/")
async def small() -> dict[str, str]:
    return {"status": "ok"}


@get("/structs")
async def structs() -> list[Item]:
    return ITEMS


app = Litestar([small, structs])
