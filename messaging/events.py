"""What messaging announces to the packages above it (``kernel.events``): ``media`` checks the
uploads a message carries, ``push`` tells the handlers that the customer wrote."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Attaching:
    """A message is about to carry these uploads. The reaction (``media``, which owns upload
    sessions) refuses with 422 ``invalid_reference`` naming the first upload that is not one
    of this work order's (for a customer, sent through ``link_id``), or that was rejected,
    aborted or expired; nothing is saved then."""

    tenant_id: UUID
    work_order_id: UUID
    upload_ids: tuple[UUID, ...]
    link_id: UUID | None  # the customer's portal link; None: a member of staff writes


@dataclass(frozen=True, slots=True)
class CustomerWrote:
    """The customer wrote a message: ``recipient_ids`` (the assigned engineer, the dispatch
    roles responsible for the work order; never the customer) get a push. ``preview``: the
    start of the text, or how many files it carries when it has none."""

    tenant_id: UUID
    work_order_id: UUID
    number: str
    title: str
    message_id: UUID
    preview: str
    recipient_ids: tuple[UUID, ...]
    now: datetime
