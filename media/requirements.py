"""Required evidence: what a work order must have, verified, before it may be resolved (the
closure checkpoint). Each work-order type has a list (the product's defaults, or the tenant's
own); a requirement is met by a verified upload answering it, or, where a reading will do, by
a reading recorded in the ledger. Removed (tombstoned) evidence meets nothing.
"""

from datetime import datetime
from uuid import UUID, uuid4

from kernel.context import Actor, require_role
from kernel.db import Database, Reader
from kernel.errors import DomainError
from kernel.rows import json_text
from media import ledger, sql
from media.sql import EvidenceRow
from mobile_contract import media as contract
from mobile_contract.enums import EvidenceKind, EvidenceState, Role, WorkOrderType
from mobile_contract.errors import ErrorCode

Requirement = contract.EvidenceRequirement
_PHOTO, _SIGNATURE = [EvidenceKind.PHOTO], [EvidenceKind.SIGNATURE]
_BEFORE = Requirement(code="photo_before", label="Photo before the repair", kinds=_PHOTO)
_AFTER = Requirement(code="photo_after", label="Photo after the repair", kinds=_PHOTO)
_SIGNED = Requirement(code="customer_signature", label="Customer signature", kinds=_SIGNATURE)
DEFAULTS: dict[WorkOrderType, list[Requirement]] = {
    WorkOrderType.COLD_STORAGE_REPAIR: [
        _BEFORE,
        _AFTER,
        Requirement(
            code="temperature_reading",
            label="Temperature display photo, or the reading",
            kinds=_PHOTO,
            reading_ok=True,
        ),
        _SIGNED,
    ],
    WorkOrderType.EQUIPMENT_REPAIR: [_BEFORE, _AFTER, _SIGNED],
    WorkOrderType.INSTALLATION: [_AFTER, _SIGNED],
    WorkOrderType.PREVENTIVE_MAINTENANCE: [_AFTER],
    WorkOrderType.INSPECTION: [],
}


async def rules_for(
    reader: Reader, *, tenant_id: UUID, work_order_type: WorkOrderType
) -> list[Requirement]:
    row = await reader.fetch_one(
        sql.RULE, sql.RuleRow, tenant=tenant_id, work_order_type=work_order_type.value
    )
    if row is None:
        return list(DEFAULTS.get(work_order_type, []))
    return row.requirements


async def list_rules(*, db: Database, actor: Actor) -> contract.EvidenceRuleSetList:
    async with db.snapshot() as reader:
        rows = await reader.fetch(sql.RULES, sql.RuleRow, tenant=actor.tenant_id)
    own = {row.work_order_type: row for row in rows}
    return contract.EvidenceRuleSetList(
        items=[
            contract.EvidenceRuleSet(
                id=own[kind.value].id if kind.value in own else None,
                work_order_type=kind,
                requirements=(
                    own[kind.value].requirements if kind.value in own else DEFAULTS[kind]
                ),
                customised=kind.value in own,
            )
            for kind in WorkOrderType
        ]
    )


async def set_rules(
    *,
    db: Database,
    actor: Actor,
    work_order_type: WorkOrderType,
    rules: contract.EvidenceRules,
    now: datetime,
) -> contract.EvidenceRuleSet:
    """The tenant's own list for a type (admins); it applies to resolutions from now on."""
    require_role(actor, frozenset({Role.ADMIN}), "change the required evidence")
    codes = [rule.code for rule in rules.requirements]
    if len(set(codes)) != len(codes):
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "Each requirement needs its own code.",
            {"field": "requirements", "codes": codes},
        )
    async with db.transaction() as tx:
        row = await tx.fetch_one(
            sql.UPSERT_RULE,
            sql.Id,
            id=uuid4(),
            tenant=actor.tenant_id,
            work_order_type=work_order_type.value,
            requirements=json_text(rules.requirements),
            updated_by=actor.user_id,
            now=now,
        )
    assert row is not None  # inserted or updated: either way RETURNING answers it
    return contract.EvidenceRuleSet(
        id=row.id,
        work_order_type=work_order_type,
        requirements=rules.requirements,
        customised=True,
    )


async def states(
    reader: Reader,
    *,
    tenant_id: UUID,
    work_order_id: UUID,
    work_order_type: WorkOrderType,
    entries: list[EvidenceRow],
) -> list[contract.RequirementState]:
    """Each requirement of the work order's type, and how far it is."""
    rules = await rules_for(reader, tenant_id=tenant_id, work_order_type=work_order_type)
    removed = {e.target for e in entries if e.entry == "tombstone"}
    live = [e for e in entries if e.id not in removed]
    in_flight = await reader.fetch(
        sql.IN_FLIGHT, sql.InFlight, tenant=tenant_id, work_order=work_order_id
    )
    result = []
    for rule in rules:
        kinds = {kind.value for kind in rule.kinds}
        met = any(
            e.requirement == rule.code
            and (
                (e.entry == "added" and e.kind in kinds)
                or (e.entry == "reading" and rule.reading_ok)
            )
            for e in live
        )
        coming = any(u.requirement == rule.code and u.kind in kinds for u in in_flight)
        state = (
            EvidenceState.VERIFIED
            if met
            else EvidenceState.AWAITING_VERIFICATION
            if coming
            else EvidenceState.MISSING
        )
        result.append(
            contract.RequirementState(
                code=rule.code,
                label=rule.label,
                kinds=rule.kinds,
                reading_ok=rule.reading_ok,
                state=state,
            )
        )
    return result


async def check_resolvable(
    reader: Reader, *, tenant_id: UUID, work_order_id: UUID, work_order_type: WorkOrderType
) -> None:
    """Refuse to resolve a work order whose required evidence is not all verified (409,
    naming exactly what is missing or still being verified)."""
    unmet = await unmet_requirements(
        reader, tenant_id=tenant_id, work_order_id=work_order_id, work_order_type=work_order_type
    )
    if unmet:
        listed = "; ".join(f"{s.label} ({s.state})" for s in unmet)
        raise DomainError(
            ErrorCode.EVIDENCE_MISSING,
            f"This work order cannot be resolved yet: {listed}.",
            {"missing": [{"code": s.code, "label": s.label, "state": s.state} for s in unmet]},
        )


async def unmet_requirements(
    reader: Reader, *, tenant_id: UUID, work_order_id: UUID, work_order_type: WorkOrderType
) -> list[contract.RequirementState]:
    entries = await ledger.chain(reader, tenant_id=tenant_id, work_order_id=work_order_id)
    found = await states(
        reader,
        tenant_id=tenant_id,
        work_order_id=work_order_id,
        work_order_type=work_order_type,
        entries=entries,
    )
    return [s for s in found if s.state is not EvidenceState.VERIFIED]
