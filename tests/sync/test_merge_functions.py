"""Unit tests of the pure functions in ``sync/merge.py``, one small explicit example at a time
(the hypothesis properties in ``test_merge.py`` cover the general case).

No database, no app: base = what the device last saw (``assumedMasterState``), server = the
stored copy, client = the pushed ``newDocumentState``.
"""

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from mobile_contract.enums import HoldReason, Role
from mobile_contract.enums import WorkOrderStatus as S
from mobile_contract.sync import StatusStep
from sync.merge import (
    Merge,
    Override,
    Plan,
    Pushed,
    Step,
    Target,
    new_steps,
    plan_status,
    schedule_edits,
    status_path,
    targets,
    three_way,
    unapplied,
    who,
)
from sync.push_work_orders import FIELDS
from workorders.state_machine import TRANSITIONS, Action, Requirement, Transition

CONFLICT = "changed on the server meanwhile"
DISPATCH_ROLES = (Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR)
ALL_REQUIREMENTS = frozenset(Requirement)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def transition(action: Action) -> Transition:
    return next(t for t in TRANSITIONS if t.action is action)


def actions(path: list[Transition] | None) -> list[Action] | None:
    return None if path is None else [t.action for t in path]


def engineer_path(current: S, target: S, **kwargs: object) -> list[Action] | None:
    return actions(status_path(current, target, role=Role.ENGINEER, is_assignee=True, **kwargs))


# three_way: one field at a time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "server", "client", "merged", "from_client", "conflict"),
    [
        pytest.param("old", "old", "old", "old", False, False, id="nobody-changed"),
        pytest.param("old", "old", "device", "device", True, False, id="only-client-changed"),
        pytest.param("old", "server", "old", "server", False, False, id="only-server-changed"),
        pytest.param("old", "same", "same", "same", False, False, id="both-changed-alike"),
        pytest.param("old", "server", "device", "server", False, True, id="both-changed-apart"),
        pytest.param("old", "old", None, None, True, False, id="client-cleared-it"),
        pytest.param(None, None, "device", "device", True, False, id="client-filled-it"),
        pytest.param("old", None, "device", None, False, True, id="server-cleared-client-edited"),
    ],
)
def test_three_way_per_field(
    base: str | None,
    server: str | None,
    client: str | None,
    merged: str | None,
    from_client: bool,
    conflict: bool,
) -> None:
    merge = three_way({"title": base}, {"title": server}, {"title": client}, ["title"])
    assert merge.values == {"title": merged}
    assert merge.from_client == ({"title"} if from_client else set())
    expected = [Override("title", client, server, CONFLICT)] if conflict else []
    assert merge.overrides == expected


def test_three_way_merges_several_fields_independently() -> None:
    base = {"title": "Fridge 3", "description": "warm", "priority": "P2", "tags": ["a"]}
    server = {"title": "Fridge 3", "description": "warm", "priority": "P1", "tags": ["a", "b"]}
    client = {"title": "Freezer 3", "description": "iced", "priority": "P2", "tags": ["a", "c"]}
    merge = three_way(base, server, client, ["title", "description", "priority", "tags"])
    assert merge.values == {
        "title": "Freezer 3",  # only the client changed it
        "description": "iced",  # only the client changed it
        "priority": "P1",  # only the server changed it
        "tags": ["a", "b"],  # both changed it differently: the server keeps its value
    }
    assert merge.from_client == {"title", "description"}
    assert merge.overrides == [Override("tags", ["a", "c"], ["a", "b"], CONFLICT)]


def test_three_way_compares_values_not_identity() -> None:
    merge = three_way({"tags": ["x"]}, {"tags": ["x", "y"]}, {"tags": ["x", "y"]}, ["tags"])
    assert merge.values == {"tags": ["x", "y"]}
    assert (merge.from_client, merge.overrides) == (set(), [])


def test_three_way_without_base_keeps_every_differing_server_value() -> None:
    """The device never saw the server's copy: each difference counts as a change on both
    sides, so the server's value stays and the client's is recorded."""
    server = {"title": "Fridge 3", "description": "warm"}
    client = {"title": "Freezer 3", "description": "warm"}
    merge = three_way(None, server, client, ["title", "description"])
    assert merge.values == server
    assert merge.from_client == set()
    assert merge.overrides == [Override("title", "Freezer 3", "Fridge 3", CONFLICT)]


