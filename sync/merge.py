"""The deterministic three-way merge of a pushed document, and the plan that applies it (pure;
no I/O).

base = the client's ``assumedMasterState``, server = the stored document, client =
``newDocumentState``. Per field: a change on one side only wins; the same change on both sides
is no conflict; different changes on both sides keep the server's value (the server has already
told other devices about it) and are recorded as a conflict. ``status`` never merges as a plain
field: it moves through the state machine, step by step in the order the device made them
(``status_history``), and field edits are applied at the first state along the way where the
caller may make them (accepting and editing in one document keeps the edit; an edit made before
resolving lands before the transition lock).
"""

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from kernel.clock import as_utc
from mobile_contract.enums import HoldReason, Role
from mobile_contract.enums import WorkOrderStatus as S
from mobile_contract.sync import StatusStep
from workorders import state_machine
from workorders.state_machine import TRANSITIONS, Requirement, Transition


@dataclass(frozen=True, slots=True)
class Override:
    """A client value the server did not take, and why (kept as a conflict record)."""

    field: str
    client: Any
    server: Any
    reason: str


@dataclass(slots=True)
class Merge:
    values: dict[str, Any] = field(default_factory=dict)  # the merged value of each field
    from_client: set[str] = field(default_factory=set)  # fields whose value the client set
    overrides: list[Override] = field(default_factory=list)

    def refuse(self, name: str, server_value: Any, reason: str) -> None:
        """Give ``name`` back its server value (a role or lock refused the client's)."""
        self.overrides.append(Override(name, self.values[name], server_value, reason))
        self.values[name] = server_value
        self.from_client.discard(name)


def three_way(
    base: Mapping[str, Any] | None,
    server: Mapping[str, Any],
    client: Mapping[str, Any],
    fields: Iterable[str],
) -> Merge:
    """Merge ``fields``; a missing base (the client never saw the server's copy) makes every
    differing field a change on both sides, so the server's value stays."""
    merge = Merge()
    for name in fields:
        server_value, client_value = server.get(name), client.get(name)
        base_value = server_value if base is None else base.get(name)
        if client_value in (server_value, base_value):
            merge.values[name] = server_value
        elif server_value == base_value and base is not None:
            merge.values[name] = client_value
            merge.from_client.add(name)
        else:
            merge.values[name] = server_value
            merge.overrides.append(
                Override(name, client_value, server_value, "changed on the server meanwhile")
            )
    return merge


def unapplied(
    base: Mapping[str, Any] | None,
    server: Mapping[str, Any],
    client: Mapping[str, Any],
    fields: Iterable[str],
    reason: str,
) -> list[Override]:
    """Every change the client made (against ``base``, or the server's copy when it has none)
    that did not land, with one reason: nothing a device did is dropped without a record."""
    reference = server if base is None else base
    return [
        Override(name, client.get(name), server.get(name), reason)
        for name in fields
        if client.get(name) != reference.get(name) and client.get(name) != server.get(name)
    ]


def who(role: Role) -> str:
    """``an engineer``, ``a dispatcher``: the caller as conflict reasons name them."""
    return f"{'an' if role.value[0] in 'aeiou' else 'a'} {role.value}"


def status_path(
    current: S,
    target: S,
    *,
    role: Role,
    is_assignee: bool,
    available: frozenset[Requirement] = frozenset(),
) -> list[Transition] | None:
    """The shortest chain of transitions this caller may make from ``current`` to
    ``target`` (an offline engineer who accepted, travelled, arrived and started may push
    only the last status). Transitions needing what the document cannot carry (an assignee, a
    reason) are used only when ``available`` names it. None when there is no such chain."""
    if current == target:
        return []
    usable = [
        t
        for t in TRANSITIONS
        if role in t.roles
        and (is_assignee or not t.assignee_only)
        and t.requires <= available
        and t.target != S.ASSIGNED  # assigning moves ownership: never inferred from status
    ]
    previous: dict[S, tuple[S, Transition]] = {}
    queue = deque([current])
    while queue:
        state = queue.popleft()
        for transition in usable:
            if state in transition.sources and transition.target not in previous:
                if transition.target == current:
                    continue
                previous[transition.target] = (state, transition)
                if transition.target == target:
                    chain: list[Transition] = []
                    node = target
                    while node != current:
                        node, step = previous[node]
                        chain.append(step)
                    return chain[::-1]
                queue.append(transition.target)
    return None


