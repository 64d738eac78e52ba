"""The deterministic three-way merge of a pushed document (pure; no I/O).

base = the client's ``assumedMasterState``, server = the stored document, client =
``newDocumentState``. Per field: a change on one side only wins; the same change on both sides
is no conflict; different changes on both sides keep the server's value (the server has already
told other devices about it) and are recorded as a conflict. ``status`` never merges as a plain
field: it moves through the state machine (``status_path``), in arrival order.
"""

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mobile_contract.enums import Role
from mobile_contract.enums import WorkOrderStatus as S
from workorders.state_machine import TRANSITIONS, Requirement, Transition

SERVER = "server"
CLIENT = "client"


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


def status_path(
    current: S,
    target: S,
    *,
    role: Role,
    is_assignee: bool,
    available: frozenset[Requirement] = frozenset(),
) -> list[Transition] | None:
    """The shortest chain of transitions this caller may make from ``current`` to
    ``target`` (an offline engineer who accepted, travelled, arrived and started pushes only
    the last status). Transitions needing what the document cannot carry (an assignee, a
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
