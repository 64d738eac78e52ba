"""Properties of the pure merge (``sync/merge.py``), for any base/server/client triple and any
offline status chain: deterministic, idempotent (pushing the result again changes nothing), no
client change dropped without a record, and never a field or a step the rules reserve for
someone else."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mobile_contract.enums import HoldReason, Role
from mobile_contract.enums import WorkOrderStatus as S
from mobile_contract.sync import StatusStep
from sync.collections import WORK_ORDERS
from sync.merge import Pushed, Target, new_steps, plan_status, schedule_edits, targets, three_way
from sync.push_work_orders import FIELDS
from workorders import state_machine
from workorders.state_machine import Requirement

VALUES = st.sampled_from(["a", "b", "c", None])
NAMES = ("title", "description", "priority", "environment")
DOCS = st.fixed_dictionaries(dict.fromkeys(NAMES, VALUES))
STATUSES = st.sampled_from(list(S))
ROLES = st.sampled_from(list(Role))
TARGETS = st.lists(
    st.builds(Target, STATUSES, st.none(), st.one_of(st.none(), st.sampled_from(list(HoldReason)))),
    max_size=5,
)
EDITABLE = sorted(state_machine.REQUEST_FIELDS | state_machine.DISPATCH_FIELDS | {"assignee_id"})
# Fields only the server writes: never merged from a device.
SERVER_FIELDS = {"id", "number", "channel", "created_at", "updated_at", "resolved_at"} | {
    "closed_at",
    "version",
    "status_history",
    "status",
    "hold_reason",
}


@given(st.one_of(st.none(), DOCS), DOCS, DOCS)
def test_three_way_is_deterministic_and_loses_no_change_silently(base, server, client) -> None:
    merge = three_way(base, server, client, NAMES)
    again = three_way(base, server, client, reversed(NAMES))
    assert merge.values == again.values
    assert merge.from_client == again.from_client
    assert sorted(merge.overrides, key=repr) == sorted(again.overrides, key=repr)
    overridden = {o.field for o in merge.overrides}
    for name in NAMES:
        assert merge.values[name] in (server[name], client[name])
        changed = client[name] != (server if base is None else base)[name]
        if name in merge.from_client:
            assert merge.values[name] == client[name] != server[name]
            assert base is not None
            assert server[name] == base[name]
        elif changed and client[name] != server[name]:
            assert name in overridden  # a client change the server did not take is recorded
        if name in overridden:
            assert merge.values[name] == server[name]


@given(st.one_of(st.none(), DOCS), DOCS, DOCS)
def test_pushing_the_result_again_changes_nothing(base, server, client) -> None:
    merged = three_way(base, server, client, NAMES).values
    adopted = three_way(merged, merged, merged, NAMES)
    assert (adopted.from_client, adopted.overrides) == (set(), [])
    replay = three_way(base, merged, client, NAMES)  # the answer was lost: the same push again
    assert replay.from_client == set()
    assert replay.values == merged


def test_devices_never_merge_fields_the_server_owns() -> None:
    assert set(WORK_ORDERS.fields) >= SERVER_FIELDS - {"id"}
    assert set(FIELDS).isdisjoint(SERVER_FIELDS)


@settings(max_examples=300)
@given(STATUSES, TARGETS, ROLES, st.booleans(), st.sets(st.sampled_from(EDITABLE)))
def test_a_plan_makes_only_steps_and_edits_the_caller_may_make(
    current, targets, role, is_assignee, edits
) -> None:
    plan = plan_status(current, targets, role=role, is_assignee=is_assignee)
    assert plan == plan_status(current, targets, role=role, is_assignee=is_assignee)
    assert len(plan.states) == len(plan.steps) + 1
    for before, step, after in zip(plan.states[:-1], plan.steps, plan.states[1:], strict=True):
        transition = step.transition
        assert before in transition.sources
        assert transition.target == after
        assert role in transition.roles
        assert is_assignee or not transition.assignee_only
        assert Requirement.ASSIGNEE not in transition.requires  # ownership is never inferred
        assert Requirement.REASON not in transition.requires  # a document carries no reason
        if Requirement.HOLD_REASON in transition.requires:
            assert step.hold_reason is not None
    # The targets are reached in order; the first refused one stops the walk and is recorded.
    if plan.overrides:  # the refused target and every one after it, each recorded
        assert [o.client for o in plan.overrides] == [
            t.status for t in targets[len(targets) - len(plan.overrides) :]
        ]
        assert {(o.field, o.server) for o in plan.overrides} == {("status", plan.states[-1])}
    else:
        assert plan.states[-1] == (targets[-1].status if targets else current)

    at, refused = schedule_edits(edits, plan.states, role=role, is_assignee=is_assignee)
    scheduled = [name for names in at.values() for name in names]
    assert sorted(scheduled + refused) == sorted(edits)
    for index, names in at.items():
        for name in names:
            allowed = state_machine.editable_fields
            assert name in allowed(plan.states[index], role=role, is_assignee=is_assignee)
            assert all(
                name not in allowed(s, role=role, is_assignee=is_assignee)
                for s in plan.states[:index]
            )
    for name in refused:
        assert all(
            name not in state_machine.editable_fields(s, role=role, is_assignee=is_assignee)
            for s in plan.states
        )
    assert "assignee_id" in refused or "assignee_id" not in edits  # moved by a step only
    if role is Role.ENGINEER:
        assert set(scheduled) <= state_machine.ENGINEER_FIELDS


@settings(max_examples=300)
@given(STATUSES, TARGETS, ROLES, st.booleans())
def test_replaying_a_status_chain_applies_nothing_twice(
    current, targets, role, is_assignee
) -> None:
    start = datetime(2026, 11, 25, 6, tzinfo=UTC)
    timed = [
        Target(t.status, start + timedelta(minutes=i), t.hold_reason) for i, t in enumerate(targets)
    ]
    base = [StatusStep(status=current, at=start - timedelta(hours=1))]
    appended = [StatusStep(status=t.status, at=t.at, hold_reason=t.hold_reason) for t in timed]
    client = [*base, *appended]
    assert new_steps(base, base, client) == appended
    plan = plan_status(current, timed, role=role, is_assignee=is_assignee)
    applied = [
        StatusStep(status=step.transition.target, at=step.at, hold_reason=step.hold_reason)
        for step in plan.steps
    ]
    # The server now holds the applied steps: a replay of the same push (its answer was lost)
    # moves nothing, whether every step landed or one was refused.
    remaining = new_steps(base, [*base, *applied], client)
    replan = plan_status(
        plan.states[-1],
        [Target(s.status, s.at, s.hold_reason) for s in remaining],
        role=role,
        is_assignee=is_assignee,
    )
    assert replan.steps == []


def _distinct_walk(current: S, statuses: list[S]) -> list[S]:
    """Statuses each other than the one before (no step stays where it is)."""
    walk: list[S] = []
    for status in statuses:
        if status != (walk[-1] if walk else current):
            walk.append(status)
    return walk


@settings(max_examples=300)
@given(
    STATUSES,
    st.lists(STATUSES, max_size=5),
    ROLES,
    st.booleans(),
    st.booleans(),
    st.lists(STATUSES, max_size=4),
)
def test_a_replay_after_the_server_moved_on_moves_nothing_again(
    current, wanted, role, is_assignee, sends_steps, later
) -> None:
    """A push landed, its answer was lost, others moved the work order on, and the device
    sends the same push again: whether its app appends steps or sends only its final
    status, nothing is moved a second time."""
    start = datetime(2026, 11, 25, 6, tzinfo=UTC)
    walk = _distinct_walk(current, wanted)
    seen = [StatusStep(status=current, at=start - timedelta(hours=1))]
    appended = [StatusStep(status=s, at=start + timedelta(minutes=i)) for i, s in enumerate(walk)]
    final = walk[-1] if walk else current
    pushed = Pushed(final, [*seen, *appended] if sends_steps else seen, start)
    base = Pushed(current, seen)
    plan = plan_status(current, targets(pushed, base, seen), role=role, is_assignee=is_assignee)
    applied = [StatusStep(status=s.transition.target, at=s.at or start) for s in plan.steps]
    moved_on = [
        StatusStep(status=s, at=start + timedelta(days=1, minutes=i)) for i, s in enumerate(later)
    ]
    replay = targets(pushed, base, [*seen, *applied, *moved_on])
    if not plan.overrides:
        assert replay == []
