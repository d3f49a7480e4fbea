from __future__ import annotations

import numpy as np
import pytest

from sim.config import ReviewConfig
from sim.review import detection_probability, pressure, review_hours, vigilance

DEFAULTS = ReviewConfig()

# --------------------------------------------------------------------------- pressure


@pytest.mark.parametrize(
    ("backlog_days", "full", "expected"),
    [
        (0.0, 2.0, 0.0),
        (0.5, 2.0, 0.25),
        (1.0, 2.0, 0.5),
        (2.0, 2.0, 1.0),
        (3.0, 2.0, 1.0),  # clipped at full pressure
        (100.0, 2.0, 1.0),
        (0.3, 0.5, 0.6),
    ],
)
def test_pressure_is_backlog_over_full_backlog_clipped_at_one(backlog_days, full, expected):
    assert pressure(backlog_days, full) == pytest.approx(expected)


def test_pressure_monotone_and_bounded():
    values = [pressure(b, 2.0) for b in np.linspace(0.0, 10.0, 41)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(b >= a for a, b in zip(values, values[1:], strict=False))


# --------------------------------------------------------------------------- vigilance


def test_vigilance_full_without_trust_or_pressure():
    assert vigilance(0.0, True, 0.0, 0.6, 0.3) == 1.0
    assert vigilance(0.9, False, 0.0, 0.6, 0.3) == 1.0


@pytest.mark.parametrize(
    ("trust", "ai_made", "felt", "expected"),
    [
        (0.4, True, 0.0, 1.0 - 0.6 * 0.4),  # default initial trust: 0.76
        (1.0, True, 0.0, 0.4),
        (0.5, True, 0.5, 1.0 - 0.3 - 0.15),
        (0.5, False, 0.5, 1.0 - 0.15),  # human-made: only the skim term
        (1.0, False, 1.0, 0.7),
    ],
)
def test_vigilance_values_with_default_weights(trust, ai_made, felt, expected):
    got = vigilance(trust, ai_made, felt, DEFAULTS.trust_weight, DEFAULTS.skim_weight)
    assert got == pytest.approx(expected)


def test_vigilance_falls_with_trust_only_for_ai_made_work():
    trusts = np.linspace(0.0, 1.0, 11)
    ai = [vigilance(t, True, 0.2, 0.6, 0.3) for t in trusts]
    human = [vigilance(t, False, 0.2, 0.6, 0.3) for t in trusts]
    assert all(b < a for a, b in zip(ai, ai[1:], strict=False))
    assert human == pytest.approx([1.0 - 0.3 * 0.2] * len(trusts))
    # the gap is the automation-bias term, trust_weight * trust
    assert np.subtract(human, ai) == pytest.approx(0.6 * trusts)


def test_vigilance_skim_term_falls_with_pressure():
    felt = np.linspace(0.0, 1.0, 11)
    values = [vigilance(0.0, False, p, 0.6, 0.3) for p in felt]
    assert values == pytest.approx(1.0 - 0.3 * felt)


@pytest.mark.parametrize(
    ("trust", "felt", "trust_weight", "skim_weight"),
    [
        (1.0, 1.0, 1.0, 1.0),
        (1.0, 1.0, 0.8, 0.5),
        (1.0, 0.0, 1.0, 0.0),
        (0.0, 1.0, 0.0, 1.0),
        (0.9, 0.5, 1.0, 0.3),
    ],
)
def test_vigilance_never_negative(trust, felt, trust_weight, skim_weight):
    assert vigilance(trust, True, felt, trust_weight, skim_weight) == 0.0


def test_vigilance_within_unit_interval_over_grid():
    grid = np.linspace(0.0, 1.0, 6)
    for t in grid:
        for p in grid:
            for tw in grid:
                for sw in grid:
                    for ai_made in (True, False):
                        assert 0.0 <= vigilance(t, ai_made, p, tw, sw) <= 1.0


# --------------------------------------------------------------------------- detection_probability


@pytest.mark.parametrize(
    ("skill", "vig", "expected"),
    [(0.8, 1.0, 0.8), (0.8, 0.76, 0.608), (0.2, 0.5, 0.1), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)],
)
def test_detection_probability_is_skill_times_vigilance(skill, vig, expected):
    assert detection_probability(skill, vig) == pytest.approx(expected)


def test_detection_probability_for_default_reviewer_on_ai_work():
    # trained reviewer (skill 0.8) at initial trust 0.4 on AI work, no backlog
    vig = vigilance(0.4, True, 0.0, DEFAULTS.trust_weight, DEFAULTS.skim_weight)
    assert detection_probability(0.8, vig) == pytest.approx(0.608)
    # same reviewer on human work
    vig_h = vigilance(0.4, False, 0.0, DEFAULTS.trust_weight, DEFAULTS.skim_weight)
    assert detection_probability(0.8, vig_h) == pytest.approx(0.8)


# --------------------------------------------------------------------------- review_hours


@pytest.mark.parametrize(
    ("effort", "felt", "cut", "expected"),
    [
        (1.0, 0.0, 0.4, 1.0),  # no pressure: full effort
        (1.0, 1.0, 0.4, 0.6),  # full pressure: cut by skim_effort_cut
        (2.0, 0.5, 0.4, 1.6),
        (0.5, 1.0, 0.0, 0.5),  # no skimming possible
        (0.5, 1.0, 1.0, 0.0),
    ],
)
def test_review_hours(effort, felt, cut, expected):
    assert review_hours(effort, felt, cut) == pytest.approx(expected)


def test_review_hours_fall_with_pressure_and_stay_non_negative():
    felt = np.linspace(0.0, 1.0, 11)
    hours = [review_hours(1.5, p, DEFAULTS.skim_effort_cut) for p in felt]
    assert all(b < a for a, b in zip(hours, hours[1:], strict=False))
    assert min(hours) == pytest.approx(1.5 * (1.0 - DEFAULTS.skim_effort_cut))
    assert min(hours) >= 0.0


def test_documented_automation_bias_anchor():
    # docs/model.md (Lyell et al. 2017): at trust 0.9 a reviewer catches 1 - 0.6 * 0.9 = 46% of
    # what careful review would, i.e. misses 54%.
    vig = vigilance(0.9, True, 0.0, DEFAULTS.trust_weight, DEFAULTS.skim_weight)
    assert vig == pytest.approx(0.46)
    assert detection_probability(1.0, vig) == pytest.approx(0.46)
