from __future__ import annotations

import numpy as np
import pytest

from sim.config import ExhaustionConfig
from sim.exhaustion import (
    attention_factors,
    connective_hours,
    jdr_exhaustion,
    shift_hours,
    susceptibility,
    updated_exhaustion,
)

EX = ExhaustionConfig()
HOURS_PER_DAY = 8.0


def _shift(attention, exhaustion, connective, felt, *, loss=None, overtime=None, day=HOURS_PER_DAY):
    return shift_hours(
        np.atleast_1d(np.asarray(attention, dtype=float)),
        np.atleast_1d(np.asarray(exhaustion, dtype=float)),
        np.atleast_1d(np.asarray(connective, dtype=float)),
        np.atleast_1d(np.asarray(felt, dtype=float)),
        EX.capacity_loss if loss is None else loss,
        EX.max_overtime_hours if overtime is None else overtime,
        day,
    )


def _exhaust(exhaustion, overload, lost):
    return updated_exhaustion(
        np.atleast_1d(np.asarray(exhaustion, dtype=float)),
        np.atleast_1d(np.asarray(overload, dtype=float)),
        np.atleast_1d(np.asarray(lost, dtype=float)),
        EX.overload_gain,
        EX.isolation_gain,
        EX.recovery_per_day,
    )


# --------------------------------------------------------------------------- connective_hours


def test_connective_hours_crowded_out_by_pressure():
    target = np.array([2.0, 2.0, 2.0, 3.0, 0.0])
    felt = np.array([0.0, 0.5, 1.0, 0.25, 0.7])
    assert connective_hours(target, felt) == pytest.approx([2.0, 1.0, 0.0, 2.25, 0.0])


def test_connective_hours_fall_monotonically_with_pressure():
    felt = np.linspace(0.0, 1.0, 11)
    kept = connective_hours(np.full(11, 3.0), felt)
    assert np.all(np.diff(kept) < 0)
    assert kept[0] == 3.0
    assert kept[-1] == 0.0


# --------------------------------------------------------------------------- shift_hours


def test_shift_hours_fresh_person_no_pressure():
    # attention less connective time: 6 - 2 = 4
    assert _shift(6.0, 0.0, 2.0, 0.0) == pytest.approx([4.0])


@pytest.mark.parametrize(
    ("exhaustion", "expected"),
    [(0.0, 5.5), (0.1, 6.0 * 0.97 - 0.5), (0.5, 6.0 * 0.85 - 0.5), (1.0, 6.0 * 0.7 - 0.5)],
)
def test_shift_hours_capacity_loss_with_exhaustion(exhaustion, expected):
    assert _shift(6.0, exhaustion, 0.5, 0.0) == pytest.approx([expected])


def test_shift_hours_fall_as_exhaustion_rises():
    exhaustion = np.linspace(0.0, 1.0, 11)
    hours = _shift(np.full(11, 6.0), exhaustion, np.zeros(11), np.zeros(11))
    assert np.all(np.diff(hours) < 0)
    assert hours[-1] == pytest.approx(6.0 * (1.0 - EX.capacity_loss))


@pytest.mark.parametrize(
    ("felt", "expected"),
    [(0.0, 4.0), (0.25, 4.5), (0.5, 5.0), (1.0, 6.0)],
)
def test_shift_hours_overtime_under_pressure(felt, expected):
    # attention 6, connective 2 held fixed: overtime = 2 h * pressure
    assert _shift(6.0, 0.0, 2.0, felt) == pytest.approx([expected])


def test_shift_hours_pressure_with_crowded_out_connective_time():
    # the model passes connective time already crowded out by the same pressure
    felt = np.array([0.0, 0.5, 1.0])
    connective = connective_hours(np.full(3, 2.0), felt)
    hours = _shift(np.full(3, 6.0), np.zeros(3), connective, felt)
    assert hours == pytest.approx([4.0, 6.0, 8.0])