def test_three_way_without_base_and_equal_documents_has_no_conflict() -> None:
    doc = {"title": "Fridge 3", "priority": "P1"}
    merge = three_way(None, doc, dict(doc), ["title", "priority"])
    assert merge.values == doc
    assert (merge.from_client, merge.overrides) == (set(), [])


def test_three_way_records_conflicts_in_field_order() -> None:
    base = {"a": 1, "b": 1, "c": 1}
    server = {"a": 2, "b": 2, "c": 2}
    client = {"a": 3, "b": 3, "c": 3}
    merge = three_way(base, server, client, ["c", "a"])
    assert merge.values == {"c": 2, "a": 2}
    assert [o.field for o in merge.overrides] == ["c", "a"]


def test_three_way_merges_only_the_fields_it_is_given() -> None:
    base = {"title": "old", "status": "assigned", "version": 3}
    server = {"title": "old", "status": "assigned", "version": 3}
    client = {"title": "new", "status": "closed", "version": 99}
    merge = three_way(base, server, client, ["title"])
    assert merge.values == {"title": "new"}
    assert merge.from_client == {"title"}
    assert merge.overrides == []


def test_a_field_absent_from_the_client_is_read_as_none() -> None:
    """``client.get``: a missing key is the value None, as ``comparable`` builds documents. So
    a field the device never had keeps the server's value, but a field the device had and left
    out counts as cleared by the client."""
    never_had = three_way({}, {"asset_id": "A1"}, {}, ["asset_id"])
    assert never_had.values == {"asset_id": "A1"}
    assert (never_had.from_client, never_had.overrides) == (set(), [])

    left_out = three_way({"asset_id": "A1"}, {"asset_id": "A1"}, {}, ["asset_id"])
    assert left_out.values == {"asset_id": None}
    assert left_out.from_client == {"asset_id"}

    left_out_after_server_change = three_way(
        {"asset_id": "A1"}, {"asset_id": "A2"}, {}, ["asset_id"]
    )
    assert left_out_after_server_change.values == {"asset_id": "A2"}
    assert left_out_after_server_change.overrides == [Override("asset_id", None, "A2", CONFLICT)]


SERVER_OWNED = {
    "id": UUID(int=1),
    "number": "WO-1",
    "status": S.ASSIGNED,
    "hold_reason": None,
    "channel": "app",
    "created_at": T0,
    "updated_at": T0,
    "resolved_at": None,
    "closed_at": None,
    "version": 4,
    "status_history": [],
}


@pytest.mark.parametrize(
    ("name", "device_value"),
    [
        ("id", UUID(int=2)),
        ("number", "WO-999"),
        ("status", S.CLOSED),
        ("hold_reason", HoldReason.PARTS),
        ("channel", "web"),
        ("created_at", minutes(-600)),
        ("updated_at", minutes(60)),
        ("resolved_at", minutes(30)),
        ("closed_at", minutes(30)),
        ("version", 99),
        ("status_history", [StatusStep(status=S.CLOSED, at=T0)]),
    ],
)
def test_a_work_order_merge_never_takes_a_server_owned_field(
    name: str, device_value: object
) -> None:
    assert name not in FIELDS
    client = {**SERVER_OWNED, name: device_value}
    merge = three_way(SERVER_OWNED, SERVER_OWNED, client, FIELDS)
    assert name not in merge.values
    assert merge.from_client == set()
    assert merge.overrides == []
    assert unapplied(SERVER_OWNED, SERVER_OWNED, client, FIELDS, "") == []


def test_merge_refuse_gives_the_field_back_its_server_value() -> None:
    merge = three_way({"priority": "P2"}, {"priority": "P2"}, {"priority": "P0"}, ["priority"])
    assert merge.values == {"priority": "P0"}
    merge.refuse("priority", "P2", "an engineer may not change priority")
    assert merge.values == {"priority": "P2"}
    assert merge.from_client == set()
    assert merge.overrides == [
        Override("priority", "P0", "P2", "an engineer may not change priority")
    ]


def test_merge_refuse_keeps_earlier_conflicts_first() -> None:
    merge = Merge(values={"a": "client"}, from_client={"a"}, overrides=[Override("b", 1, 2, "x")])
    merge.refuse("a", "server", "locked")
    assert merge.overrides == [
        Override("b", 1, 2, "x"),
        Override("a", "client", "server", "locked"),
    ]


# unapplied ---------------------------------------------------------------------------------


