"""The SLA policies a tenant runs for a priority until its admins save one of their own: 24x7
(no calendar), because an unconfigured tenant must still see a deadline on every work order."""

from types import MappingProxyType

import msgspec

from mobile_contract import sla as contract
from mobile_contract.enums import Priority

MINUTE = 60
HOUR = 60 * MINUTE
R = contract.RecipientKind


def _to(*kinds: contract.RecipientKind) -> list[contract.Recipient]:
    return [contract.Recipient(kind=kind) for kind in kinds]


POLICIES: MappingProxyType[Priority, contract.Policy] = MappingProxyType(
    {
        Priority.P0: contract.Policy(
            name="P0 critical / 紧急",
            priority=Priority.P0,
            response_seconds=15 * MINUTE,
            arrival_seconds=2 * HOUR,
            resolution_seconds=8 * HOUR,
            warn_at_percent=[50, 80],
            escalation=[
                contract.EscalationStage(
                    after_seconds=900,
                    clock="response",
                    recipients=_to(R.TEAM_LEADS, R.SUPERVISORS, R.ON_CALL),
                    strong=True,
                ),
                contract.EscalationStage(
                    after_seconds=3600,
                    clock="arrival",
                    recipients=_to(R.SUPERVISORS, R.ON_CALL),
                    strong=True,
                ),
            ],
            description="Standard: production or the cold chain is down; around the clock.",
        ),
        Priority.P1: contract.Policy(
            name="P1 high / 高",
            priority=Priority.P1,
            response_seconds=1 * HOUR,
            arrival_seconds=4 * HOUR,
            resolution_seconds=24 * HOUR,
            warn_at_percent=[75],
            escalation=[
                contract.EscalationStage(
                    after_seconds=3600,
                    clock="response",
                    recipients=_to(R.TEAM_LEADS, R.SUPERVISORS),
                )
            ],
            description="Standard: degraded operation; around the clock.",
        ),
        Priority.P2: contract.Policy(
            name="P2 normal / 普通",
            priority=Priority.P2,
            response_seconds=4 * HOUR,
            arrival_seconds=24 * HOUR,
            resolution_seconds=72 * HOUR,
            warn_at_percent=[75],
            escalation=[
                contract.EscalationStage(
                    after_seconds=14400, clock="response", recipients=_to(R.TEAM_LEADS)
                )
            ],
            description="Standard: a fault with a workaround; around the clock.",
        ),
        Priority.P3: contract.Policy(
            name="P3 low / 低",
            priority=Priority.P3,
            response_seconds=24 * HOUR,
            arrival_seconds=72 * HOUR,
            resolution_seconds=240 * HOUR,
            warn_at_percent=[75],
            description="Standard: planned or cosmetic work; around the clock.",
        ),
    }
)


def policy(priority: Priority) -> contract.Policy:
    """The standard policy for ``priority`` (``id`` None: no tenant saved it), a copy of its
    own: Structs are mutable and these are shared by every tenant."""
    return msgspec.convert(msgspec.to_builtins(POLICIES[priority]), contract.Policy)
