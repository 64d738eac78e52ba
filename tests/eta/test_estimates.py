# ruff: noqa: RUF001  (the zh-CN explanations use Chinese punctuation)
"""The estimate without a database: quantiles of synthetic histories with a known distribution
(seeded, so each run draws the same samples), conditioning on elapsed time and on the stage
computed by hand, the fallback order with exact counts, and the explanations."""

import math
import random

import pytest

from eta.estimates import (
    MIN_SAMPLES,
    Estimate,
    Repair,
    Situation,
    clamped_steps,
    estimate,
    explanation,
    groups_for,
    quantile,
)
from mobile_contract.eta import SimilarityKey

HOUR = 3600.0
ALIKE: dict[SimilarityKey, str] = {
    "type": "cold_storage_repair",
    "asset_family": "chiller",
    "team": "team-1",
    "priority": "P2",
}
Z80 = 0.8416212335729143  # the standard normal's 0.8 quantile


def repairs_of(durations: list[float], **similarity: str) -> list[Repair]:
    return [Repair(similarity={**ALIKE, **similarity}, duration=d) for d in durations]  # type: ignore[dict-item]


def new(elapsed: float = 0.0, status: str = "new", **similarity: str) -> Situation:
    return Situation(similarity={**ALIKE, **similarity}, status=status, elapsed=elapsed)  # type: ignore[dict-item]


def within(value: float, expected: float, tolerance: float) -> bool:
    return abs(value - expected) <= tolerance * expected


def test_quantiles_interpolate_between_the_closest_ranks() -> None:
    assert quantile([7.0], 0.5) == 7.0
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.8) == pytest.approx(4.2)
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0


def test_log_normal_history_gives_its_median_and_80th_percentile_within_5_percent() -> None:
    """10,000 durations from a log-normal with a median of 8 hours and sigma 0.6: P50 within
    ±5% of 8 h, P80 within ±5% of 8 h · e^(0.6 · z₀.₈) (about 13.3 h)."""
    draw = random.Random(19)
    median, sigma = 8 * HOUR, 0.6
    durations = [draw.lognormvariate(math.log(median), sigma) for _ in range(10000)]

    found = estimate(repairs_of(durations), new())

    assert found is not None
    assert found.samples == 10000
    assert within(found.p50, median, 0.05)
    assert within(found.p80, median * math.exp(sigma * Z80), 0.05)


def test_exponential_history_conditioned_on_elapsed_time_keeps_its_quantiles() -> None:
    """An exponential forgets how long it has lasted: 20,000 durations with a mean of 10 hours,
    and a work order open for 5 hours still has P50 ≈ 10 h · ln 2 (6.9 h) and P80 ≈ 10 h · ln 5
    (16.1 h) to go, within ±5%, estimated from the repairs that lasted longer than 5 hours."""
    draw = random.Random(1919)
    mean = 10 * HOUR
    durations = [draw.expovariate(1 / mean) for _ in range(20000)]

    found = estimate(repairs_of(durations), new(elapsed=5 * HOUR, status="in_progress"))

    assert found is not None
    assert found.samples == sum(1 for d in durations if d > 5 * HOUR)
    assert not found.same_stage  # the repairs carry no steps
    assert within(found.p50, mean * math.log(2), 0.05)
    assert within(found.p80, mean * math.log(5), 0.05)


def test_a_work_order_open_longer_is_estimated_from_the_repairs_that_lasted_longer() -> None:
    durations = [h * HOUR for h in (1, 2, 3, 4, 5)]
    history = repairs_of(durations)

    fresh = estimate(history, new(), min_samples=1)
    older = estimate(history, new(elapsed=2.5 * HOUR), min_samples=1)

    assert fresh is not None
    assert older is not None
    assert (fresh.p50, fresh.p80, fresh.samples) == (3 * HOUR, pytest.approx(4.2 * HOUR), 5)
    # Left: 3, 4 and 5 hours, that is 0.5, 1.5 and 2.5 hours from now.
    assert (older.p50, older.p80, older.samples) == (1.5 * HOUR, pytest.approx(2.1 * HOUR), 3)
    # Done later counted from creation (2.5 + 1.5 = 4 hours against 3), sooner from now.
    assert 2.5 * HOUR + older.p50 > fresh.p50
    assert estimate(history, new(elapsed=5 * HOUR), min_samples=1) is None


def test_repairs_at_the_same_stage_at_that_age_are_preferred() -> None:
    """A work order still waiting for an engineer after an hour is estimated from the repairs
    still waiting at an hour, when there are enough of them."""
    waited = [
        Repair(
            similarity=dict(ALIKE),
            duration=d * HOUR,
            steps=((0.0, "new"), (2 * HOUR, "assigned"), (3 * HOUR, "in_progress")),
        )
        for d in (6, 8, 10)
    ]
    started = [
        Repair(
            similarity=dict(ALIKE),
            duration=d * HOUR,
            steps=((0.0, "new"), (0.5 * HOUR, "in_progress")),
        )
        for d in (2, 3, 4)
    ]
    # Its history no longer reaches back to the first hour: its stage there is unknown.
    truncated = Repair(
        similarity=dict(ALIKE), duration=12 * HOUR, steps=((1.5 * HOUR, "in_progress"),)
    )
    history = [*waited, *started, truncated]

    waiting = estimate(history, new(elapsed=HOUR), min_samples=3)
    working = estimate(history, new(elapsed=HOUR, status="in_progress"), min_samples=3)
    too_few = estimate(history, new(elapsed=HOUR), min_samples=4)

    assert waiting == Estimate(
        p50=7 * HOUR, p80=pytest.approx(8.2 * HOUR), samples=3, basis=tuple(ALIKE), same_stage=True
    )
    assert working is not None
    assert (working.p50, working.samples, working.same_stage) == (2 * HOUR, 3, True)
    # Fewer than four at the same stage: all seven still unresolved at an hour count.
    assert too_few is not None
    assert (too_few.p50, too_few.samples, too_few.same_stage) == (5 * HOUR, 7, False)


