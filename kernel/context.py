"""Who is calling and what the server captured about the call.

Services take these instead of HTTP requests, so the sync push and workers can call them too.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from kernel.errors import Forbidden
from mobile_contract.enums import Role

DISPATCH_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR})
ADMIN_ONLY = frozenset({Role.ADMIN})


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Machine-captured facts (headers and socket), never typed by a person."""

    app_version: str = ""
    device_id: str = ""
    ip: str = ""
    trace_id: str = ""
    user_agent: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "app_version": self.app_version,
            "device_id": self.device_id,
            "ip": self.ip,
            "trace_id": self.trace_id,
            "user_agent": self.user_agent,
        }


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller; every query a service runs is scoped by ``tenant_id``."""

    tenant_id: UUID
    user_id: UUID
    role: Role
    display_name: str = ""
    team_ids: frozenset[UUID] = field(default_factory=frozenset)
    session_id: UUID | None = None
    meta: RequestMeta = field(default_factory=RequestMeta)

    @property
    def dispatches(self) -> bool:
        """Admins, dispatchers and supervisors run the dispatch board."""
        return self.role in DISPATCH_ROLES


@dataclass(frozen=True, slots=True)
class PortalCaller:
    """A customer holding a portal link: reaches one work order of one tenant, nothing else."""

    tenant_id: UUID
    work_order_id: UUID
    link_id: UUID
    expires_at: datetime
    meta: RequestMeta = field(default_factory=RequestMeta)
    contact_name: str = ""  # whom the link was sent to (signs the customer's messages)


@dataclass(frozen=True, slots=True)
class TerminalCaller:
    """An IoT terminal whose request carried a valid signature: it reaches its own asset (or,
    as a gateway, the assets of its site) in one tenant, and its own configuration."""

    tenant_id: UUID
    terminal_id: UUID
    device_code: str
    asset_id: UUID
    site_id: UUID
    meta: RequestMeta = field(default_factory=RequestMeta)


@dataclass(frozen=True, slots=True)
class SystemCaller:
    """The server itself, acting on a clock (an SLA breach, an escalation): no person, no
    device. ``name`` says which part of it (``sla``), for the timeline."""

    tenant_id: UUID
    name: str
    meta: RequestMeta = field(default_factory=RequestMeta)


#: Who a timeline entry and a new work order are attributed to: a person, a terminal, or the
#: server's own clocks.
Author = Actor | TerminalCaller | SystemCaller


def require_role(actor: Actor, roles: frozenset[Role], action: str) -> None:
    """Raise a 403 naming the roles that may do ``action``."""
    if actor.role not in roles:
        raise Forbidden(
            f"Your role ({actor.role}) may not {action}.",
            {"required_roles": sorted(roles), "role": actor.role},
        )
