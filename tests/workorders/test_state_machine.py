"""The work-order life cycle, checked exhaustively against a spec written out here by hand.

The expected tables below are built from the issue's prose, not from ``TRANSITIONS``, so a
change to the module that drifts from the spec fails here.
"""

import itertools

import pytest

from kernel.errors import DomainError
from mobile_contract.enums import Role
from mobile_contract.enums import WorkOrderStatus as S
from mobile_contract.errors import ErrorCode
from workorders.state_machine import (
    Action,
    Requirement,
    allowed_targets,
    editable_fields,
    find_transition,
    may_edit_checklist,
)

DISPATCH = frozenset({Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR})
ENGINEER = frozenset({Role.ENGINEER})
TERMINAL = {S.CLOSED, S.CANCELLED}
NON_TERMINAL = [s for s in S if s not in TERMINAL]
ACTIVE = {S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_PROGRESS, S.ON_HOLD}


class Rule:
    def __init__(
        self,
        action: Action,
        roles: frozenset[Role],
        assignee_only: bool = False,
        requires: frozenset[Requirement] = frozenset(),
    ) -> None:
        self.action = action
        self.roles = roles
        self.assignee_only = assignee_only
        self.requires = requires


def _spec() -> dict[tuple[S, S], Rule]:
    """(current, target) → who may make that move, written from the issue."""
    spec: dict[tuple[S, S], Rule] = {}
    assignee = frozenset({Requirement.ASSIGNEE})
    reason = frozenset({Requirement.REASON})
    spec[(S.NEW, S.ASSIGNED)] = Rule(Action.ASSIGN, DISPATCH, requires=assignee)
    for source in (S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_PROGRESS, S.ON_HOLD):
        spec[(source, S.ASSIGNED)] = Rule(Action.REASSIGN, DISPATCH, requires=assignee)
    engineer_moves = [
        (S.ASSIGNED, S.ACCEPTED, Action.ACCEPT),
        (S.ACCEPTED, S.EN_ROUTE, Action.TRAVEL),
        (S.ACCEPTED, S.ON_SITE, Action.ARRIVE),
        (S.EN_ROUTE, S.ON_SITE, Action.ARRIVE),
        (S.ON_SITE, S.IN_PROGRESS, Action.START),
        (S.IN_PROGRESS, S.ON_HOLD, Action.HOLD),
        (S.ON_HOLD, S.IN_PROGRESS, Action.RESUME),
        (S.IN_PROGRESS, S.RESOLVED, Action.RESOLVE),
    ]
    for source, target, action in engineer_moves:
        requires = frozenset({Requirement.HOLD_REASON}) if action is Action.HOLD else frozenset()
        spec[(source, target)] = Rule(action, ENGINEER, assignee_only=True, requires=requires)
    spec[(S.RESOLVED, S.VERIFIED)] = Rule(Action.VERIFY, DISPATCH)
    spec[(S.VERIFIED, S.CLOSED)] = Rule(Action.CLOSE, DISPATCH)
    for source in NON_TERMINAL:
        spec[(source, S.CANCELLED)] = Rule(Action.CANCEL, DISPATCH, requires=reason)
    for source in (S.RESOLVED, S.VERIFIED):
        spec[(source, S.IN_PROGRESS)] = Rule(Action.REOPEN, DISPATCH, requires=reason)
    return spec


SPEC = _spec()


def _permitted(rule: Rule, role: Role, is_assignee: bool) -> bool:
    return role in rule.roles and (is_assignee or not rule.assignee_only)


def _expected_targets(current: S, role: Role, is_assignee: bool) -> list[S]:
    targets = {
        target
        for (source, target), rule in SPEC.items()
        if source == current and _permitted(rule, role, is_assignee)
    }
    return [s for s in S if s in targets]


COMBINATIONS = list(itertools.product(S, S, Role, (False, True)))


def test_the_spec_itself_has_the_expected_shape() -> None:
    # 1 assign + 6 reassign + 8 engineer moves + verify + close + 9 cancels + 2 reopens
    assert len(SPEC) == 1 + 6 + 8 + 1 + 1 + 9 + 2
    assert len(COMBINATIONS) == 11 * 11 * 4 * 2


@pytest.mark.parametrize(("current", "target", "role", "is_assignee"), COMBINATIONS)
def test_find_transition_follows_the_table(
    current: S, target: S, role: Role, is_assignee: bool
) -> None:
    rule = SPEC.get((current, target))
    if rule is not None and _permitted(rule, role, is_assignee):
        transition = find_transition(current, target, role=role, is_assignee=is_assignee)
        assert transition.action is rule.action
        assert transition.target is target
        assert current in transition.sources
        assert transition.requires == rule.requires
        assert transition.assignee_only is rule.assignee_only
        return
    with pytest.raises(DomainError) as refused:
        find_transition(current, target, role=role, is_assignee=is_assignee)
    error = refused.value
    assert error.code is ErrorCode.ILLEGAL_TRANSITION
    assert error.details["current"] == current
    assert error.details["target"] == target
    assert error.details["allowed"] == allowed_targets(current, role=role, is_assignee=is_assignee)
    assert error.details["allowed"] == _expected_targets(current, role, is_assignee)
    assert target not in error.details["allowed"]


