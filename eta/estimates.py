# ruff: noqa: RUF001 - the zh-CN explanations use Chinese punctuation
"""The estimate itself, without I/O: from the tenant's resolved repairs of the window and where
this work order stands, the remaining time by which half and four in five of the similar
repairs were resolved.

Elapsed time. A repair counts only if it was still unresolved at this work order's age (its
duration is longer than the time this one has been open), and what it contributes is the time
it still took from that age: a work order open longer than most repairs is estimated from the
long ones, so its remaining time is not the median of all of them minus its age.

State. Each repair's ``status_history`` (the status steps stored on the row, each with the time
it was taken) says what status it was in at any age. A repair also counts as *at the same
stage* when, at this work order's age, it was in this work order's status (a repair still
waiting for an engineer after two hours tells more about one waiting now than a repair
already being worked on did). Within each group of similar repairs the repairs at the same
stage are used when there are at least ``MIN_SAMPLES`` of them, otherwise all those still
unresolved at that age. The steps of a device are taken at its clock, so they are clamped to
the repair's life and kept in order; when the history kept on the row no longer reaches back to
that age (it keeps the last steps only) the repair's stage there is unknown and it counts for
the elapsed-time condition only.

Groups, most specific first: type, asset family, team and priority; without the team; without
the asset family; type and priority; type; all of the tenant's repairs. A key the work order
has no value for (no asset or an asset without a family, no team yet) is left out, and a group
that then repeats one before it is skipped. The first group with at least ``MIN_SAMPLES``
repairs still unresolved at this age wins; when none has that many, the tenant's repairs are
used however few they are, and the explanation says the estimate is rough.

Quantiles by linear interpolation between the closest ranks (the ``(n - 1) * q`` position of
the sorted values, as ``numpy.quantile`` and PostgreSQL's ``percentile_cont`` compute them).
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from mobile_contract.eta import SimilarityKey

WINDOW_DAYS = 90  # repairs resolved this many days before now are the history
MIN_SAMPLES = 20  # repairs a group needs before its estimate is trusted
FIRST_QUANTILE = 0.5
SECOND_QUANTILE = 0.8

# From the most to the least specific; the empty group is all of the tenant's repairs.
GROUPS: tuple[tuple[SimilarityKey, ...], ...] = (
    ("type", "asset_family", "team", "priority"),
    ("type", "asset_family", "priority"),
    ("type", "team", "priority"),
    ("type", "priority"),
    ("type",),
    (),
)


class PastRepair(Protocol):
    """What the estimate reads of a repair of the window: what makes it similar, how long it
    took, and its status at an age (None when unknown)."""

    @property
    def similarity(self) -> Mapping[SimilarityKey, str]: ...

    @property
    def duration(self) -> float: ...

    def status_at(self, age: float) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Repair:
    """A past repair with its status steps at hand, as ``(seconds after creation, status)``
    in the order they were taken."""

    similarity: Mapping[SimilarityKey, str]
    duration: float
    steps: tuple[tuple[float, str], ...] = ()

    def status_at(self, age: float) -> str | None:
        return status_at(self.steps, age)


def status_at(steps: Sequence[tuple[float, str]], age: float) -> str | None:
    """The status at ``age`` seconds after creation; None when the steps kept on the row no
    longer reach back that far."""
    status: str | None = None
    for at, step in steps:
        if at > age:
            break
        status = step
    return status


@dataclass(frozen=True, slots=True)
class Situation:
    """The work order being estimated: its similarity values ("" when it has none), its
    status and how long it has been open."""

    similarity: Mapping[SimilarityKey, str]
    status: str
    elapsed: float


@dataclass(frozen=True, slots=True)
class Estimate:
    """Seconds from now; ``same_stage``: only repairs at this stage at this age were used;
    ``rough``: fewer repairs than a group needs (the tenant's, however few)."""

    p50: float
    p80: float
    samples: int
    basis: tuple[SimilarityKey, ...]
    same_stage: bool = False
    rough: bool = False


def clamped_steps(
    steps: Sequence[tuple[float, str]], duration: float
) -> tuple[tuple[float, str], ...]:
    """Steps within the repair's life and never before the step taken earlier (a device's
    clock may be off)."""
    kept: list[tuple[float, str]] = []
    floor = 0.0
    for at, status in steps:
        floor = min(max(at, floor), duration)
        kept.append((floor, status))
    return tuple(kept)


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of non-empty ``ordered`` (ascending), interpolated linearly."""
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def groups_for(situation: Situation) -> list[tuple[SimilarityKey, ...]]:
    """``GROUPS`` without the keys the work order has no value for, each once."""
    chain: list[tuple[SimilarityKey, ...]] = []
    for group in GROUPS:
        known = tuple(key for key in group if situation.similarity.get(key))
        if known not in chain:
            chain.append(known)
    return chain


def estimate(
    repairs: Iterable[PastRepair],
    situation: Situation,
    *,
    min_samples: int = MIN_SAMPLES,
    groups: Sequence[tuple[SimilarityKey, ...]] | None = None,
) -> Estimate | None:
    """P50 and P80 of the remaining time from the most specific group with enough repairs
    (see the module's docstring); None when no repair of the window was still unresolved at
    this work order's age. The stage is read only of the repairs of the group chosen.
    ``groups``: the chain to try (``groups_for``'s by default); only the tenant's repairs as a
    whole (the empty group) are used however few."""
    elapsed = situation.elapsed
    unresolved = [repair for repair in repairs if repair.duration > elapsed]
    for basis in groups_for(situation) if groups is None else groups:
        wanted = [(key, situation.similarity[key]) for key in basis]
        alike = [
            repair
            for repair in unresolved
            if all(repair.similarity.get(key) == value for key, value in wanted)
        ]
        if len(alike) >= min_samples:
            same = [repair for repair in alike if repair.status_at(elapsed) == situation.status]
            if len(same) >= min_samples:
                return _estimate(same, elapsed, basis, same_stage=True)
            return _estimate(alike, elapsed, basis)
        if not basis and alike:
            return _estimate(alike, elapsed, basis, rough=True)
    return None


def _estimate(
    repairs: list[PastRepair],
    elapsed: float,
    basis: tuple[SimilarityKey, ...],
    *,
    same_stage: bool = False,
    rough: bool = False,
) -> Estimate:
    remaining = sorted(repair.duration - elapsed for repair in repairs)
    return Estimate(
        p50=quantile(remaining, FIRST_QUANTILE),
        p80=quantile(remaining, SECOND_QUANTILE),
        samples=len(remaining),
        basis=basis,
        same_stage=same_stage,
        rough=rough,
    )


def explanation(estimate: Estimate, *, window_days: int, locale: str) -> str:
    """What the estimate rests on, in Chinese for a ``zh`` locale and in English otherwise."""
    n, days = estimate.samples, window_days
    if locale.lower().startswith("zh"):
        if estimate.rough:
            return f"仅根据最近 {days} 天 {n} 次维修粗略估算。"
        if not estimate.basis:
            return f"类似维修不足，根据最近 {days} 天 {n} 次维修估算。"
        return f"根据最近 {days} 天 {n} 次类似维修估算。"
    repairs = "repair" if n == 1 else "repairs"
    if estimate.rough:
        return f"Based on only {n} {repairs} in the last {days} days, so only a rough guess."
    if not estimate.basis:
        return f"Based on {n} {repairs} of all kinds in the last {days} days; too few were similar."
    return f"Based on {n} similar {repairs} in the last {days} days."