def test_unapplied_lists_each_client_change_the_server_does_not_hold() -> None:
    base = {"title": "old", "description": "old", "priority": "P2", "tags": ["a"]}
    server = {"title": "old", "description": "server", "priority": "P1", "tags": ["a"]}
    client = {"title": "new", "description": "device", "priority": "P1", "tags": ["a"]}
    lost = unapplied(base, server, client, ["title", "description", "priority", "tags"], "gone")
    assert lost == [
        Override("title", "new", "old", "gone"),  # changed by the client only
        Override("description", "device", "server", "gone"),  # changed on both sides
        # priority: the client's change is what the server holds already; tags: unchanged
    ]


def test_unapplied_ignores_a_server_change_the_client_did_not_touch() -> None:
    base = {"title": "old"}
    assert unapplied(base, {"title": "server"}, {"title": "old"}, ["title"], "gone") == []


def test_unapplied_without_base_compares_with_the_server() -> None:
    server = {"title": "Fridge", "description": "warm"}
    client = {"title": "Freezer", "description": "warm"}
    assert unapplied(None, server, client, ["title", "description"], "locked") == [
        Override("title", "Freezer", "Fridge", "locked")
    ]


def test_unapplied_only_looks_at_the_given_fields() -> None:
    base = {"title": "old", "status": "assigned"}
    client = {"title": "old", "status": "closed"}
    assert unapplied(base, base, client, ["title"], "gone") == []


# who ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "phrase"),
    [
        (Role.ADMIN, "an admin"),
        (Role.DISPATCHER, "a dispatcher"),
        (Role.SUPERVISOR, "a supervisor"),
        (Role.ENGINEER, "an engineer"),
    ],
)
def test_who_names_the_role_with_its_article(role: Role, phrase: str) -> None:
    assert who(role) == phrase


# status_path -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("role", list(Role))
def test_status_path_to_the_current_status_is_empty(status: S, role: Role) -> None:
    assert status_path(status, status, role=role, is_assignee=False) == []


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (S.ASSIGNED, S.ACCEPTED, [Action.ACCEPT]),
        (S.ACCEPTED, S.EN_ROUTE, [Action.TRAVEL]),
        (S.ACCEPTED, S.ON_SITE, [Action.ARRIVE]),  # arriving without travelling
        (S.EN_ROUTE, S.ON_SITE, [Action.ARRIVE]),
        (S.ON_SITE, S.IN_PROGRESS, [Action.START]),
        (S.ON_HOLD, S.IN_PROGRESS, [Action.RESUME]),
        (S.IN_PROGRESS, S.RESOLVED, [Action.RESOLVE]),
    ],
)
def test_status_path_direct_engineer_transition(current: S, target: S, expected: list) -> None:
    assert engineer_path(current, target) == expected


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        # the shortest chain: arriving straight from accepted skips en_route
        (S.ASSIGNED, S.ON_SITE, [Action.ACCEPT, Action.ARRIVE]),
        (S.ASSIGNED, S.IN_PROGRESS, [Action.ACCEPT, Action.ARRIVE, Action.START]),
        (
            S.ASSIGNED,
            S.RESOLVED,
            [Action.ACCEPT, Action.ARRIVE, Action.START, Action.RESOLVE],
        ),
        (S.EN_ROUTE, S.RESOLVED, [Action.ARRIVE, Action.START, Action.RESOLVE]),
        (S.ON_HOLD, S.RESOLVED, [Action.RESUME, Action.RESOLVE]),
    ],
)
def test_status_path_chains_several_engineer_steps(current: S, target: S, expected: list) -> None:
    path = status_path(current, target, role=Role.ENGINEER, is_assignee=True)
    assert actions(path) == expected
    assert path is not None
    states = [current, *(t.target for t in path)]
    assert states[-1] == target
    for before, step in zip(states, path, strict=False):
        assert before in step.sources


@pytest.mark.parametrize("role", DISPATCH_ROLES)
@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (S.RESOLVED, S.VERIFIED, [Action.VERIFY]),
        (S.VERIFIED, S.CLOSED, [Action.CLOSE]),
        (S.RESOLVED, S.CLOSED, [Action.VERIFY, Action.CLOSE]),
    ],
)
def test_status_path_dispatch_roles(role: Role, current: S, target: S, expected: list) -> None:
    assert actions(status_path(current, target, role=role, is_assignee=False)) == expected