@pytest.mark.parametrize(
    ("attention", "exhaustion", "connective", "felt", "expected"),
    [
        (8.0, 0.0, 0.0, 1.0, 8.0),  # 8 + 2 overtime, clipped to the 8 h day
        (8.0, 0.0, 2.0, 0.5, 6.0),  # 8 - 2 + 1 = 7, clipped to 8 - 2 connective
        (6.0, 0.0, 1.0, 1.0, 7.0),  # 6 - 1 + 2 = 7 = 8 - 1: exactly at the limit
        (7.0, 0.0, 0.5, 1.0, 7.5),  # 7 - 0.5 + 2 = 8.5 -> 7.5
    ],
)
def test_shift_hours_clipped_to_working_day_minus_connective(
    attention, exhaustion, connective, felt, expected
):
    hours = _shift(attention, exhaustion, connective, felt)
    assert hours == pytest.approx([expected])
    assert hours[0] + connective <= HOURS_PER_DAY + 1e-12


def test_shift_hours_never_negative():
    # exhausted person with little attention and a lot of connective time: 1 * 0.7 - 1 < 0
    assert _shift(1.0, 1.0, 1.0, 0.0) == pytest.approx([0.0])
    assert _shift(0.0, 0.0, 0.0, 0.0) == pytest.approx([0.0])


def test_shift_hours_vectorised_per_person():
    hours = _shift([6.0, 6.0, 2.0], [0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0])
    assert hours == pytest.approx([4.0, 4.2, 4.0])


# --------------------------------------------------------------------------- updated_exhaustion


def test_exhaustion_recovers_without_overload_or_isolation():
    assert _exhaust(0.1, 0.0, 0.0) == pytest.approx([0.1 * (1 - 0.03)])  # 0.097
    assert _exhaust(0.8, 0.0, 0.0) == pytest.approx([0.776])


def test_exhaustion_rises_under_overload():
    new = _exhaust(0.1, 1.0, 0.0)
    assert new == pytest.approx([0.1 + 0.15 * 0.9 - 0.003])  # 0.232
    assert new[0] > 0.1


def test_exhaustion_rises_under_isolation():
    new = _exhaust(0.1, 0.0, 1.0)
    assert new == pytest.approx([0.1 + 0.05 * 0.9 - 0.003])  # 0.142
    assert new[0] > 0.1


def test_exhaustion_overload_and_isolation_add_up():
    new = _exhaust(0.2, 0.5, 0.5)
    rise = (0.15 * 0.5 + 0.05 * 0.5) * 0.8
    assert new == pytest.approx([0.2 + rise - 0.03 * 0.2])


def test_exhaustion_grows_with_overload():
    overload = np.linspace(0.0, 2.0, 9)
    new = _exhaust(np.full(9, 0.3), overload, np.zeros(9))
    assert np.all(np.diff(new) > 0)


def test_exhaustion_edges():
    assert _exhaust(0.0, 0.0, 0.0) == pytest.approx([0.0])
    assert _exhaust(1.0, 5.0, 1.0) == pytest.approx([0.97])  # no room to rise, only recovery
    assert _exhaust(0.5, 100.0, 1.0) == pytest.approx([1.0])  # clipped at 1


def test_exhaustion_stays_in_unit_interval_over_many_days():
    rng = np.random.default_rng(3)
    exhaustion = np.full(40, EX.initial)
    for _ in range(500):
        overload = rng.exponential(1.0, 40) * (rng.random(40) < 0.5)
        lost = rng.random(40)
        exhaustion = _exhaust(exhaustion, overload, lost)
        assert np.all((exhaustion >= 0.0) & (exhaustion <= 1.0))


def test_exhaustion_settles_at_balance_of_rise_and_recovery():
    # constant isolation 1: E* = g / (g + r) = 0.05 / 0.08
    exhaustion = np.array([0.0])
    for _ in range(2000):
        exhaustion = _exhaust(exhaustion, 0.0, 1.0)
    assert exhaustion == pytest.approx([0.05 / 0.08], rel=1e-6)
    # without any load, exhaustion decays geometrically toward 0
    for _ in range(200):
        exhaustion = _exhaust(exhaustion, 0.0, 0.0)
    assert exhaustion == pytest.approx([0.625 * 0.97**200], rel=1e-6)


