from __future__ import annotations

import numpy as np
import pytest

from sim.config import ProductionConfig
from sim.production import planned_volume, unit_cost, volume_multiplier

# --------------------------------------------------------------------------- unit_cost


@pytest.mark.parametrize(
    ("human_hours", "effort_ratio", "automation_rate", "expected"),
    [
        (1.0, 0.2, 0.0, 1.0),  # no AI: the human cost
        (1.0, 0.2, 1.0, 0.2),  # all AI: the AI cost
        (1.0, 0.2, 0.5, 0.6),  # half and half: 0.5 * 1 + 0.5 * 0.2
        (6.0, 0.3, 0.5, 3.9),  # 6 * (1 - 0.5 + 0.15)
        (3.0, 0.75, 0.25, 2.8125),  # 3 * (0.75 + 0.1875)
        (4.0, 1.0, 0.7, 4.0),  # AI as costly as humans: nothing changes
        (2.0, 0.0, 1.0, 0.0),  # free drafts
        (0.0, 0.5, 0.5, 0.0),
    ],
)
def test_unit_cost_mixes_human_and_ai_hours(human_hours, effort_ratio, automation_rate, expected):
    assert unit_cost(human_hours, effort_ratio, automation_rate) == pytest.approx(expected)


def test_unit_cost_falls_linearly_with_automation_when_ai_is_cheaper():
    rates = np.linspace(0.0, 1.0, 11)
    costs = np.array([unit_cost(2.0, 0.25, a) for a in rates])
    assert np.all(np.diff(costs) < 0)
    # linear in the automation rate: constant step of human_hours * (1 - ratio) / 10
    assert np.diff(costs) == pytest.approx(np.full(10, -0.15))


def test_unit_cost_rises_with_automation_when_ai_is_dearer():
    assert unit_cost(1.0, 1.5, 0.5) == pytest.approx(1.25)
    assert unit_cost(1.0, 1.5, 0.5) > unit_cost(1.0, 1.5, 0.0)


# --------------------------------------------------------------------------- volume_multiplier


@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9, 1.0, 2.0])
def test_elasticity_zero_fixes_volume(ratio):
    assert volume_multiplier(ratio, 1.0, 0.0) == 1.0


@pytest.mark.parametrize("cost_now", [0.05, 0.2, 0.6, 1.0, 1.7])
def test_elasticity_one_keeps_production_hours_constant(cost_now):
    cost_before = 1.0
    multiplier = volume_multiplier(cost_now, cost_before, 1.0)
    assert multiplier == pytest.approx(cost_before / cost_now)
    # volume * unit cost (hours spent drafting) is unchanged
    assert multiplier * cost_now == pytest.approx(cost_before)


@pytest.mark.parametrize(
    ("cost_now", "cost_before", "elasticity", "expected"),
    [
        (0.6, 1.0, 0.8, 0.6**-0.8),
        (0.5, 1.0, 0.8, 2.0**0.8),
        (3.9, 6.0, 0.8, 0.65**-0.8),
        (0.5, 1.0, 2.0, 4.0),
        (2.0, 1.0, 1.0, 0.5),  # dearer drafts: fewer of them
    ],
)
def test_volume_multiplier_constant_elasticity(cost_now, cost_before, elasticity, expected):
    assert volume_multiplier(cost_now, cost_before, elasticity) == pytest.approx(expected)


def test_volume_multiplier_values_for_default_outreach():
    # default AI outreach: effort ratio 0.2, elasticity 0.8, automation 0.5 -> cost 0.6 h
    cost = unit_cost(1.0, 0.2, 0.5)
    assert volume_multiplier(cost, 1.0, 0.8) == pytest.approx(1.50480, abs=1e-5)


def test_volume_multiplier_grows_as_cost_falls_and_with_elasticity():
    costs = [1.0, 0.8, 0.6, 0.4, 0.2]
    multipliers = [volume_multiplier(c, 1.0, 0.8) for c in costs]
    assert multipliers[0] == pytest.approx(1.0)
    assert all(b > a for a, b in zip(multipliers, multipliers[1:], strict=False))
    by_elasticity = [volume_multiplier(0.5, 1.0, e) for e in (0.0, 0.5, 1.0, 1.5)]
    assert all(b > a for a, b in zip(by_elasticity, by_elasticity[1:], strict=False))


def test_volume_multiplier_unchanged_cost_is_one():
    assert volume_multiplier(2.5, 2.5, 0.8) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("cost_now", "cost_before"), [(0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (-1.0, 1.0)]
)
def test_volume_multiplier_degenerate_costs_give_one(cost_now, cost_before):
    assert volume_multiplier(cost_now, cost_before, 0.8) == 1.0


# --------------------------------------------------------------------------- planned_volume


@pytest.mark.parametrize("expected", [0.3, 1.5, 7.2, 66.0])
def test_planned_volume_is_the_poisson_draw_of_a_seeded_generator(expected):
    got = [planned_volume(np.random.default_rng(123), expected) for _ in range(3)]
    reference = int(np.random.default_rng(123).poisson(expected))
    assert got == [reference] * 3
    assert all(type(v) is int for v in got)


def test_planned_volume_sequence_matches_numpy():
    rng = np.random.default_rng(7)
    got = [planned_volume(rng, 4.0) for _ in range(50)]
    assert got == np.random.default_rng(7).poisson(4.0, size=50).tolist()


def test_planned_volume_mean_is_the_expectation():
    rng = np.random.default_rng(2024)
    n, expected = 20_000, 2.5
    draws = np.array([planned_volume(rng, expected) for _ in range(n)])
    assert draws.min() >= 0
    # Poisson: SD of the mean = sqrt(2.5 / 20000) ~ 0.011; allow 5 SD
    assert draws.mean() == pytest.approx(expected, abs=5 * np.sqrt(expected / n))


@pytest.mark.parametrize("expected", [0.0, -1.0])
def test_planned_volume_nothing_planned_draws_nothing(expected):
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert planned_volume(rng, expected) == 0
    assert rng.bit_generator.state == state  # no random number consumed


# --------------------------------------------------------------------------- calibration


def test_drafted_volume_at_the_seed_case_follows_the_unit_cost():
    # docs/model.md: at automation 0.85 and effort ratio 0.2 the unit cost falls to 0.32 of its
    # human value; drafted volume rises by 0.32^(-e). The elasticity itself is fitted on sent
    # volume by experiment=calibration (tests/test_calibration.py).
    elasticity = ProductionConfig().volume_elasticity
    cost = unit_cost(1.0, 0.2, 0.85)
    assert cost == pytest.approx(0.32)
    assert volume_multiplier(cost, 1.0, elasticity) == pytest.approx(0.32**-elasticity)
    assert volume_multiplier(cost, 1.0, 0.0) == 1.0  # the rebound control