def test_holding_needs_a_hold_reason() -> None:
    assert engineer_path(S.IN_PROGRESS, S.ON_HOLD) is None
    with_reason = frozenset({Requirement.HOLD_REASON})
    assert engineer_path(S.IN_PROGRESS, S.ON_HOLD, available=with_reason) == [Action.HOLD]
    assert engineer_path(S.ASSIGNED, S.ON_HOLD, available=with_reason) == [
        Action.ACCEPT,
        Action.ARRIVE,
        Action.START,
        Action.HOLD,
    ]


@pytest.mark.parametrize("role", DISPATCH_ROLES)
@pytest.mark.parametrize(
    ("current", "target", "action"),
    [
        (S.NEW, S.CANCELLED, Action.CANCEL),
        (S.IN_PROGRESS, S.CANCELLED, Action.CANCEL),
        (S.VERIFIED, S.CANCELLED, Action.CANCEL),
        (S.RESOLVED, S.IN_PROGRESS, Action.REOPEN),
        (S.VERIFIED, S.IN_PROGRESS, Action.REOPEN),
    ],
)
def test_transitions_needing_a_reason_only_when_one_is_available(
    role: Role, current: S, target: S, action: Action
) -> None:
    assert status_path(current, target, role=role, is_assignee=False) is None
    with_reason = frozenset({Requirement.REASON})
    path = status_path(current, target, role=role, is_assignee=False, available=with_reason)
    assert actions(path) == [action]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("current", [S.NEW, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD])
def test_assigning_is_never_inferred_from_a_status(role: Role, current: S) -> None:
    path = status_path(current, S.ASSIGNED, role=role, is_assignee=True, available=ALL_REQUIREMENTS)
    assert path is None


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("terminal", [S.CLOSED, S.CANCELLED])
@pytest.mark.parametrize("target", list(S))
def test_terminal_states_are_sticky(role: Role, terminal: S, target: S) -> None:
    path = status_path(terminal, target, role=role, is_assignee=True, available=ALL_REQUIREMENTS)
    assert path == ([] if target == terminal else None)


@pytest.mark.parametrize("role", DISPATCH_ROLES)
@pytest.mark.parametrize(
    "target", [S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED]
)
def test_a_dispatcher_cannot_make_the_engineers_moves(role: Role, target: S) -> None:
    for is_assignee in (False, True):
        path = status_path(
            S.ASSIGNED, target, role=role, is_assignee=is_assignee, available=ALL_REQUIREMENTS
        )
        assert path is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.RESOLVED, S.VERIFIED),
        (S.VERIFIED, S.CLOSED),
        (S.IN_PROGRESS, S.CLOSED),
        (S.IN_PROGRESS, S.CANCELLED),
        (S.RESOLVED, S.IN_PROGRESS),  # reopening is for dispatch roles
    ],
)
def test_an_engineer_cannot_make_the_dispatchers_moves(current: S, target: S) -> None:
    assert engineer_path(current, target, available=ALL_REQUIREMENTS) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.ASSIGNED, S.ACCEPTED), (S.ASSIGNED, S.IN_PROGRESS), (S.IN_PROGRESS, S.RESOLVED)],
)
def test_only_the_assigned_engineer_moves_the_work(current: S, target: S) -> None:
    assert engineer_path(current, target) is not None
    path = status_path(
        current, target, role=Role.ENGINEER, is_assignee=False, available=ALL_REQUIREMENTS
    )
    assert path is None


@pytest.mark.parametrize(
    ("current", "target", "role"),
    [
        (S.IN_PROGRESS, S.ACCEPTED, Role.ENGINEER),  # no way back
        (S.ON_SITE, S.EN_ROUTE, Role.ENGINEER),
        (S.NEW, S.ACCEPTED, Role.ENGINEER),  # it must be assigned first
        (S.NEW, S.CLOSED, Role.DISPATCHER),
        (S.ASSIGNED, S.VERIFIED, Role.DISPATCHER),  # the engineer's steps in between
        (S.RESOLVED, S.NEW, Role.ADMIN),  # nothing goes back to new
    ],
)
def test_status_path_impossible(current: S, target: S, role: Role) -> None:
    path = status_path(current, target, role=role, is_assignee=True, available=ALL_REQUIREMENTS)
    assert path is None


# new_steps ---------------------------------------------------------------------------------


def step(status: S, minute: int, hold: HoldReason | None = None) -> StatusStep:
    return StatusStep(status=status, at=minutes(minute), hold_reason=hold)