def test_recovery_halves_exhaustion_in_about_a_month():
    # docs/model.md: recovery_per_day 0.03 is "about a month to recover half":
    # 0.97^n = 0.5 at n = 22.8 working days
    exhaustion = np.array([0.8])
    days = 0
    while exhaustion[0] > 0.4:
        exhaustion = _exhaust(exhaustion, 0.0, 0.0)
        days += 1
    assert days == 23


# --------------------------------------------------------------------------- jdr_exhaustion
GAINS = (EX.overload_gain, EX.validation_gain, EX.isolation_gain, EX.control_gain)


def _jdr(exhaustion, asked=0.0, checking=0.0, lost=0.0, control=0.0, evenings=0.0, s=None):
    one = lambda x: np.atleast_1d(np.asarray(x, dtype=float))  # noqa: E731
    return jdr_exhaustion(
        one(exhaustion),
        (one(asked), one(checking)),
        (one(lost), one(control)),
        one(evenings),
        GAINS,
        EX.recovery_per_day,
        None if s is None else one(s),
    )


def test_jdr_without_demands_or_losses_recovers_as_before():
    assert _jdr(0.8) == pytest.approx(_exhaust(0.8, 0.0, 0.0))


def test_jdr_each_demand_and_lost_resource_tires():
    calm = _jdr(0.3)
    for kwargs in ({"asked": 0.3}, {"checking": 0.5}, {"lost": 0.5}, {"control": 0.5}):
        assert _jdr(0.3, **kwargs)[0] > calm[0], kwargs


def test_jdr_checking_and_control_tire_at_their_gains():
    new = _jdr(0.2, checking=1.0, control=0.5)
    rise = (EX.validation_gain * 1.0 + EX.control_gain * 0.5) * 0.8
    assert new == pytest.approx([0.2 + rise - EX.recovery_per_day * 0.2])


def test_jdr_evenings_taken_are_evenings_without_recovery():
    assert _jdr(0.5, evenings=1.0) == pytest.approx([0.5])
    assert _jdr(0.5, evenings=0.5)[0] > _jdr(0.5, evenings=0.0)[0]


def test_saturated_reviewer_burns_out_under_jdr_and_settles_below_threshold_without():
    # a reviewer on a saturated stage checking AI output all day, every evening taken; before,
    # overload counted the hours worked, and an exhausted person works fewer (capacity loss)
    attention, overtime = 6.0, EX.max_overtime_hours
    old = new = np.array([EX.initial])
    for _ in range(130):
        worked = _shift(attention, old, 0.0, 1.0)
        old = _exhaust(old, np.maximum(worked - attention, 0.0) / attention, 0.0)
        new = _jdr(new, asked=overtime / attention, checking=1.0, evenings=1.0)
    assert old[0] < EX.burnout_threshold
    assert new[0] > EX.burnout_threshold


def test_susceptibility_scales_the_rise_only():
    base = _jdr(0.3, asked=0.3, control=0.5)
    assert _jdr(0.3, asked=0.3, control=0.5, s=1.0) == pytest.approx(base)
    rise = base[0] - _jdr(0.3)[0]
    assert _jdr(0.3, asked=0.3, control=0.5, s=2.0)[0] - _jdr(0.3)[0] == pytest.approx(2 * rise)
    assert _jdr(0.3, s=2.0) == pytest.approx(_jdr(0.3))  # recovery is the same for everyone
    assert _exhaust(0.3, 1.0, 0.0) == pytest.approx(
        updated_exhaustion(
            np.array([0.3]),
            np.array([1.0]),
            np.zeros(1),
            *GAINS[::2],
            EX.recovery_per_day,
            np.ones(1),
        )
    )


def test_people_differ_around_their_stage_with_mean_one():
    rng = np.random.default_rng(0)
    factors = attention_factors(rng, 200_000, 0.15)
    assert factors.mean() == pytest.approx(1.0, abs=0.005)
    assert factors.std() / factors.mean() == pytest.approx(0.15, rel=0.02)  # when switched on
    s = susceptibility(rng, 200_000, 0.3)
    assert s.mean() == pytest.approx(1.0, abs=0.005)
    assert np.all(s > 0)
    assert np.all(attention_factors(rng, 10, 0.0) == 1.0)
