"""A work order's evidence as clients see it (references and hashes, never bytes), and
readings recorded on site."""

from uuid import UUID

from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import Forbidden
from media import ledger, requirements
from media.sql import EvidenceFields, EvidenceRow
from mobile_contract import media as contract
from mobile_contract.enums import EvidenceState
from workorders import queries


async def show(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.WorkOrderEvidence:
    async with db.snapshot() as reader:
        work_order = await queries.load_row(actor, work_order_id, reader=reader)
        entries = await ledger.chain(reader, tenant_id=actor.tenant_id, work_order_id=work_order_id)
        found = await requirements.states(
            reader,
            tenant_id=actor.tenant_id,
            work_order_id=work_order_id,
            work_order_type=work_order.type,
            entries=entries,
        )
    return contract.WorkOrderEvidence(
        requirements=found,
        missing=[s.code for s in found if s.state is not EvidenceState.VERIFIED],
        entries=[entry_of(e) for e in entries],
        chain_intact=not ledger.check_chain(entries),
    )


async def record_reading(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.ReadingCreate
) -> contract.EvidenceEntry:
    """A value read on site, appended to the ledger (the work order's engineer or dispatch
    roles; allowed after resolving too: evidence may always be added)."""
    async with db.transaction() as tx:
        work_order = await queries.load_row(actor, work_order_id, reader=tx)
        if not (actor.dispatches or queries.is_assignee(actor, work_order)):
            raise Forbidden("Only the work order's engineer or dispatch roles record readings.")
        entry = await ledger.append(
            tx=tx,
            tenant_id=actor.tenant_id,
            work_order_id=work_order_id,
            fields=EvidenceFields(
                entry="reading",
                requirement=data.requirement,
                recorded_by=actor.user_id,
                details={"value": data.value, "unit": data.unit},
            ),
            now=utcnow(),
        )
    return entry_of(entry)


def entry_of(entry: EvidenceRow) -> contract.EvidenceEntry:
    return contract.EvidenceEntry(
        id=entry.id,
        seq=entry.seq,
        entry=entry.entry,
        upload_id=entry.upload,
        kind=entry.kind,
        requirement=entry.requirement,
        content_type=entry.content_type,
        size=entry.size,
        sha256=entry.sha256,
        captured_at=entry.captured_at,
        latitude=entry.latitude,
        longitude=entry.longitude,
        details=entry.details,
        recorded_by_id=entry.recorded_by,
        recorded_at=entry.recorded_at,
        entry_hash=entry.entry_hash,
    )