def test_new_steps_are_those_after_the_last_one_the_device_saw() -> None:
    seen = [step(S.NEW, -60), step(S.ASSIGNED, -30)]
    mine = [step(S.ACCEPTED, 1), step(S.ON_SITE, 2)]
    assert new_steps(seen, seen, [*seen, *mine]) == mine


def test_new_steps_with_no_known_step_are_all_of_them() -> None:
    mine = [step(S.ACCEPTED, 1), step(S.ON_SITE, 2)]
    assert new_steps([], [], mine) == mine


def test_new_steps_skip_what_the_server_already_took() -> None:
    seen = [step(S.ASSIGNED, -30)]
    mine = [step(S.ACCEPTED, 1), step(S.ON_SITE, 2), step(S.IN_PROGRESS, 3)]
    server = [*seen, step(S.ACCEPTED, 1), step(S.ON_SITE, 2)]  # a replay: two steps landed
    assert new_steps(seen, server, [*seen, *mine]) == [step(S.IN_PROGRESS, 3)]
    assert new_steps(seen, [*server, step(S.IN_PROGRESS, 3)], [*seen, *mine]) == []


def test_a_step_that_moved_nothing_is_not_tried_again_once_a_later_one_landed() -> None:
    seen = [step(S.ACCEPTED, -30)]
    # the device's ACCEPTED step moved nothing (already there), so the server has no record of
    # it; the ON_SITE after it landed
    client = [*seen, step(S.ACCEPTED, 1), step(S.ON_SITE, 2)]
    server = [*seen, step(S.ON_SITE, 2)]
    assert new_steps(seen, server, client) == []


def test_new_steps_match_the_same_moment_in_any_zone() -> None:
    seen = [step(S.ASSIGNED, -30)]
    naive = StatusStep(status=S.ASSIGNED, at=minutes(-30).replace(tzinfo=None))
    plus_two = StatusStep(
        status=S.ASSIGNED, at=minutes(-30).astimezone(timezone(timedelta(hours=2)))
    )
    mine = step(S.ACCEPTED, 1)
    assert new_steps(seen, seen, [naive, mine]) == [mine]
    assert new_steps(seen, seen, [plus_two, mine]) == [mine]


def test_new_steps_tell_steps_apart_by_status_and_time() -> None:
    seen = [step(S.ASSIGNED, -30)]
    same_status_other_time = step(S.ASSIGNED, 5)
    assert new_steps(seen, seen, [*seen, same_status_other_time]) == [same_status_other_time]


# targets -----------------------------------------------------------------------------------

SEEN = [step(S.NEW, -60), step(S.ASSIGNED, -30)]
BASE = Pushed(S.ASSIGNED, SEEN)


def test_targets_are_nothing_when_the_device_never_saw_the_server_copy() -> None:
    pushed = Pushed(S.ON_SITE, [*SEEN, step(S.ACCEPTED, 1), step(S.ON_SITE, 2)], minutes(2))
    assert targets(pushed, None, SEEN) == []


def test_targets_are_the_devices_new_steps_in_order() -> None:
    pushed = Pushed(
        S.ON_HOLD,
        [*SEEN, step(S.ACCEPTED, 1), step(S.IN_PROGRESS, 2), step(S.ON_HOLD, 3, HoldReason.PARTS)],
        minutes(3),
        HoldReason.PARTS,
    )
    assert targets(pushed, BASE, SEEN) == [
        Target(S.ACCEPTED, minutes(1)),
        Target(S.IN_PROGRESS, minutes(2)),
        Target(S.ON_HOLD, minutes(3), HoldReason.PARTS),  # not repeated as the final status
    ]


def test_an_app_without_steps_sends_its_final_status_only() -> None:
    pushed = Pushed(S.ON_HOLD, SEEN, minutes(9), HoldReason.ACCESS)
    assert targets(pushed, BASE, SEEN) == [Target(S.ON_HOLD, minutes(9), HoldReason.ACCESS)]


def test_targets_add_the_final_status_after_steps_that_do_not_name_it() -> None:
    pushed = Pushed(S.IN_PROGRESS, [*SEEN, step(S.ACCEPTED, 1)], minutes(5))
    assert targets(pushed, BASE, SEEN) == [
        Target(S.ACCEPTED, minutes(1)),
        Target(S.IN_PROGRESS, minutes(5)),
    ]


def test_an_unchanged_status_is_no_target() -> None:
    assert targets(Pushed(S.ASSIGNED, SEEN, minutes(5)), BASE, SEEN) == []