# The plan of a pushed work order ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A status the device moved to, when (its clock), and the hold reason it gave."""

    status: S
    at: datetime | None = None
    hold_reason: HoldReason | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One transition to make, with the device time and what it needs."""

    transition: Transition
    at: datetime | None = None
    hold_reason: HoldReason | None = None
    assignee_id: UUID | None = None


@dataclass(slots=True)
class Plan:
    """Transitions in order; ``states[i]`` is the state before ``steps[i]`` and
    ``states[-1]`` the state after the last one."""

    states: list[S]
    steps: list[Step] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)

    def move(self, step: Step) -> None:
        self.steps.append(step)
        self.states.append(step.transition.target)

    def cut(self, index: int) -> None:
        """Keep only the steps before ``index``."""
        del self.steps[index:]
        del self.states[index + 1 :]


def _key(step: StatusStep) -> tuple[S, datetime]:
    return step.status, as_utc(step.at)


def new_steps(
    base: Sequence[StatusStep], server: Sequence[StatusStep], client: Sequence[StatusStep]
) -> list[StatusStep]:
    """The steps the device appended that the server has not taken yet: those after the last
    one it knows (from what the device last saw, or from what the server holds now). So a
    replay applies nothing twice, and a step that moved nothing (the work order was already
    there) is not tried again once later steps landed."""
    known = {_key(s) for s in (*base, *server)}
    last = max((i for i, s in enumerate(client) if _key(s) in known), default=-1)
    return list(client[last + 1 :])


@dataclass(frozen=True, slots=True)
class Pushed:
    """The status part of a pushed work order: its final status and the history it holds."""

    status: S
    history: Sequence[StatusStep]
    at: datetime | None = None
    hold_reason: HoldReason | None = None


def targets(
    pushed: Pushed, base: Pushed | None, server_history: Sequence[StatusStep]
) -> list[Target]:
    """The statuses the device moved to that the server has not taken, in the device's order:
    its new steps, then its final status when no step of its own names it (an app that sends
    no steps sends only that). The final status is left out when the server moved there
    after what the device last saw: a replay of a push whose answer was lost must not move
    the work order back once someone moved it on. Nothing when the device never saw the
    server's copy (``base`` None)."""
    if base is None:
        return []
    steps = new_steps(base.history, server_history, pushed.history)
    found = [Target(s.status, s.at, s.hold_reason) for s in steps]
    own_last = pushed.history[-1].status if pushed.history else None
    if pushed.status not in (own_last, base.status):
        seen = {_key(s) for s in base.history}
        since = {s.status for s in server_history if _key(s) not in seen}
        if pushed.status not in since:
            found.append(Target(pushed.status, pushed.at, pushed.hold_reason))
    return found


def plan_status(
    current: S,
    targets: Sequence[Target],
    *,
    role: Role,
    is_assignee: bool,
    first: Step | None = None,
) -> Plan:
    """``first`` (a dispatcher's reassignment), then each target in turn along the shortest
    chain this caller may make. A target the state machine refuses stops the walk there (the
    steps after it depended on it); it and every target after it are recorded as overrides."""
    plan = Plan(states=[current])
    if first is not None:
        plan.move(first)
    refused: S | None = None
    for target in targets:
        state = plan.states[-1]
        if refused is not None:
            reason = f"it came after a step the server refused (to {refused})"
            plan.overrides.append(Override("status", target.status, state, reason))
            continue
        available = frozenset({Requirement.HOLD_REASON}) if target.hold_reason else frozenset()
        path = status_path(
            state, target.status, role=role, is_assignee=is_assignee, available=available
        )
        if path is None:
            reason = f"{who(role)} cannot move this work order from {state} to {target.status}"
            plan.overrides.append(Override("status", target.status, state, reason))
            refused = target.status
            continue
        for transition in path:
            hold = target.hold_reason if Requirement.HOLD_REASON in transition.requires else None
            plan.move(Step(transition, target.at, hold))
    return plan


def schedule_edits(
    names: Iterable[str], states: Sequence[S], *, role: Role, is_assignee: bool
) -> tuple[dict[int, list[str]], list[str]]:
    """Where along ``states`` each field edit lands: the first state in which the caller may
    make it (``{state index: fields}``), and the fields no state along the way allows."""
    at: dict[int, list[str]] = {}
    refused: list[str] = []
    for name in sorted(names):
        for index, state in enumerate(states):
            if name in state_machine.editable_fields(state, role=role, is_assignee=is_assignee):
                at.setdefault(index, []).append(name)
                break
        else:
            refused.append(name)
    return at, refused
