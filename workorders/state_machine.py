"""The work-order life cycle: which transitions exist, who may make them, and what may be
edited in each state (the transition lock).

This module is the single owner of these rules. The HTTP API and the sync push both ask it;
it does no I/O, so the rules are tested exhaustively on their own.

    new → assigned → accepted → en_route → on_site → in_progress ⇄ on_hold
        → resolved → verified → closed
    cancelled from any non-terminal state; reopen from resolved/verified to in_progress.
"""

from dataclasses import dataclass
from enum import StrEnum

from kernel.context import DISPATCH_ROLES
from kernel.errors import DomainError
from mobile_contract.enums import Role
from mobile_contract.enums import WorkOrderStatus as S
from mobile_contract.errors import ErrorCode

TERMINAL = frozenset({S.CLOSED, S.CANCELLED})
ACTIVE_WORK = frozenset({S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_PROGRESS, S.ON_HOLD})
LOCKED_FOR_ENGINEER = frozenset({S.RESOLVED, S.VERIFIED, S.CLOSED, S.CANCELLED})


class Action(StrEnum):
    """Names recorded in the timeline (``transition:<action>``)."""

    ASSIGN = "assign"
    REASSIGN = "reassign"
    ACCEPT = "accept"
    TRAVEL = "travel"
    ARRIVE = "arrive"
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    VERIFY = "verify"
    CLOSE = "close"
    CANCEL = "cancel"
    REOPEN = "reopen"


class Requirement(StrEnum):
    ASSIGNEE = "assignee_id"
    HOLD_REASON = "hold_reason"
    REASON = "reason"


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[S]
    target: S
    roles: frozenset[Role]
    assignee_only: bool = False  # only the engineer the work order is assigned to
    requires: frozenset[Requirement] = frozenset()


_ENGINEER = frozenset({Role.ENGINEER})
_ASSIGNED_STATES = frozenset({S.ASSIGNED}) | ACTIVE_WORK

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.ASSIGN,
        frozenset({S.NEW}),
        S.ASSIGNED,
        DISPATCH_ROLES,
        requires=frozenset({Requirement.ASSIGNEE}),
    ),
    Transition(
        Action.REASSIGN,
        _ASSIGNED_STATES,
        S.ASSIGNED,
        DISPATCH_ROLES,
        requires=frozenset({Requirement.ASSIGNEE}),
    ),
    Transition(Action.ACCEPT, frozenset({S.ASSIGNED}), S.ACCEPTED, _ENGINEER, assignee_only=True),
    Transition(Action.TRAVEL, frozenset({S.ACCEPTED}), S.EN_ROUTE, _ENGINEER, assignee_only=True),
    # An engineer already at the site (or called back to it) arrives without travelling.
    Transition(
        Action.ARRIVE,
        frozenset({S.ACCEPTED, S.EN_ROUTE}),
        S.ON_SITE,
        _ENGINEER,
        assignee_only=True,
    ),
    Transition(Action.START, frozenset({S.ON_SITE}), S.IN_PROGRESS, _ENGINEER, assignee_only=True),
    Transition(
        Action.HOLD,
        frozenset({S.IN_PROGRESS}),
        S.ON_HOLD,
        _ENGINEER,
        assignee_only=True,
        requires=frozenset({Requirement.HOLD_REASON}),
    ),
    Transition(Action.RESUME, frozenset({S.ON_HOLD}), S.IN_PROGRESS, _ENGINEER, assignee_only=True),
    Transition(
        Action.RESOLVE, frozenset({S.IN_PROGRESS}), S.RESOLVED, _ENGINEER, assignee_only=True
    ),
    Transition(Action.VERIFY, frozenset({S.RESOLVED}), S.VERIFIED, DISPATCH_ROLES),
    Transition(Action.CLOSE, frozenset({S.VERIFIED}), S.CLOSED, DISPATCH_ROLES),
    Transition(
        Action.CANCEL,
        frozenset(S) - TERMINAL,
        S.CANCELLED,
        DISPATCH_ROLES,
        requires=frozenset({Requirement.REASON}),
    ),
    Transition(
        Action.REOPEN,
        frozenset({S.RESOLVED, S.VERIFIED}),
        S.IN_PROGRESS,
        DISPATCH_ROLES,
        requires=frozenset({Requirement.REASON}),
    ),
)


def _permitted(transition: Transition, role: Role, is_assignee: bool) -> bool:
    return role in transition.roles and (is_assignee or not transition.assignee_only)


def find_transition(current: S, target: S, *, role: Role, is_assignee: bool) -> Transition:
    """The transition from ``current`` to ``target`` the caller may make, or a 409 that
    lists the states the caller may move to from here."""
    candidates = [t for t in TRANSITIONS if current in t.sources and t.target == target]
    for transition in candidates:
        if _permitted(transition, role, is_assignee):
            return transition
    allowed = allowed_targets(current, role=role, is_assignee=is_assignee)
    if candidates:
        who = candidates[0]
        reason = (
            "only the assigned engineer may do that"
            if who.assignee_only and role in who.roles
            else f"it needs one of the roles {sorted(who.roles)}"
        )
        message = f"You may not move this work order from {current} to {target}: {reason}."
    else:
        message = f"A work order cannot go from {current} to {target}."
    raise DomainError(
        ErrorCode.ILLEGAL_TRANSITION,
        message,
        {"current": current, "target": target, "allowed": allowed},
    )


def allowed_targets(current: S, *, role: Role, is_assignee: bool) -> list[S]:
    """Next states this caller may choose (for the app's buttons and for 409 answers)."""
    targets = {
        t.target for t in TRANSITIONS if current in t.sources and _permitted(t, role, is_assignee)
    }
    return sorted(targets, key=list(S).index)


# What may be edited ----------------------------------------------------------------------

REQUEST_FIELDS = frozenset(
    {"title", "description", "type", "site_id", "asset_id", "customer_id", "environment", "tags"}
)
DISPATCH_FIELDS = frozenset({"priority", "team_id"})
ENGINEER_FIELDS = frozenset({"description", "asset_id", "environment", "tags"})


def editable_fields(status: S, *, role: Role, is_assignee: bool) -> frozenset[str]:
    """Fields the caller may change now. The transition lock: from ``resolved`` on the
    engineer edits nothing of the request (notes and evidence only); dispatch roles keep
    correcting the request until the work order is closed or cancelled."""
    if status in TERMINAL:
        return frozenset()
    if role in DISPATCH_ROLES:
        if status in LOCKED_FOR_ENGINEER:
            return REQUEST_FIELDS
        return REQUEST_FIELDS | DISPATCH_FIELDS
    if role is Role.ENGINEER and is_assignee and status in ACTIVE_WORK:
        return ENGINEER_FIELDS
    return frozenset()


def may_edit_checklist(status: S, *, role: Role, is_assignee: bool) -> bool:
    """Checklists are part of the work record: the assignee fills them while working;
    dispatch roles maintain them until the work order is closed."""
    if status in TERMINAL:
        return False
    if role in DISPATCH_ROLES:
        return True
    return role is Role.ENGINEER and is_assignee and status in ACTIVE_WORK