@pytest.mark.parametrize(
    ("current", "role", "is_assignee"), list(itertools.product(S, Role, (False, True)))
)
def test_allowed_targets_match_the_table_in_status_order(
    current: S, role: Role, is_assignee: bool
) -> None:
    assert allowed_targets(current, role=role, is_assignee=is_assignee) == _expected_targets(
        current, role, is_assignee
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_terminal_states_lead_nowhere(terminal: S, role: Role) -> None:
    for is_assignee in (False, True):
        assert allowed_targets(terminal, role=role, is_assignee=is_assignee) == []
        for target in S:
            with pytest.raises(DomainError) as refused:
                find_transition(terminal, target, role=role, is_assignee=is_assignee)
            assert refused.value.code is ErrorCode.ILLEGAL_TRANSITION
            assert refused.value.details["allowed"] == []


def test_refusal_messages_say_why() -> None:
    with pytest.raises(DomainError) as not_assignee:
        find_transition(S.ASSIGNED, S.ACCEPTED, role=Role.ENGINEER, is_assignee=False)
    assert "only the assigned engineer" in not_assignee.value.message
    with pytest.raises(DomainError) as wrong_role:
        find_transition(S.IN_PROGRESS, S.RESOLVED, role=Role.DISPATCHER, is_assignee=False)
    assert "roles" in wrong_role.value.message
    assert wrong_role.value.details["allowed"] == [S.ASSIGNED, S.CANCELLED]
    with pytest.raises(DomainError) as no_edge:
        find_transition(S.NEW, S.CLOSED, role=Role.ADMIN, is_assignee=False)
    assert "cannot go from new to closed" in no_edge.value.message


def test_a_few_rows_spelled_out() -> None:
    """Readable anchors beside the exhaustive sweep."""
    assert allowed_targets(S.NEW, role=Role.DISPATCHER, is_assignee=False) == [
        S.ASSIGNED,
        S.CANCELLED,
    ]
    assert allowed_targets(S.NEW, role=Role.ENGINEER, is_assignee=False) == []
    assert allowed_targets(S.ACCEPTED, role=Role.ENGINEER, is_assignee=True) == [
        S.EN_ROUTE,
        S.ON_SITE,
    ]
    assert allowed_targets(S.IN_PROGRESS, role=Role.ENGINEER, is_assignee=True) == [
        S.ON_HOLD,
        S.RESOLVED,
    ]
    assert allowed_targets(S.RESOLVED, role=Role.SUPERVISOR, is_assignee=False) == [
        S.IN_PROGRESS,
        S.VERIFIED,
        S.CANCELLED,
    ]
    assert allowed_targets(S.RESOLVED, role=Role.ENGINEER, is_assignee=True) == []
    reopen = find_transition(S.VERIFIED, S.IN_PROGRESS, role=Role.ADMIN, is_assignee=False)
    assert reopen.action is Action.REOPEN
    resume = find_transition(S.ON_HOLD, S.IN_PROGRESS, role=Role.ENGINEER, is_assignee=True)
    assert resume.action is Action.RESUME


# The transition lock ------------------------------------------------------------------------

REQUEST = frozenset(
    {"title", "description", "type", "site_id", "asset_id", "customer_id", "environment", "tags"}
)
DISPATCH_ONLY = frozenset({"priority", "team_id"})
ENGINEER_EDITS = frozenset({"description", "asset_id", "environment", "tags"})


def _expected_fields(status: S, role: Role, is_assignee: bool) -> frozenset[str]:
    if status in TERMINAL:
        return frozenset()
    if role in DISPATCH:
        if status in {S.RESOLVED, S.VERIFIED}:
            return REQUEST
        return REQUEST | DISPATCH_ONLY
    if is_assignee and status in ACTIVE:
        return ENGINEER_EDITS
    return frozenset()


def _expected_checklist(status: S, role: Role, is_assignee: bool) -> bool:
    if status in TERMINAL:
        return False
    if role in DISPATCH:
        return True
    return is_assignee and status in ACTIVE


@pytest.mark.parametrize(
    ("status", "role", "is_assignee"), list(itertools.product(S, Role, (False, True)))
)
def test_editable_fields_and_checklist_follow_the_lock(
    status: S, role: Role, is_assignee: bool
) -> None:
    fields = editable_fields(status, role=role, is_assignee=is_assignee)
    assert fields == _expected_fields(status, role, is_assignee)
    checklist = may_edit_checklist(status, role=role, is_assignee=is_assignee)
    assert checklist is _expected_checklist(status, role, is_assignee)


def test_engineer_lock_spelled_out() -> None:
    for status in (S.RESOLVED, S.VERIFIED, S.CLOSED, S.CANCELLED):
        assert editable_fields(status, role=Role.ENGINEER, is_assignee=True) == frozenset()
        assert not may_edit_checklist(status, role=Role.ENGINEER, is_assignee=True)
    for status in (S.NEW, S.ASSIGNED):
        assert editable_fields(status, role=Role.ENGINEER, is_assignee=True) == frozenset()
    assert "title" not in editable_fields(S.IN_PROGRESS, role=Role.ENGINEER, is_assignee=True)
    assert editable_fields(S.IN_PROGRESS, role=Role.ENGINEER, is_assignee=False) == frozenset()
    assert editable_fields(S.CLOSED, role=Role.ADMIN, is_assignee=False) == frozenset()
    assert "priority" in editable_fields(S.ON_HOLD, role=Role.DISPATCHER, is_assignee=False)