def test_steps_are_kept_within_the_repair_and_in_order() -> None:
    steps = [(-60.0, "new"), (100.0, "assigned"), (50.0, "accepted"), (9000.0, "in_progress")]

    assert clamped_steps(steps, 3600.0) == (
        (0.0, "new"),
        (100.0, "assigned"),
        (100.0, "accepted"),
        (3600.0, "in_progress"),
    )
    assert Repair(similarity={}, duration=3600.0, steps=clamped_steps(steps, 3600.0)).status_at(
        100.0
    ) == ("accepted")


def test_groups_fall_back_from_the_most_specific_with_exact_counts() -> None:
    history = [
        *repairs_of([HOUR] * 5),
        *repairs_of([2 * HOUR] * 10, team="team-2"),
        *repairs_of([3 * HOUR] * 12, asset_family="freezer"),
        *repairs_of([4 * HOUR] * 3, asset_family="freezer", team="team-2"),
        *repairs_of([5 * HOUR] * 6, priority="P1"),
        *repairs_of([6 * HOUR] * 30, type="inspection"),
    ]
    expected: list[tuple[int, tuple[SimilarityKey, ...], int]] = [
        (5, ("type", "asset_family", "team", "priority"), 5),
        (6, ("type", "asset_family", "priority"), 15),
        (16, ("type", "team", "priority"), 17),
        (18, ("type", "priority"), 30),
        (31, ("type",), 36),
        (37, (), 66),
        (67, (), 66),  # too few anywhere: the tenant's repairs, however few
    ]

    for minimum, basis, samples in expected:
        found = estimate(history, new(), min_samples=minimum)
        assert found is not None
        assert (found.basis, found.samples) == (basis, samples), minimum
        assert found.rough is (samples < minimum)
    # The 5 of one hour and the 12 of three hours (team-1, any family).
    assert estimate(history, new(), min_samples=16) == Estimate(
        p50=3 * HOUR, p80=3 * HOUR, samples=17, basis=("type", "team", "priority")
    )


def test_a_group_needs_the_minimum_of_repairs() -> None:
    other_type = repairs_of([HOUR], type="inspection")
    enough = estimate([*repairs_of([HOUR] * MIN_SAMPLES), *other_type], new())
    # One short: the tenant's repairs of every type, with the inspection just enough.
    broader = estimate([*repairs_of([HOUR] * (MIN_SAMPLES - 1)), *other_type], new())
    rough = estimate(repairs_of([HOUR] * (MIN_SAMPLES - 1)), new())

    assert enough is not None
    assert (enough.basis, enough.samples, enough.rough) == (tuple(ALIKE), MIN_SAMPLES, False)
    assert broader is not None
    assert (broader.basis, broader.samples, broader.rough) == ((), MIN_SAMPLES, False)
    assert rough is not None
    assert (rough.basis, rough.samples, rough.rough) == ((), MIN_SAMPLES - 1, True)


def test_keys_the_work_order_has_no_value_for_are_left_out() -> None:
    assert groups_for(new(asset_family="")) == [
        ("type", "team", "priority"),
        ("type", "priority"),
        ("type",),
        (),
    ]
    assert groups_for(new(asset_family="", team="")) == [("type", "priority"), ("type",), ()]
    history = repairs_of([HOUR] * 25, asset_family="")
    found = estimate(history, new(asset_family=""))
    assert found is not None
    assert found.basis == ("type", "team", "priority")


def test_no_history_gives_no_estimate() -> None:
    assert estimate([], new()) is None


def estimate_of(samples: int, basis: tuple[SimilarityKey, ...], *, rough: bool = False) -> Estimate:
    return Estimate(p50=HOUR, p80=2 * HOUR, samples=samples, basis=basis, rough=rough)


@pytest.mark.parametrize(
    ("found", "english", "chinese"),
    [
        (
            estimate_of(37, ("type", "asset_family")),
            "Based on 37 similar repairs in the last 90 days.",
            "根据最近 90 天 37 次类似维修估算。",
        ),
        (
            estimate_of(120, ()),
            "Based on 120 repairs of all kinds in the last 90 days; too few were similar.",
            "类似维修不足，根据最近 90 天 120 次维修估算。",
        ),
        (
            estimate_of(5, (), rough=True),
            "Based on only 5 repairs in the last 90 days, so only a rough guess.",
            "仅根据最近 90 天 5 次维修粗略估算。",
        ),
        (
            estimate_of(1, (), rough=True),
            "Based on only 1 repair in the last 90 days, so only a rough guess.",
            "仅根据最近 90 天 1 次维修粗略估算。",
        ),
    ],
)
def test_explanations_in_both_languages(found: Estimate, english: str, chinese: str) -> None:
    assert explanation(found, window_days=90, locale="en") == english
    assert explanation(found, window_days=90, locale="zh-CN") == chinese
    assert explanation(found, window_days=90, locale="fr") == english