def test_a_replay_whose_steps_landed_has_no_target() -> None:
    mine = [step(S.ACCEPTED, 1), step(S.ON_SITE, 2)]
    pushed = Pushed(S.ON_SITE, [*SEEN, *mine], minutes(2))
    assert targets(pushed, BASE, [*SEEN, *mine]) == []


def test_a_replay_does_not_move_the_work_order_back_once_the_server_moved_on() -> None:
    """The app sent only its final status; it landed, the answer was lost, the engineer's
    work moved on. The same push again must not try to go back to in_progress."""
    pushed = Pushed(S.IN_PROGRESS, SEEN, minutes(5))
    server = [
        *SEEN,
        step(S.ACCEPTED, 5),
        step(S.ON_SITE, 5),
        step(S.IN_PROGRESS, 5),
        step(S.RESOLVED, 60),
    ]
    assert targets(pushed, BASE, server) == []


def test_a_server_move_elsewhere_keeps_the_final_status_as_a_target() -> None:
    pushed = Pushed(S.IN_PROGRESS, SEEN, minutes(5))
    server = [*SEEN, step(S.ACCEPTED, 3)]  # something else moved it, not to in_progress
    assert targets(pushed, BASE, server) == [Target(S.IN_PROGRESS, minutes(5))]


def test_a_status_the_server_held_before_the_device_saw_it_is_still_a_target() -> None:
    base = Pushed(S.ON_HOLD, [step(S.IN_PROGRESS, -60), step(S.ON_HOLD, -30)])
    pushed = Pushed(S.IN_PROGRESS, base.history, minutes(5))
    assert targets(pushed, base, base.history) == [Target(S.IN_PROGRESS, minutes(5))]


# plan_status -------------------------------------------------------------------------------


def plan_for_engineer(current: S, wanted: list[Target], **kwargs: object) -> Plan:
    return plan_status(current, wanted, role=Role.ENGINEER, is_assignee=True, **kwargs)


def test_a_plan_without_targets_moves_nothing() -> None:
    plan = plan_for_engineer(S.IN_PROGRESS, [])
    assert plan == Plan(states=[S.IN_PROGRESS], steps=[], overrides=[])


def test_a_plan_reaches_one_target_along_the_shortest_chain() -> None:
    plan = plan_for_engineer(S.ASSIGNED, [Target(S.IN_PROGRESS, minutes(7))])
    assert plan.states == [S.ASSIGNED, S.ACCEPTED, S.ON_SITE, S.IN_PROGRESS]
    assert [s.transition.action for s in plan.steps] == [
        Action.ACCEPT,
        Action.ARRIVE,
        Action.START,
    ]
    assert {s.at for s in plan.steps} == {minutes(7)}  # every step of the chain: its time
    assert plan.overrides == []


def test_a_plan_follows_the_devices_steps_with_their_own_times() -> None:
    wanted = [
        Target(S.ACCEPTED, minutes(1)),
        Target(S.EN_ROUTE, minutes(2)),
        Target(S.ON_SITE, minutes(3)),
    ]
    plan = plan_for_engineer(S.ASSIGNED, wanted)
    assert plan.states == [S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE]
    assert plan.steps == [
        Step(transition(Action.ACCEPT), minutes(1)),
        Step(transition(Action.TRAVEL), minutes(2)),
        Step(transition(Action.ARRIVE), minutes(3)),
    ]


def test_a_plan_gives_the_hold_reason_to_the_hold_step_only() -> None:
    plan = plan_for_engineer(S.ASSIGNED, [Target(S.ON_HOLD, minutes(4), HoldReason.PARTS)])
    assert plan.states == [S.ASSIGNED, S.ACCEPTED, S.ON_SITE, S.IN_PROGRESS, S.ON_HOLD]
    assert [s.hold_reason for s in plan.steps] == [None, None, None, HoldReason.PARTS]


def test_a_hold_without_a_reason_is_refused() -> None:
    plan = plan_for_engineer(S.IN_PROGRESS, [Target(S.ON_HOLD, minutes(4))])
    assert plan.steps == []
    assert plan.states == [S.IN_PROGRESS]
    reason = "an engineer cannot move this work order from in_progress to on_hold"
    assert plan.overrides == [Override("status", S.ON_HOLD, S.IN_PROGRESS, reason)]


