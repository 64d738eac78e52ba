"""What accounts announce to the packages above it (``kernel.events``)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class LoginBurst:
    """Failed logins across a tenant crossed the burst threshold: someone may be guessing
    passwords, and on-call should hear of it (``push`` raises the alert)."""

    tenant_id: UUID
    failures: int
    minutes: int
    accounts: int
    now: datetime
