from __future__ import annotations

import numpy as np
import pytest

from sim.config import SkillConfig, TrustConfig
from sim.learning import updated_skill, updated_trust

TRUST = TrustConfig()
SKILL = SkillConfig()

# --------------------------------------------------------------------------- trust


def test_trust_rises_after_clean_review():
    new = updated_trust(0.4, False, TRUST.gain_per_clean_review, TRUST.loss_per_caught_defect)
    assert new == pytest.approx(0.4 + 0.01 * 0.6)  # 0.406
    assert new > 0.4


def test_trust_falls_after_caught_defect():
    new = updated_trust(0.4, True, TRUST.gain_per_clean_review, TRUST.loss_per_caught_defect)
    assert new == pytest.approx(0.4 - 0.05 * 0.4)  # 0.38
    assert new < 0.4


@pytest.mark.parametrize(
    ("trust", "caught", "gain", "loss", "expected"),
    [
        (0.0, False, 0.1, 0.2, 0.1),
        (0.0, True, 0.1, 0.2, 0.0),  # no trust to lose
        (1.0, False, 0.1, 0.2, 1.0),  # no room to grow
        (1.0, True, 0.1, 0.2, 0.8),
        (0.5, False, 1.0, 1.0, 1.0),
        (0.5, True, 1.0, 1.0, 0.0),
        (0.5, False, 0.0, 0.0, 0.5),
    ],
)
def test_trust_update_values(trust, caught, gain, loss, expected):
    assert updated_trust(trust, caught, gain, loss) == pytest.approx(expected)


def test_trust_converges_to_one_after_many_clean_reviews():
    trust = TRUST.initial
    for n in range(1, 201):
        trust = updated_trust(
            trust, False, TRUST.gain_per_clean_review, TRUST.loss_per_caught_defect
        )
        # closed form: 1 - (1 - t0) * (1 - gain)^n
        assert trust == pytest.approx(1.0 - 0.6 * 0.99**n)
    assert 0.0 <= trust <= 1.0


def test_trust_stays_in_unit_interval_over_many_random_updates():
    rng = np.random.default_rng(0)
    for gain, loss in [(0.01, 0.05), (0.5, 0.9), (1.0, 1.0), (0.99, 0.01)]:
        trust = 0.4
        for caught in rng.random(2000) < 0.3:
            trust = updated_trust(trust, bool(caught), gain, loss)
            assert 0.0 <= trust <= 1.0


# --------------------------------------------------------------------------- skill


def _skill(skill, engagement, worked=True, **overrides):
    params = dict(
        ceiling=SKILL.initial,
        floor=SKILL.floor,
        learning_per_day=SKILL.learning_per_day,
        atrophy_per_day=SKILL.atrophy_per_day,
    )
    params.update(overrides)
    skill = np.atleast_1d(np.asarray(skill, dtype=float))
    engagement = np.broadcast_to(np.asarray(engagement, dtype=float), skill.shape)
    worked = np.broadcast_to(np.asarray(worked, dtype=bool), skill.shape)
    return updated_skill(skill, engagement, worked, **params)


def test_full_delegation_decays_toward_floor():
    new = _skill(0.8, 0.0)
    assert new == pytest.approx([0.8 - 0.005 * (0.8 - 0.2)])  # 0.797


def test_full_practice_recovers_toward_ceiling():
    new = _skill(0.5, 1.0)
    assert new == pytest.approx([0.5 + 0.005 * (0.8 - 0.5)])  # 0.5015


def test_partial_engagement_mixes_learning_and_atrophy():
    new = _skill(0.5, 0.4)
    expected = 0.5 + 0.005 * 0.4 * (0.8 - 0.5) - 0.005 * 0.6 * (0.5 - 0.2)
    assert new == pytest.approx([expected])


def test_no_change_for_people_who_did_not_work():
    skill = np.array([0.8, 0.5, 0.3, 0.8])
    engagement = np.array([0.0, 1.0, 0.0, 1.0])
    worked = np.array([False, False, True, True])
    new = updated_skill(skill, engagement, worked, 0.8, 0.2, 0.005, 0.005)
    assert new[0] == 0.8
    assert new[1] == 0.5
    assert new[2] == pytest.approx(0.3 - 0.005 * 0.1)
    assert new[3] == pytest.approx(0.8)  # at ceiling, practice adds nothing


def test_floor_is_not_eroded_and_ceiling_not_exceeded_by_practice():
    assert _skill(0.2, 0.0) == pytest.approx([0.2])
    assert _skill(0.1, 0.0) == pytest.approx([0.1])  # below floor: no atrophy
    assert _skill(0.9, 1.0) == pytest.approx([0.9])  # above ceiling: no learning


def test_input_array_is_not_modified():
    skill = np.array([0.8, 0.6])
    updated_skill(skill, np.zeros(2), np.ones(2, dtype=bool), 0.8, 0.2, 0.005, 0.005)
    assert skill.tolist() == [0.8, 0.6]


def test_skill_stays_between_floor_and_ceiling_over_many_days():
    rng = np.random.default_rng(1)
    skill = np.full(50, SKILL.initial)
    for _ in range(1000):
        engagement = rng.random(50)
        worked = rng.random(50) < 0.8
        skill = _skill(skill, engagement, worked)
        assert np.all(skill >= SKILL.floor - 1e-12)
        assert np.all(skill <= SKILL.initial + 1e-12)


def test_delegation_then_practice_returns_toward_ceiling():
    skill = np.array([SKILL.initial])
    for _ in range(100):
        skill = _skill(skill, 0.0)
    low = float(skill[0])
    for _ in range(100):
        skill = _skill(skill, 1.0)
    assert SKILL.floor < low < float(skill[0]) < SKILL.initial
    # closed forms: gap to floor shrinks by 0.995/day, then gap to ceiling by 0.995/day
    assert low == pytest.approx(0.2 + 0.6 * 0.995**100)
    assert float(skill[0]) == pytest.approx(0.8 - (0.8 - low) * 0.995**100)


# --------------------------------------------------------------------------- calibration


def test_calibration_budzyn_2025_default_atrophy_over_65_days():
    # Budzyń et al. 2025 anchor: with full delegation, trained skill 0.8 (floor 0.2) falls by
    # about 21% in about 65 working days at the default atrophy rate of 0.005/day.
    assert (SKILL.initial, SKILL.floor, SKILL.atrophy_per_day) == (0.8, 0.2, 0.005)
    skill = np.array([SKILL.initial])
    for _ in range(65):
        skill = _skill(skill, 0.0)
    closed_form = SKILL.floor + (SKILL.initial - SKILL.floor) * (1 - SKILL.atrophy_per_day) ** 65
    assert float(skill[0]) == pytest.approx(closed_form, rel=1e-12)
    assert float(skill[0]) == pytest.approx(0.63317, abs=1e-5)
    relative_fall = 1.0 - float(skill[0]) / SKILL.initial
    assert relative_fall == pytest.approx(0.2085, abs=5e-4)
    assert relative_fall == pytest.approx(0.21, abs=0.005)


def test_calibration_fall_crosses_20_percent_near_day_65():
    skill = np.array([SKILL.initial])
    day = 0
    while 1.0 - skill[0] / SKILL.initial < 0.20:
        skill = _skill(skill, 0.0)
        day += 1
    # 0.6 * (1 - 0.995^d) >= 0.16  <=>  d >= ln(1 - 0.16/0.6) / ln(0.995) = 61.9
    assert day == 62