def test_a_target_already_reached_moves_nothing() -> None:
    plan = plan_for_engineer(S.ON_SITE, [Target(S.ON_SITE, minutes(1))])
    assert plan == Plan(states=[S.ON_SITE])


def test_a_refused_target_stops_the_walk_and_every_later_one_is_recorded() -> None:
    wanted = [
        Target(S.RESOLVED, minutes(1)),
        Target(S.VERIFIED, minutes(2)),  # a dispatcher's move
        Target(S.IN_PROGRESS, minutes(3)),
        Target(S.RESOLVED, minutes(4)),
    ]
    plan = plan_for_engineer(S.IN_PROGRESS, wanted)
    assert plan.states == [S.IN_PROGRESS, S.RESOLVED]
    assert [s.transition.action for s in plan.steps] == [Action.RESOLVE]
    after = "it came after a step the server refused (to verified)"
    assert plan.overrides == [
        Override(
            "status",
            S.VERIFIED,
            S.RESOLVED,
            "an engineer cannot move this work order from resolved to verified",
        ),
        Override("status", S.IN_PROGRESS, S.RESOLVED, after),
        Override("status", S.RESOLVED, S.RESOLVED, after),
    ]


def test_a_target_the_walk_could_reach_is_not_taken_after_a_refusal() -> None:
    wanted = [Target(S.EN_ROUTE, minutes(1)), Target(S.ON_SITE, minutes(2))]
    plan = plan_for_engineer(S.ON_SITE, wanted)  # no way back to en_route
    assert plan.steps == []
    assert [o.client for o in plan.overrides] == [S.EN_ROUTE, S.ON_SITE]
    assert plan.overrides[1].reason == "it came after a step the server refused (to en_route)"


@pytest.mark.parametrize("terminal", [S.CLOSED, S.CANCELLED])
@pytest.mark.parametrize("role", list(Role))
def test_a_plan_never_leaves_a_terminal_state(terminal: S, role: Role) -> None:
    wanted = [Target(S.IN_PROGRESS, minutes(1), HoldReason.PARTS)]
    plan = plan_status(terminal, wanted, role=role, is_assignee=True)
    assert plan.states == [terminal]
    assert plan.steps == []
    reason = f"{who(role)} cannot move this work order from {terminal} to in_progress"
    assert plan.overrides == [Override("status", S.IN_PROGRESS, terminal, reason)]


def test_a_plan_for_an_engineer_who_is_not_the_assignee_is_refused() -> None:
    plan = plan_status(
        S.ASSIGNED, [Target(S.ACCEPTED, minutes(1))], role=Role.ENGINEER, is_assignee=False
    )
    assert plan.steps == []
    reason = "an engineer cannot move this work order from assigned to accepted"
    assert plan.overrides == [Override("status", S.ACCEPTED, S.ASSIGNED, reason)]


def test_a_dispatcher_plan_verifies_and_closes() -> None:
    plan = plan_status(
        S.RESOLVED, [Target(S.CLOSED, minutes(1))], role=Role.DISPATCHER, is_assignee=False
    )
    assert plan.states == [S.RESOLVED, S.VERIFIED, S.CLOSED]
    assert plan.overrides == []


def test_a_dispatcher_cannot_cancel_or_reopen_through_a_document() -> None:
    """A pushed document carries no reason, so the transitions needing one are refused."""
    for current, target in [(S.IN_PROGRESS, S.CANCELLED), (S.RESOLVED, S.IN_PROGRESS)]:
        plan = plan_status(
            current, [Target(target, minutes(1))], role=Role.DISPATCHER, is_assignee=False
        )
        assert plan.steps == []
        reason = f"a dispatcher cannot move this work order from {current} to {target}"
        assert plan.overrides == [Override("status", target, current, reason)]


def test_a_dispatchers_reassignment_comes_first() -> None:
    reassign = Step(transition(Action.REASSIGN), minutes(0), assignee_id=UUID(int=7))
    plan = plan_status(
        S.IN_PROGRESS,
        [Target(S.CANCELLED, minutes(1))],
        role=Role.DISPATCHER,
        is_assignee=False,
        first=reassign,
    )
    assert plan.steps == [reassign]
    assert plan.states == [S.IN_PROGRESS, S.ASSIGNED]
    reason = "a dispatcher cannot move this work order from assigned to cancelled"
    assert plan.overrides == [Override("status", S.CANCELLED, S.ASSIGNED, reason)]


def test_a_reassignment_alone_is_the_whole_plan() -> None:
    reassign = Step(transition(Action.REASSIGN), minutes(0), assignee_id=UUID(int=7))
    plan = plan_status(S.ON_HOLD, [], role=Role.SUPERVISOR, is_assignee=False, first=reassign)
    assert plan == Plan(states=[S.ON_HOLD, S.ASSIGNED], steps=[reassign])


def test_plan_move_and_cut() -> None:
    plan = Plan(states=[S.ASSIGNED])
    plan.move(Step(transition(Action.ACCEPT)))
    plan.move(Step(transition(Action.ARRIVE)))
    plan.move(Step(transition(Action.START)))
    assert plan.states == [S.ASSIGNED, S.ACCEPTED, S.ON_SITE, S.IN_PROGRESS]
    plan.cut(1)  # keep only the steps before index 1
    assert [s.transition.action for s in plan.steps] == [Action.ACCEPT]
    assert plan.states == [S.ASSIGNED, S.ACCEPTED]
    plan.cut(0)
    assert (plan.states, plan.steps) == ([S.ASSIGNED], [])


# schedule_edits ----------------------------------------------------------------------------


def test_accepting_and_editing_in_one_document_keeps_the_edit() -> None:
    at, refused = schedule_edits(
        {"description"}, [S.ASSIGNED, S.ACCEPTED], role=Role.ENGINEER, is_assignee=True
    )
    assert (at, refused) == ({1: ["description"]}, [])


def test_an_edit_made_before_resolving_lands_before_the_lock() -> None:
    at, refused = schedule_edits(
        {"environment"}, [S.IN_PROGRESS, S.RESOLVED], role=Role.ENGINEER, is_assignee=True
    )
    assert (at, refused) == ({0: ["environment"]}, [])


def test_edits_in_one_state_are_listed_in_name_order() -> None:
    at, refused = schedule_edits(
        {"tags", "asset_id", "description"},
        [S.ASSIGNED, S.ACCEPTED, S.ON_SITE],
        role=Role.ENGINEER,
        is_assignee=True,
    )
    assert (at, refused) == ({1: ["asset_id", "description", "tags"]}, [])


@pytest.mark.parametrize(
    ("states", "is_assignee"),
    [
        ([S.RESOLVED], True),  # the transition lock
        ([S.VERIFIED, S.CLOSED], True),
        ([S.ASSIGNED], True),  # not accepted yet
        ([S.IN_PROGRESS], False),  # not the assignee
    ],
)
def test_engineer_edits_no_state_allows_are_refused(states: list[S], is_assignee: bool) -> None:
    at, refused = schedule_edits(
        {"description", "tags"}, states, role=Role.ENGINEER, is_assignee=is_assignee
    )
    assert (at, refused) == ({}, ["description", "tags"])


def test_an_engineer_never_edits_the_request_or_dispatch_fields() -> None:
    at, refused = schedule_edits(
        {"title", "priority", "description"}, [S.IN_PROGRESS], role=Role.ENGINEER, is_assignee=True
    )
    assert (at, refused) == ({0: ["description"]}, ["priority", "title"])


@pytest.mark.parametrize("role", DISPATCH_ROLES)
def test_dispatch_fields_lock_at_resolved_request_fields_at_closed(role: Role) -> None:
    at, refused = schedule_edits(
        {"priority", "title"}, [S.RESOLVED, S.VERIFIED, S.CLOSED], role=role, is_assignee=False
    )
    assert (at, refused) == ({0: ["title"]}, ["priority"])
    at, refused = schedule_edits(
        {"priority", "title"}, [S.IN_PROGRESS, S.RESOLVED], role=role, is_assignee=False
    )
    assert (at, refused) == ({0: ["priority", "title"]}, [])
    at, refused = schedule_edits({"title"}, [S.CLOSED], role=role, is_assignee=False)
    assert (at, refused) == ({}, ["title"])


@pytest.mark.parametrize("role", list(Role))
def test_status_and_assignee_are_never_edits(role: Role) -> None:
    every_state = list(S)
    at, refused = schedule_edits(
        {"assignee_id", "status", "hold_reason"}, every_state, role=role, is_assignee=True
    )
    assert (at, refused) == ({}, ["assignee_id", "hold_reason", "status"])


def test_no_edits_schedule_nothing() -> None:
    assert schedule_edits([], [S.IN_PROGRESS], role=Role.ENGINEER, is_assignee=True) == ({}, [])
